"""The tables we write, as data: one definition drives the DDL, the start-up check and inserts.

They follow the OpenTelemetry Collector contrib ``clickhouseexporter`` (column names, types,
indexes, partitioning and sort keys), so Grafana's ClickHouse data source in OTel mode,
HyperDX/ClickStack and existing queries work unchanged on our data, and tables created by the
collector accept our rows. ``also`` lists types that older collector versions used for a column
and that our inserts still fit; ``optional`` columns (added by newer collectors) may be missing
from an existing table, in which case we say so once and write the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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

LC = "LowCardinality(String)"
MAP = "Map(LowCardinality(String), String)"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    codec: str = "ZSTD(1)"
    default: str = ""
    """A ``DEFAULT``/``ALIAS``/``MATERIALIZED`` expression: such columns are computed, never
    written by us."""
    optional: bool = False
    also: tuple[str, ...] = ()
    computed: str = "DEFAULT"
    """How ``default`` applies: ``DEFAULT``, ``ALIAS`` or ``MATERIALIZED``."""


@dataclass(frozen=True)
class Nested:
    """``Nested(...)``: stored (and described, and inserted) as one array column per field."""

    name: str
    fields: tuple[Column, ...]


@dataclass(frozen=True)
class ExpectedColumn:
    """A column as ``DESCRIBE TABLE`` shows it and as we insert it."""

    name: str
    types: tuple[str, ...]
    """Normalized types accepted for the column; the first is the one we create."""
    optional: bool = False


@dataclass(frozen=True)
class TableSpec:
    kind: str
    columns: tuple[Column | Nested, ...]
    indexes: tuple[str, ...]
    partition_by: str
    order_by: str
    ttl_on: str
    primary_key: str = ""
    text_indexes: tuple[str, ...] = ()
    """Used instead of ``indexes`` on servers with text indexes (ClickHouse 26.2 and later),
    as the collector does."""

    def expected(self) -> tuple[ExpectedColumn, ...]:
        """The columns we insert, flattened (``Events.Name``) and with accepted types."""
        out: list[ExpectedColumn] = []
        for column in self.columns:
            if isinstance(column, Nested):
                out += [
                    ExpectedColumn(
                        f"{column.name}.{field.name}",
                        tuple(normalize_type(f"Array({t})") for t in (field.type, *field.also)),
                    )
                    for field in column.fields
                ]
            elif not column.default:
                types = tuple(normalize_type(t) for t in (column.type, *column.also))
                out.append(ExpectedColumn(column.name, types, column.optional))
        return tuple(out)


def normalize_type(type_name: str) -> str:
    """Compare types the way inserts see them: ``LowCardinality`` and a ``DateTime64`` zone do
    not change what a column accepts (the server converts our plain types on insert)."""
    compact = re.sub(r"\s+", "", type_name)
    compact = compact.replace("LowCardinality(String)", "String")
    return re.sub(r"DateTime64\((\d+),'[^']*'\)", r"DateTime64(\1)", compact)


def _c(
    name: str,
    type_name: str,
    codec: str = "ZSTD(1)",
    *,
    default: str = "",
    optional: bool = False,
    also: tuple[str, ...] = (),
    computed: str = "DEFAULT",
) -> Column:
    return Column(name, type_name, codec, default, optional, also, computed)


_ATTRIBUTE_INDEXES = tuple(
    f"INDEX idx_{short}_{part} map{part.capitalize()}s({column}) "
    f"TYPE bloom_filter(0.01) GRANULARITY 1"
    for short, column in (("res_attr", "ResourceAttributes"), ("scope_attr", "ScopeAttributes"))
    for part in ("key", "value")
)
_TS = "DateTime64(9)"

TRACES = TableSpec(
    kind="traces",
    columns=(
        _c("Timestamp", _TS, "Delta(8), ZSTD(1)"),
        _c("TraceId", "String"),
        _c("SpanId", "String"),
        _c("ParentSpanId", "String"),
        _c("TraceState", "String"),
        _c("SpanName", LC),
        _c("SpanKind", LC),
        _c("ServiceName", LC),
        _c("ResourceAttributes", MAP),
        _c("ScopeName", "String"),
        _c("ScopeVersion", "String"),
        _c("SpanAttributes", MAP),
        _c("Duration", "UInt64", also=("Int64",)),
        _c("StatusCode", LC),
        _c("StatusMessage", "String"),
        Nested("Events", (Column("Timestamp", _TS), Column("Name", LC), Column("Attributes", MAP))),
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
        *_ATTRIBUTE_INDEXES[:2],
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
        _c("TraceId", "String"),
        _c("Start", "DateTime", "Delta(4), ZSTD(1)"),
        _c("End", "DateTime", "Delta(4), ZSTD(1)"),
    ),
    indexes=("INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1",),
    partition_by="toDate(Start)",
    order_by="(TraceId, Start)",
    ttl_on="Start",
)
"""The trace-id lookup table, fed by a materialized view from the traces table."""

_LOG_COLUMNS = (
    _c("TraceId", "String"),
    _c("SpanId", "String"),
    _c("TraceFlags", "UInt8", "", also=("UInt32",)),
    _c("SeverityText", LC),
    _c("SeverityNumber", "UInt8", "", also=("Int32",)),
    _c("ServiceName", LC),
    _c("Body", "String"),
    _c("ResourceSchemaUrl", LC),
    _c("ResourceAttributes", MAP),
    _c("ScopeSchemaUrl", LC),
    _c("ScopeName", "String"),
    _c("ScopeVersion", LC),
    _c("ScopeAttributes", MAP),
    _c("LogAttributes", MAP),
    _c("EventName", "String", optional=True),
)
_LOG_INDEXES = (
    "INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1",
    *_ATTRIBUTE_INDEXES,
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
        _c("Timestamp", _TS, "Delta(8), ZSTD(1)"),
        *_LOG_COLUMNS,
        # Hot resource keys as columns (the collector's, for direct reads instead of map
        # lookups); computed by the server, never written by us.
        *(
            _c(
                f"__otel_materialized_{key}",
                LC,
                default=f"ResourceAttributes['{key}']",
                computed="MATERIALIZED",
            )
            for key in _MATERIALIZED_KEYS
        ),
        # Not in the collector's table: Grafana's older OTel logs preset filters on it (the
        # collector dropping it broke that preset). An ALIAS costs nothing on disk.
        _c("TimestampTime", "DateTime", "", default="toDateTime(Timestamp)", computed="ALIAS"),
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
        _c("Timestamp", _TS, "Delta(8), ZSTD(1)"),
        _c("TimestampTime", "DateTime", "Delta(4), ZSTD(1)", default="toDateTime(Timestamp)"),
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


def _metric_common(time_type: str, name_type: str) -> tuple[Column, ...]:
    also = ("DateTime64(9)",) if time_type == "DateTime" else ()
    return (
        _c("ResourceAttributes", MAP),
        _c("ResourceSchemaUrl", "String"),
        _c("ScopeName", "String"),
        _c("ScopeVersion", "String"),
        _c("ScopeAttributes", MAP),
        _c("ScopeDroppedAttrCount", "UInt32"),
        _c("ScopeSchemaUrl", "String"),
        _c("ServiceName", LC),
        _c("MetricName", name_type),
        _c("MetricDescription", "String"),
        _c("MetricUnit", "String"),
        _c("Attributes", MAP),
        _c("StartTimeUnix", time_type, "Delta, ZSTD(1)", also=also),
        _c("TimeUnix", time_type, "Delta, ZSTD(1)", also=also),
    )


def _metric_columns(time_type: str) -> dict[str, tuple[Column | Nested, ...]]:
    also = ("DateTime64(9)",) if time_type == "DateTime" else ()
    exemplars = Nested(
        "Exemplars",
        (
            Column("FilteredAttributes", MAP),
            Column("TimeUnix", time_type, also=also),
            Column("Value", "Float64"),
            Column("SpanId", "String"),
            Column("TraceId", "String"),
        ),
    )
    histogram_tail = (
        exemplars,
        _c("Flags", "UInt32"),
        _c("Min", "Float64"),
        _c("Max", "Float64"),
        _c("AggregationTemporality", "Int32"),
    )
    return {
        "metrics_gauge": (_c("Value", "Float64"), _c("Flags", "UInt32"), exemplars),
        "metrics_sum": (
            _c("Value", "Float64"),
            _c("Flags", "UInt32"),
            exemplars,
            _c("AggregationTemporality", "Int32"),
            _c("IsMonotonic", "Bool", "Delta, ZSTD(1)"),
        ),
        "metrics_histogram": (
            _c("Count", "UInt64", "Delta, ZSTD(1)"),
            _c("Sum", "Float64"),
            _c("BucketCounts", "Array(UInt64)"),
            _c("ExplicitBounds", "Array(Float64)"),
            *histogram_tail,
        ),
        "metrics_exponential_histogram": (
            _c("Count", "UInt64", "Delta, ZSTD(1)"),
            _c("Sum", "Float64"),
            _c("Scale", "Int32"),
            _c("ZeroCount", "UInt64"),
            _c("PositiveOffset", "Int32"),
            _c("PositiveBucketCounts", "Array(UInt64)"),
            _c("NegativeOffset", "Int32"),
            _c("NegativeBucketCounts", "Array(UInt64)"),
            *histogram_tail,
        ),
        "metrics_summary": (
            _c("Count", "UInt64", "Delta, ZSTD(1)"),
            _c("Sum", "Float64"),
            Nested("ValueAtQuantiles", (Column("Quantile", "Float64"), Column("Value", "Float64"))),
            _c("Flags", "UInt32"),
        ),
    }


_METRIC_INDEXES = (
    *_ATTRIBUTE_INDEXES,
    "INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1",
    "INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1",
)


def _metric_tables(*, current: bool) -> dict[str, TableSpec]:
    time_type, name_type = ("DateTime", LC) if current else (_TS, "String")
    return {
        kind: TableSpec(
            kind=kind,
            columns=(*_metric_common(time_type, name_type), *columns),
            indexes=(
                (*_METRIC_INDEXES, "INDEX idx_time_minmax TimeUnix TYPE minmax GRANULARITY 1")
                if current
                else _METRIC_INDEXES
            ),
            partition_by="toDate(TimeUnix)",
            order_by=(
                "(ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), "
                "TimeUnix)"
                if current
                else "(ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))"
            ),
            ttl_on="toDateTime(TimeUnix)",
        )
        for kind, columns in _metric_columns(time_type).items()
    }


METRICS = _metric_tables(current=True)
"""The collector's current metric tables (v0.160+; ClickStack's too): the sort key leads with
an hour bucket and a hash of the attributes instead of the whole attribute map (a smaller
primary index that prunes by time), ``MetricName`` low-cardinality, times in seconds
(``DateTime``) and a ``minmax`` index on ``TimeUnix``. What we create for a new table."""

LEGACY_METRICS = _metric_tables(current=False)
"""The older collector metric tables (up to v0.159): nanosecond ``DateTime64(9)`` times and
the attribute map in the sort key. Existing tables in this layout keep working unchanged (the
server converts our nanosecond times to either type on insert); ``metrics_layout_of`` tells
them apart."""

METRIC_KINDS = tuple(METRICS)

TABLES: dict[str, TableSpec] = {"traces": TRACES, "logs": LOGS, **METRICS}
"""By table kind (the keys of ``clickhouse_table_names``)."""


def metrics_layout_of(described: list[tuple[str, str, str]]) -> str:
    """``current`` or ``legacy`` for a metrics table, from ``DESCRIBE TABLE`` rows: the older
    layout keeps ``TimeUnix`` in nanoseconds (``DateTime64(9)``), the current one in seconds."""
    types = {name: normalize_type(type_name) for name, type_name, _ in described}
    return "legacy" if types.get("TimeUnix", "").startswith("DateTime64") else "current"
