"""Backends by name: ``otlp``, ``console``, ``clickhouse``.

A backend (``delivery.backend.Backend``) takes a batch of one signal and makes one classified
attempt to deliver it. Factories are imported only when their backend is used, so a backend's
optional dependencies cost nothing to apps that do not use it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from ..config import TelemetryConfig
from ..delivery.backend import Backend

__all__ = ["BACKEND_FACTORIES", "build_backend"]

Factory = Callable[[TelemetryConfig], Backend]

# backend name -> "module:function", resolved on first use.
BACKEND_FACTORIES: dict[str, str] = {
    "otlp": "automagik_telemetry.exporters.otlp:build_otlp_backend",
    "console": "automagik_telemetry.exporters.console:build_console_backend",
    "clickhouse": "automagik_telemetry.exporters.clickhouse.factory:build_clickhouse_backend",
}


def build_backend(name: str, config: TelemetryConfig) -> Backend:
    module_name, _, function = BACKEND_FACTORIES[name].partition(":")
    factory: Factory = getattr(importlib.import_module(module_name), function)
    return factory(config)
