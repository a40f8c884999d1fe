"""The ClickHouse backend: traces, logs and metrics into a ClickHouse server or cluster, or an
embedded store on disk (chDB), in the OpenTelemetry Collector's table layout.

Importing this package is cheap: ``clickhouse_connect`` and ``chdb`` are imported only when a
connection is first used. See docs/BACKENDS.md.
"""

from .errors import ClickHouseError, SchemaMismatchError, StoreUnavailableError
from .exporters import ClickHouseLogExporter, ClickHouseMetricExporter, ClickHouseSpanExporter
from .metrics import Summary, SummaryDataPoint, ValueAtQuantile
from .settings import ClickHouseSettings
from .sink import ClickHouseSink

__all__ = [
    "ClickHouseError",
    "ClickHouseLogExporter",
    "ClickHouseMetricExporter",
    "ClickHouseSettings",
    "ClickHouseSink",
    "ClickHouseSpanExporter",
    "SchemaMismatchError",
    "StoreUnavailableError",
    "Summary",
    "SummaryDataPoint",
    "ValueAtQuantile",
]
