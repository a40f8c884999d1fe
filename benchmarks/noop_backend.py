"""A backend that takes every batch and does nothing with it, for the benchmarks: the whole
pipeline runs up to the point where data would leave the process."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from automagik_telemetry.delivery.outcome import Delivery


class NoOpBackend:
    name = "noop"
    destination = "nowhere"
    batch = None
    preferred_temporality = None
    preferred_aggregation = None

    def send_items(self, signal: str, items: Any, timeout: float) -> Delivery:
        return Delivery.ok()

    def send_request(self, signal: str, payload: bytes, timeout: float) -> Delivery:
        return Delivery.ok()

    def shutdown(self) -> None:
        pass


class NoOpSpanExporter(SpanExporter):
    """The same for the bare SDK's BatchSpanProcessor."""

    def export(self, spans: Sequence[Any]) -> SpanExportResult:
        return SpanExportResult.SUCCESS


def noop_backend(config: object) -> NoOpBackend:
    """Factory for ``BACKEND_FACTORIES["otlp"] = "noop_backend:noop_backend"``."""
    return NoOpBackend()
