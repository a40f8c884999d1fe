"""SDK exporters over a ``Backend`` and its ``Spool``: the last step of the live path.

Each export makes one attempt. Delivered: done. The backend may take it later (down,
overloaded, ``Retry-After``): the batch is written to the spool and the export still reports
success — the data is safe on disk and the replayer owns it now. From that failure on, the
backend counts as down and batches go to the spool without an attempt until the replayer gets
through, so a dead or black-holed endpoint holds up the queue for one timeout, not one per
batch, and a ``Retry-After`` holds back the retry of that very batch. With a spool, the attempt
runs on the spool's ``LiveSender``: the export thread waits for it one second at most, then
leaves it to settle its own batch (``delivery/live.py``). Rejected for good:
reported as a failure (the backend logged why).

Each live attempt is registered with the spool's ``InFlight`` while it runs, so that an exit
in the middle of it keeps the batch on disk instead of losing it (``spool/inflight.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk._logs import ReadableLogRecord
from opentelemetry.sdk._logs.export import LogRecordExporter, LogRecordExportResult
from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult, MetricsData
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from ..diagnostics import internal_log
from ..spool.codec import encode_batch
from ..spool.spool import Spool
from .backend import Backend
from .outcome import Delivery

__all__ = ["DeliveringLogExporter", "DeliveringMetricExporter", "DeliveringSpanExporter", "deliver"]


def deliver(
    backend: Backend,
    spool: Spool | None,
    signal: str,
    items: Any,
    timeout: float,
    *,
    spool_only: bool = False,
) -> bool:
    """Hand ``items`` to ``backend`` (or straight to ``spool`` while it is down or still busy
    with an earlier batch, or when ``spool_only``); ``True`` once they are delivered, safely
    spooled, or in flight with a sender that will spool them if they are not taken."""
    if spool is not None and (spool_only or spool.backlogged or spool.live.busy):
        return spool.put(signal, encode_batch(signal, items))
    # Registered before the attempt: an exit while it runs keeps the batch on disk.
    ticket = spool.in_flight.begin(signal, items) if spool is not None else None

    def attempt() -> Delivery:
        try:
            return backend.send_items(signal, items, timeout)
        except Exception as error:  # a backend bug must not lose the batch: spool it
            internal_log.error(
                f"deliver.{backend.name}", "%s backend failed", backend.name, exc_info=True
            )
            return Delivery.retry(f"backend error: {error}")

    def settle(delivery: Delivery) -> bool:
        if spool is not None and ticket is not None:
            kept = spool.in_flight.end(ticket, delivery.status)
            if kept is not None:  # an exit kept it on disk meanwhile: settled there
                return kept
        return _settle(backend, spool, signal, items, delivery)

    if spool is None:
        return settle(attempt())
    delivery = spool.live.run(attempt, settle)
    return True if delivery is None else settle(delivery)


def _settle(
    backend: Backend, spool: Spool | None, signal: str, items: Any, delivery: Delivery
) -> bool:
    """Done, dropped for good (logged), or spooled with the backend marked down."""
    if delivery.delivered:
        return True
    if delivery.status == "rejected":
        internal_log.error(
            f"deliver.{backend.name}.rejected",
            "%s rejected %s for good, dropped: %s",
            backend.name,
            signal,
            delivery.detail,
        )
        return False
    if spool is None:
        internal_log.warning(
            f"deliver.{backend.name}.lost",
            "%s not delivered to %s and no spool to keep it: %s",
            signal,
            backend.name,
            delivery.detail,
        )
        return False
    spool.backend_failed(delivery.retry_after)  # down now: the next batches skip the wait
    return spool.put(signal, delivery.payload or encode_batch(signal, items))


class _Delivering:
    """What the three exporters share: where to, the spool, and the live-or-spool choice."""

    def __init__(
        self, backend: Backend, spool: Spool | None, timeout: float, *, spool_only: bool = False
    ) -> None:
        """``spool_only``: never try the backend (what a shutdown does with leftovers)."""
        self.backend, self.spool, self.timeout, self.spool_only = (
            backend,
            spool,
            timeout,
            spool_only,
        )

    def _deliver(self, signal: str, items: Any) -> bool:
        return deliver(
            self.backend, self.spool, signal, items, self.timeout, spool_only=self.spool_only
        )


class DeliveringSpanExporter(_Delivering, SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        ok = self._deliver("traces", spans)
        return SpanExportResult.SUCCESS if ok else SpanExportResult.FAILURE

    def shutdown(self) -> None:
        """The pipeline shuts the backend down once, after all three signals."""


class DeliveringLogExporter(_Delivering, LogRecordExporter):
    def export(self, batch: Sequence[ReadableLogRecord]) -> LogRecordExportResult:
        ok = self._deliver("logs", batch)
        return LogRecordExportResult.SUCCESS if ok else LogRecordExportResult.FAILURE

    def shutdown(self) -> None:
        """The pipeline shuts the backend down once, after all three signals."""

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


class DeliveringMetricExporter(_Delivering, MetricExporter):
    def __init__(self, backend: Backend, spool: Spool | None, timeout: float) -> None:
        _Delivering.__init__(self, backend, spool, timeout)
        MetricExporter.__init__(self, backend.preferred_temporality, backend.preferred_aggregation)

    def export(
        self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any
    ) -> MetricExportResult:
        ok = self._deliver("metrics", metrics_data)
        return MetricExportResult.SUCCESS if ok else MetricExportResult.FAILURE

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return True

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        """The pipeline shuts the backend down once, after all three signals."""
