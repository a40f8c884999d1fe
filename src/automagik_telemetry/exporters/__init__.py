"""Exporters per backend, built by name: ``otlp``, ``console`` (and later ``clickhouse``).

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

__all__ = ["BACKEND_FACTORIES", "SignalExporters", "build_exporters"]


@dataclass(frozen=True)
class SignalExporters:
    """One exporter per signal for one backend."""

    spans: SpanExporter
    logs: LogRecordExporter
    metrics: MetricExporter


Factory = Callable[[TelemetryConfig], SignalExporters]

# backend name -> "module:function", resolved on first use.
BACKEND_FACTORIES: dict[str, str] = {
    "otlp": "automagik_telemetry.exporters.otlp:build_otlp_exporters",
    "console": "automagik_telemetry.exporters.console:build_console_exporters",
}


def build_exporters(backend: str, config: TelemetryConfig) -> SignalExporters:
    module_name, _, function = BACKEND_FACTORIES[backend].partition(":")
    factory: Factory = getattr(importlib.import_module(module_name), function)
    return factory(config)
