"""Debug mode: print what would be sent to stderr, send nothing.

Uses the SDK's console exporters, so what you see is exactly the data (after consent and
privacy processing) that a real backend would receive.
"""

from __future__ import annotations

import sys

from opentelemetry.sdk._logs.export import ConsoleLogRecordExporter
from opentelemetry.sdk.metrics.export import ConsoleMetricExporter
from opentelemetry.sdk.trace.export import ConsoleSpanExporter

from ..config import TelemetryConfig
from . import SignalExporters

__all__ = ["build_console_exporters"]


def build_console_exporters(config: TelemetryConfig) -> SignalExporters:
    del config  # the console needs no settings
    return SignalExporters(
        spans=ConsoleSpanExporter(out=sys.stderr),
        logs=ConsoleLogRecordExporter(out=sys.stderr),
        metrics=ConsoleMetricExporter(out=sys.stderr),
    )
