"""``build_clickhouse_backend``: the ``clickhouse`` backend of ``configure_automagik``."""

from __future__ import annotations

from ...config import TelemetryConfig
from .backend import ClickHouseBackend
from .settings import ClickHouseSettings
from .sink import ClickHouseSink

__all__ = ["build_clickhouse_backend"]


def build_clickhouse_backend(config: TelemetryConfig) -> ClickHouseBackend:
    sink = ClickHouseSink.open(ClickHouseSettings.from_config(config))
    sink.acquire()
    return ClickHouseBackend(sink)
