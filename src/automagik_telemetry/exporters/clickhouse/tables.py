"""The tables we write, as data: one definition drives the DDL, the start-up check and inserts.

They follow the OpenTelemetry Collector contrib ``clickhouseexporter`` (column names, types,
indexes, partitioning and sort keys), so Grafana's ClickHouse data source in OTel mode,
HyperDX/ClickStack and existing queries work unchanged on our data, and tables created by the
collector accept our rows. ``also`` lists types that older collector versions used for a column
and that our inserts still fit; ``optional`` columns (added by newer collectors) may be missing
from an existing table, in which case we say so once and write the rest.
"""

from __future__ import annotations

from .columns import (
    ATTRIBUTE_INDEXES,
    LC,
    MAP,
    NANOS,
    Column,
    ExpectedColumn,
    Nested,
    TableSpec,
    col,
    normalize_type,
)
from .metric_tables import LEGACY_METRICS, METRIC_KINDS, METRICS, metrics_layout_of

__all__ = [
    "LEGACY_LOGS",
    "LEGACY_METRICS",
    "METRICS",
    "METRIC_KINDS",
    "TABLES",
    "TRACE_ID_TS",
    "Column",
    "ExpectedColumn",
    "Nested",
    "TableSpec",
    "layout_of",
    "metrics_layout_of",
    "normalize_type",
]

TRACES = TableSpec(
    kind="traces",
    columns=(
        col("Timestamp", NANOS, "Delta(8), ZSTD(1)"),
        col("TraceId", "String"),
        col("SpanId", "String"),
        col("ParentSpanId", "String"),
        col("TraceState", "String"),
        col("SpanName", LC),
        col("SpanKind", LC),
        col("ServiceName", LC),
        col("ResourceAttributes", MAP),
        col("ScopeName", "String"),
        col("ScopeVersion", "String"),
        col("SpanAttributes", MAP),
        col("Duration", "UInt64", also=("Int64",)),
        col("StatusCode", LC),
        col("StatusMessage", "String"),
        Nested(
            "Events", (Column("Timestamp", NANOS), Column("Name", LC), Column("Attributes", MAP))
        ),
        Nested(
            "Links",
            (
                Column("TraceId", "String"),
                Column("SpanId", "String"),
                Column("TraceState", "String"),
                Column("Attributes", MAP),
            ),
        ),
    ),
    indexes=(
        "INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1",
        *ATTRIBUTE_INDEXES[:2],
        "INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1",
        "INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1",
        "INDEX idx_duration Duration TYPE minmax GRANULARITY 1",
    ),
    partition_by="toDate(Timestamp)",
    order_by="(ServiceName, SpanName, toDateTime(Timestamp))",
    ttl_on="toDateTime(Timestamp)",
)

TRACE_ID_TS = TableSpec(
    kind="trace_id_ts",
    columns=(
        col("TraceId", "String"),
        col("Start", "DateTime", "Delta(4), ZSTD(1)"),
        col("End", "DateTime", "Delta(4), ZSTD(1)"),
    ),
    indexes=("INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1",),
    partition_by="toDate(Start)",
    order_by="(TraceId, Start)",
    ttl_on="Start",
)
"""The trace-id lookup table, fed by a materialized view from the traces table."""

_LOG_COLUMNS = (
    col("TraceId", "String"),
    col("SpanId", "String"),
    col("TraceFlags", "UInt8", "", also=("UInt32",)),
    col("SeverityText", LC),
    col("SeverityNumber", "UInt8", "", also=("Int32",)),
    col("ServiceName", LC),
    col("Body", "String"),
    col("ResourceSchemaUrl", LC),
    col("ResourceAttributes", MAP),
    col("ScopeSchemaUrl", LC),
    col("ScopeName", "String"),
    col("ScopeVersion", LC),
    col("ScopeAttributes", MAP),
    col("LogAttributes", MAP),
    col("EventName", "String", optional=True),
)
_LOG_INDEXES = (
    "INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1",
    *ATTRIBUTE_INDEXES,
    "INDEX idx_log_attr_key mapKeys(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1",
    "INDEX idx_log_attr_value mapValues(LogAttributes) TYPE bloom_filter(0.01) GRANULARITY 1",
)
_MATERIALIZED_KEYS = (
    "k8s.cluster.name",
    "k8s.container.name",
    "k8s.deployment.name",
    "k8s.namespace.name",
    "k8s.node.name",
    "k8s.pod.name",
    "k8s.pod.uid",
    "deployment.environment.name",
)
_TEXT = "TYPE text(tokenizer = 'array')"

