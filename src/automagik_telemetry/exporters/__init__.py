"""Exporters per backend, built by name: ``otlp``, ``console``, ``clickhouse``.

A backend is a factory returning one exporter per signal. Factories are imported only when their
backend is used, so a backend's optional dependencies cost nothing to apps that do not use it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from opentelemetry.sdk._logs.export import LogRecordExporter
from opentelemetry.sdk.metrics.export import MetricExporter
from opentelemetry.sdk.trace.export import SpanExporter

from ..config import TelemetryConfig

__all__ = ["BACKEND_FACTORIES", "BatchHint", "SignalExporters", "build_exporters"]


@dataclass(frozen=True)
class BatchHint:
    """Batch sizes a backend works best with, used unless the operator set the standard
    ``OTEL_BSP_*``/``OTEL_BLRP_*`` variables (the SDK's defaults are 512 and 2048)."""

    max_export_batch_size: int
    max_queue_size: int


@dataclass(frozen=True)
class SignalExporters:
    """One exporter per signal for one backend."""

    spans: SpanExporter
    logs: LogRecordExporter
    metrics: MetricExporter
    batch: BatchHint | None = None


Factory = Callable[[TelemetryConfig], SignalExporters]

# backend name -> "module:function", resolved on first use.
BACKEND_FACTORIES: dict[str, str] = {
    "otlp": "automagik_telemetry.exporters.otlp:build_otlp_exporters",
    "console": "automagik_telemetry.exporters.console:build_console_exporters",
    "clickhouse": "automagik_telemetry.exporters.clickhouse.factory:build_clickhouse_exporters",
}


def build_exporters(backend: str, config: TelemetryConfig) -> SignalExporters:
    module_name, _, function = BACKEND_FACTORIES[backend].partition(":")
    factory: Factory = getattr(importlib.import_module(module_name), function)
    return factory(config)
