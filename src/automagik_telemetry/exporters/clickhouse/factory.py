"""``build_clickhouse_exporters``: the ``clickhouse`` backend of ``configure_automagik``.

The three exporters share one sink (one connection, one schema check per table). Batches are
larger than the SDK's default 512: ClickHouse creates a part per insert and recommends
thousands of rows per insert ("too many parts" otherwise), and on the embedded store 2048-row
inserts ran ~1.7x faster than 512-row ones.
"""

from __future__ import annotations

from ...config import TelemetryConfig
from .. import BatchHint, SignalExporters
from .exporters import ClickHouseLogExporter, ClickHouseMetricExporter, ClickHouseSpanExporter
from .settings import ClickHouseSettings
from .sink import ClickHouseSink

__all__ = ["CLICKHOUSE_BATCH", "build_clickhouse_exporters"]

CLICKHOUSE_BATCH = BatchHint(max_export_batch_size=2048, max_queue_size=8192)


def build_clickhouse_exporters(config: TelemetryConfig) -> SignalExporters:
    sink = ClickHouseSink.open(ClickHouseSettings.from_config(config))
    return SignalExporters(
        spans=ClickHouseSpanExporter(sink=sink),
        logs=ClickHouseLogExporter(sink=sink),
        metrics=ClickHouseMetricExporter(sink=sink),
        batch=CLICKHOUSE_BATCH,
    )