LOGS = TableSpec(
    kind="logs",
    columns=(
        col("Timestamp", NANOS, "Delta(8), ZSTD(1)"),
        *_LOG_COLUMNS,
        # Hot resource keys as columns (the collector's, for direct reads instead of map
        # lookups); computed by the server, never written by us.
        *(
            col(
                f"__otel_materialized_{key}",
                LC,
                default=f"ResourceAttributes['{key}']",
                computed="MATERIALIZED",
            )
            for key in _MATERIALIZED_KEYS
        ),
        # Not in the collector's table: Grafana's older OTel logs preset filters on it (the
        # collector dropping it broke that preset). An ALIAS costs nothing on disk.
        col("TimestampTime", "DateTime", "", default="toDateTime(Timestamp)", computed="ALIAS"),
    ),
    indexes=(
        *_LOG_INDEXES,
        "INDEX idx_lower_body lower(Body) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8",
    ),
    text_indexes=(
        f"INDEX idx_trace_id TraceId {_TEXT}",
        *(
            f"INDEX idx_{short}_attr_key mapKeys({column}) {_TEXT}"
            for short, column in (
                ("res", "ResourceAttributes"),
                ("scope", "ScopeAttributes"),
                ("log", "LogAttributes"),
            )
        ),
        *(
            f"INDEX idx_{short}_attr_value mapValues({column}) {_TEXT}"
            for short, column in (
                ("res", "ResourceAttributes"),
                ("scope", "ScopeAttributes"),
                ("log", "LogAttributes"),
            )
        ),
        "INDEX idx_lower_body lower(Body) TYPE text(tokenizer = 'splitByNonAlpha')",
    ),
    partition_by="toDate(Timestamp)",
    order_by="(toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp)",
    ttl_on="toDateTime(Timestamp)",
)
"""The collector's current logs table (v0.150+): no stored ``TimestampTime``, partition and
sort keys on ``Timestamp`` led by a five-minute bucket, materialized hot keys, text indexes on
servers that have them. What we create for a new table."""

LEGACY_LOGS = TableSpec(
    kind="logs",
    columns=(
        col("Timestamp", NANOS, "Delta(8), ZSTD(1)"),
        col("TimestampTime", "DateTime", "Delta(4), ZSTD(1)", default="toDateTime(Timestamp)"),
        *_LOG_COLUMNS,
    ),
    indexes=(*_LOG_INDEXES, "INDEX idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8"),
    partition_by="toDate(TimestampTime)",
    primary_key="(ServiceName, TimestampTime)",
    order_by="(ServiceName, TimestampTime, Timestamp)",
    ttl_on="TimestampTime",
)
"""The older collector logs table (up to v0.149): a stored ``TimestampTime`` leads the keys.
Existing tables in this layout keep working unchanged (we write the same columns to both);
``layout_of`` tells them apart by their description."""


def layout_of(described: list[tuple[str, str, str]]) -> str:
    """``current`` or ``legacy`` for a logs table, from ``DESCRIBE TABLE`` rows (name, type,
    default kind): the older layout stores ``TimestampTime``, the current one does not."""
    kinds = {name: default_kind for name, _, default_kind in described}
    return "legacy" if kinds.get("TimestampTime") in ("", "DEFAULT") else "current"


TABLES: dict[str, TableSpec] = {"traces": TRACES, "logs": LOGS, **METRICS}
"""By table kind (the keys of ``clickhouse_table_names``)."""
