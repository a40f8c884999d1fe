"""``DeliveryStage``: everything between the privacy processors and one backend.

    buffer (memory budget, compact spans) ─> consent gate ─> one attempt at the backend
                                                             └─ not taken ─> spool ─> replayer

One stage per backend, so a slow or dead backend never holds up another, and each keeps its
own spool (a batch ClickHouse did not take is never replayed to an OTLP collector).

At exit a stage either flushes (bounded by the deadline, the rest spilled) or, for a short
program, *hands off*: everything queued and in flight goes to the spool and a detached sender
delivers it (``spool/sender.py``), so the exit never waits on the network.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from opentelemetry.sdk.metrics.export import MetricExporter

from ..config import TelemetryConfig
from ..consent.runtime import ConsentState
from ..privacy import PiiRedactingMetricExporter, Redactor
from ..spool.layout import spool_directory
from ..spool.spool import Spool
from .backend import Backend
from .buffer import Spill
from .consent_gate import (
    ConsentGatedLogExporter,
    ConsentGatedMetricExporter,
    ConsentGatedSpanExporter,
)
from .exporters import DeliveringLogExporter, DeliveringMetricExporter, DeliveringSpanExporter
from .processors import BufferedLogRecordProcessor, BufferedSpanProcessor

__all__ = ["DEFAULT_BATCH_SIZE", "HANDOFF_GRACE", "DeliveryStage"]

HANDOFF_GRACE = 0.1
"""Seconds an exiting short run lets a live attempt in flight end (half of it waiting for the
attempt): a healthy endpoint answers well within it, a dead one costs at most this."""

DEFAULT_BATCH_SIZE = 512


@dataclass
class DeliveryStage:
    backend: Backend
    spool: Spool | None
    spans: BufferedSpanProcessor
    logs: BufferedLogRecordProcessor
    metrics: MetricExporter
    """Consent gate, then scrubbing (nothing is scrubbed that consent drops), then delivery."""
    config: TelemetryConfig | None = None

    @property
    def can_hand_off(self) -> bool:
        """Whether a detached sender can deliver for this stage: a usable spool and a backend
        over the network (the embedded ClickHouse store is written in-process: a second
        process could not open it while the next run holds it)."""
        if self.spool is None or self.config is None or not self.spool.store.usable:
            return False
        return not (self.backend.name == "clickhouse" and _embedded(self.config))

    @classmethod
    def build(
        cls, backend: Backend, config: TelemetryConfig, consent: ConsentState, redactor: Redactor
    ) -> DeliveryStage:
        spool = None
        if config.spool and backend.name != "console":
            spool = Spool(
                spool_directory(config.spool_dir, config.service_name, backend),
                backend,
                consent,
                max_bytes=config.spool_max_bytes,
                max_age=config.spool_max_age,
                timeout=config.timeout,
                first_delay=config.retry_initial_backoff,
                max_delay=config.retry_max_backoff,
            )
            spool.start()
        hint = backend.batch.max_export_batch_size if backend.batch else DEFAULT_BATCH_SIZE
        buffer_options: dict[str, Any] = {
            "max_queue": config.queue_size,
            "batch_size": config.batch_size or hint,
            "schedule_delay": config.schedule_delay,
            "shutdown_timeout": config.shutdown_timeout,
        }
        span_exporter = ConsentGatedSpanExporter(
            DeliveringSpanExporter(backend, spool, config.timeout), consent
        )
        log_exporter = ConsentGatedLogExporter(
            DeliveringLogExporter(backend, spool, config.timeout), consent
        )
        stage = cls(
            config=config,
            backend=backend,
            spool=spool,
            spans=BufferedSpanProcessor(
                span_exporter.export,
                spill=_spiller(backend, spool, "traces", consent),
                **buffer_options,
            ),
            logs=BufferedLogRecordProcessor(
                log_exporter.export,
                spill=_spiller(backend, spool, "logs", consent),
                **buffer_options,
            ),
            metrics=ConsentGatedMetricExporter(
                PiiRedactingMetricExporter(
                    DeliveringMetricExporter(backend, spool, config.timeout), redactor
                ),
                consent,
            ),
        )
        if spool is not None:
            spool.live.pressure = stage._in_a_hurry
        return stage

    def _in_a_hurry(self) -> bool:
        """Half of a memory budget is used, or shutdown has begun: the export thread must stop
        waiting on a slow live attempt and spool instead (``delivery/live.py``)."""
        return any(
            buf.closed or 2 * len(buf) >= buf.max_queue
            for buf in (self.spans.buffer, self.logs.buffer)
        )

    @property
    def dropped(self) -> dict[str, int]:
        """Items the memory budget pushed out, per signal, since start."""
        return {"traces": self.spans.buffer.dropped, "logs": self.logs.buffer.dropped}

    def begin_handoff(self) -> None:
        """Exiting, short program: from now on every export of this stage goes to disk (only
        asked of a stage that ``can_hand_off``, so it has a spool)."""
        spool = self.spool
        assert spool is not None
        spool.begin_handoff()

    def shutdown(self, deadline: float, *, handoff: bool = False) -> None:
        """Export (unless handing off) or spill what is queued, keep the batches in flight,
        then stop the replayer and the backend."""
        for processor in (self.spans, self.logs):
            processor.shutdown(max(0.0, deadline - time.monotonic()), flush=not handoff)
        if self.spool is not None:
            self.spool.in_flight.keep_all()
            # Handing off, a live attempt in flight gets a moment (HANDOFF_GRACE) to end: its
            # kept copy is then settled here, not replayed later (a duplicate over OTLP).
            limit = HANDOFF_GRACE if handoff else 1.0
            self.spool.stop(max(0.0, min(limit, deadline - time.monotonic())))
        self.backend.shutdown()

    def start_sender(self) -> bool:
        """Start the detached sender if something waits in this stage's spool."""
        if self.spool is None or self.config is None or self.spool.store.stats().batches == 0:
            return False
        from ..spool.handoff import start_sender

        return start_sender(self.spool.store.directory, self.backend.name, self.config)


def _embedded(config: TelemetryConfig) -> bool:
    return (config.clickhouse_url or "").startswith("chdb:")


def _spiller(
    backend: Backend, spool: Spool | None, signal: str, consent: ConsentState
) -> Spill[Any] | None:
    """Where a shutdown puts what could not be exported in time: straight to the spool (no
    network), through the same consent gate as a live export."""
    if spool is None:
        return None
    if signal == "traces":
        return ConsentGatedSpanExporter(
            DeliveringSpanExporter(backend, spool, 0.0, spool_only=True), consent
        ).export
    return ConsentGatedLogExporter(
        DeliveringLogExporter(backend, spool, 0.0, spool_only=True), consent
    ).export
