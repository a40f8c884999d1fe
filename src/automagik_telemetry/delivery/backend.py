"""``Backend``: what the pipeline needs from a destination, whatever it is.

Two ways in: ``send_items`` takes the SDK's own objects (the live path: each backend encodes
them its own way, ClickHouse columns or OTLP protobuf), ``send_request`` takes a spooled OTLP
request (the replay path). Both make exactly one attempt and classify it (``Delivery``): the
retry policy — spool, backoff, ``Retry-After`` — lives in one place, the spool, not in every
exporter. Neither raises.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .outcome import Delivery

if TYPE_CHECKING:  # a protocol: the SDK's metric types are only named here
    from opentelemetry.sdk.metrics.export import AggregationTemporality
    from opentelemetry.sdk.metrics.view import Aggregation

__all__ = ["Backend", "BatchHint"]


@dataclass(frozen=True)
class BatchHint:
    """Batch sizes a backend works best with, used unless the operator set the standard
    ``OTEL_BSP_*``/``OTEL_BLRP_*`` variables (the SDK's defaults are 512 and 2048)."""

    max_export_batch_size: int
    max_queue_size: int


class Backend(Protocol):
    name: str
    """``otlp``, ``console``, ``clickhouse``: also names its spool directory."""
    destination: str
    """Where it sends, without secrets (distinguishes spools of one backend kind)."""
    batch: BatchHint | None

    @property
    def preferred_temporality(self) -> dict[type, AggregationTemporality] | None: ...

    @property
    def preferred_aggregation(self) -> dict[type, Aggregation] | None: ...

    def send_items(self, signal: str, items: Any, timeout: float) -> Delivery: ...

    def send_request(
        self, signal: str, payload: bytes, timeout: float, *, batch_id: str | None = None
    ) -> Delivery:
        """``batch_id``: a stable id of a spooled batch, the same across retries and processes.
        A backend that can deduplicate (ClickHouse's ``insert_deduplication_token``) stores a
        batch re-sent after a crash once; others accept and ignore it."""
        ...

    def shutdown(self) -> None: ...
