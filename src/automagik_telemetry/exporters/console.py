"""The ``console`` backend (debug mode): print what would be sent to stderr, send nothing.

Uses the SDK's console exporters, so what you see is exactly the data (after consent and
privacy processing) that a real backend would receive.
"""

from __future__ import annotations

import sys
from typing import Any

from opentelemetry.sdk._logs.export import ConsoleLogRecordExporter
from opentelemetry.sdk.metrics.export import ConsoleMetricExporter
from opentelemetry.sdk.trace.export import ConsoleSpanExporter

from ..config import TelemetryConfig
from ..delivery.backend import BatchHint
from ..delivery.outcome import Delivery
from ..spool.decode import decode_logs, decode_metrics, decode_spans

__all__ = ["ConsoleBackend", "build_console_backend"]


class ConsoleBackend:
    name = "console"
    destination = "stderr"
    batch: BatchHint | None = None
    preferred_temporality = None
    preferred_aggregation = None

    def __init__(self) -> None:
        self._exporters: dict[str, Any] = {
            "traces": ConsoleSpanExporter(out=sys.stderr),
            "logs": ConsoleLogRecordExporter(out=sys.stderr),
            "metrics": ConsoleMetricExporter(out=sys.stderr),
        }

    def send_items(self, signal: str, items: Any, timeout: float) -> Delivery:
        self._exporters[signal].export(items)
        return Delivery.ok()

    def send_request(
        self, signal: str, payload: bytes, timeout: float, *, batch_id: str | None = None
    ) -> Delivery:
        del batch_id  # nothing is stored, nothing to deduplicate
        decoded = {"traces": decode_spans, "logs": decode_logs, "metrics": decode_metrics}
        return self.send_items(signal, decoded[signal](payload), timeout)

    def shutdown(self) -> None:
        pass


def build_console_backend(config: TelemetryConfig) -> ConsoleBackend:
    del config  # the console needs no settings
    return ConsoleBackend()
