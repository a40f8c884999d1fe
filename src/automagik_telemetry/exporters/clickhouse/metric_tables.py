"""The five metric tables (gauge, sum, histogram, exponential histogram, summary), in the
collector's current layout and in the older one that existing tables may still have.

Every table of a signal is created at start, as the collector does: HyperDX's metric sources
open all five even though the SDK never produces summaries.
"""

from __future__ import annotations

from .columns import (
    ATTRIBUTE_INDEXES,
    LC,
    MAP,
    NANOS,
    Column,
    Nested,
    TableSpec,
    col,
    normalize_type,
)

__all__ = ["LEGACY_METRICS", "METRICS", "METRIC_KINDS", "metrics_layout_of"]


def _metric_common(time_type: str, name_type: str) -> tuple[Column, ...]:
    also = ("DateTime64(9)",) if time_type == "DateTime" else ()
    return (
        col("ResourceAttributes", MAP),
        col("ResourceSchemaUrl", "String"),
        col("ScopeName", "String"),
        col("ScopeVersion", "String"),
        col("ScopeAttributes", MAP),
        col("ScopeDroppedAttrCount", "UInt32"),
        col("ScopeSchemaUrl", "String"),
        col("ServiceName", LC),
        col("MetricName", name_type),
        col("MetricDescription", "String"),
        col("MetricUnit", "String"),
        col("Attributes", MAP),
        col("StartTimeUnix", time_type, "Delta, ZSTD(1)", also=also),
        col("TimeUnix", time_type, "Delta, ZSTD(1)", also=also),
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
        col("Flags", "UInt32"),
        col("Min", "Float64"),
        col("Max", "Float64"),
        col("AggregationTemporality", "Int32"),
    )
    return {
        "metrics_gauge": (col("Value", "Float64"), col("Flags", "UInt32"), exemplars),
        "metrics_sum": (
            col("Value", "Float64"),
            col("Flags", "UInt32"),
            exemplars,
            col("AggregationTemporality", "Int32"),
            col("IsMonotonic", "Bool", "Delta, ZSTD(1)"),
        ),
        "metrics_histogram": (
            col("Count", "UInt64", "Delta, ZSTD(1)"),
            col("Sum", "Float64"),
            col("BucketCounts", "Array(UInt64)"),
            col("ExplicitBounds", "Array(Float64)"),
            *histogram_tail,
        ),
        "metrics_exponential_histogram": (
            col("Count", "UInt64", "Delta, ZSTD(1)"),
            col("Sum", "Float64"),
            col("Scale", "Int32"),
            col("ZeroCount", "UInt64"),
            col("PositiveOffset", "Int32"),
            col("PositiveBucketCounts", "Array(UInt64)"),
            col("NegativeOffset", "Int32"),
            col("NegativeBucketCounts", "Array(UInt64)"),
            *histogram_tail,
        ),
        "metrics_summary": (
            col("Count", "UInt64", "Delta, ZSTD(1)"),
            col("Sum", "Float64"),
            Nested("ValueAtQuantiles", (Column("Quantile", "Float64"), Column("Value", "Float64"))),
            col("Flags", "UInt32"),
        ),
    }


_METRIC_INDEXES = (
    *ATTRIBUTE_INDEXES,
    "INDEX idx_attr_key mapKeys(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1",
    "INDEX idx_attr_value mapValues(Attributes) TYPE bloom_filter(0.01) GRANULARITY 1",
)


def _metric_tables(*, current: bool) -> dict[str, TableSpec]:
    time_type, name_type = ("DateTime", LC) if current else (NANOS, "String")
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


def metrics_layout_of(described: list[tuple[str, str, str]]) -> str:
    """``current`` or ``legacy`` for a metrics table, from ``DESCRIBE TABLE`` rows: the older
    layout keeps ``TimeUnix`` in nanoseconds (``DateTime64(9)``), the current one in seconds."""
    types = {name: normalize_type(type_name) for name, type_name, _ in described}
    return "legacy" if types.get("TimeUnix", "").startswith("DateTime64") else "current"
