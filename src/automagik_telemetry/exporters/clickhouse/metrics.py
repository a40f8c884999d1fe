"""Metric points to the five ``otel_metrics_*`` tables, one row per data point.

Gauge, sum, histogram and exponential histogram come from the SDK. The SDK never produces
summaries, but OTLP has them (and a replayed OTLP batch may carry them): ``Summary`` mirrors
OTLP's message so such points can be written too. AggregationTemporality is the OTLP number
(1 delta, 2 cumulative), as the collector stores it. Schema URLs are the resource's and the
scope's, which is what the SDK's OTLP encoder sends as ResourceMetrics/ScopeMetrics schema_url.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.sdk.metrics.export import (
    ExponentialHistogram,
    Gauge,
    Histogram,
    Metric,
    MetricsData,
    Sum,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope

from .native import NativeBlock
from .spans import ResourceCache
from .values import as_string, plain, span_id_hex, trace_id_hex

__all__ = ["MetricColumns", "Summary", "SummaryDataPoint", "ValueAtQuantile", "add_sdk_metrics"]


@dataclass(frozen=True)
class ValueAtQuantile:
    quantile: float
    value: float


@dataclass(frozen=True)
class SummaryDataPoint:
    attributes: Mapping[str, Any]
    start_time_unix_nano: int
    time_unix_nano: int
    count: int
    sum: float
    quantile_values: Sequence[ValueAtQuantile] = ()
    flags: int = 0


@dataclass(frozen=True)
class Summary:
    """OTLP's summary metric (the Python SDK has no instrument producing one)."""

    data_points: Sequence[SummaryDataPoint] = field(default_factory=tuple)


class MetricColumns:
    """The rows of one metric table: the common columns, the exemplars and ``extra``, the
    columns of that table's point type (filled in by ``add_sdk_metrics``)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.maps: dict[str, tuple[list[int], list[Any], list[Any]]] = {
            name: ([], [], []) for name in ("ResourceAttributes", "ScopeAttributes", "Attributes")
        }
        self.strings: dict[str, list[str]] = {
            name: []
            for name in (
                "ResourceSchemaUrl",
                "ScopeName",
                "ScopeVersion",
                "ScopeSchemaUrl",
                "ServiceName",
                "MetricName",
                "MetricDescription",
                "MetricUnit",
            )
        }
        self.dropped: list[int] = []
        self.start_time: list[int] = []
        self.time: list[int] = []
        self.flags: list[int] = []
        self.extra: dict[str, list[Any]] = {}
        self.exemplar_offsets: list[int] = []
        self.exemplar_attributes: tuple[list[int], list[str], list[str]] = ([], [], [])
        self.exemplar_time: list[int] = []
        self.exemplar_value: list[float] = []
        self.exemplar_span_id: list[str] = []
        self.exemplar_trace_id: list[str] = []

    def __len__(self) -> int:
        return len(self.time)

    def column(self, name: str) -> list[Any]:
        return self.extra.setdefault(name, [])

    def block(self) -> NativeBlock:
        block = NativeBlock(len(self))
        for name in (
            "ResourceAttributes",
            "ResourceSchemaUrl",
            "ScopeName",
            "ScopeVersion",
            "ScopeAttributes",
        ):
            self._common(block, name)
        block.numbers("ScopeDroppedAttrCount", "UInt32", self.dropped)
        for name in (
            "ScopeSchemaUrl",
            "ServiceName",
            "MetricName",
            "MetricDescription",
            "MetricUnit",
            "Attributes",
        ):
            self._common(block, name)
        block.numbers("StartTimeUnix", "DateTime64(9)", self.start_time)
        block.numbers("TimeUnix", "DateTime64(9)", self.time)
        block.numbers("Flags", "UInt32", self.flags)
        for name, type_name in _EXTRA_TYPES[self.kind]:
            values = self.column(name)
            if type_name.startswith("Array("):
                offsets, flat = _flatten(values)
                block.number_arrays(name, type_name[6:-1], offsets, flat)
            else:
                block.numbers(name, type_name, values)
        if self.kind == "metrics_summary":
            return block
        offsets = self.exemplar_offsets
        block.map_arrays("Exemplars.FilteredAttributes", offsets, *self.exemplar_attributes)
        block.number_arrays("Exemplars.TimeUnix", "DateTime64(9)", offsets, self.exemplar_time)
        block.number_arrays("Exemplars.Value", "Float64", offsets, self.exemplar_value)
        block.string_arrays("Exemplars.SpanId", offsets, self.exemplar_span_id)
        block.string_arrays("Exemplars.TraceId", offsets, self.exemplar_trace_id)
        return block

    def _common(self, block: NativeBlock, name: str) -> None:
        if name in self.maps:
            offsets, keys, values = self.maps[name]
            if name == "Attributes":
                block.string_map(name, offsets, keys, values)
            else:
                block.encoded_map(name, offsets, keys, values)
        else:
            block.strings(name, self.strings[name])


_EXTRA_TYPES: dict[str, tuple[tuple[str, str], ...]] = {
    "metrics_gauge": (("Value", "Float64"),),
    "metrics_sum": (
        ("Value", "Float64"),
        ("AggregationTemporality", "Int32"),
        ("IsMonotonic", "Bool"),
    ),
    "metrics_histogram": (
        ("Count", "UInt64"),
        ("Sum", "Float64"),
        ("BucketCounts", "Array(UInt64)"),
        ("ExplicitBounds", "Array(Float64)"),
        ("Min", "Float64"),
        ("Max", "Float64"),
        ("AggregationTemporality", "Int32"),
    ),
    "metrics_exponential_histogram": (
        ("Count", "UInt64"),
        ("Sum", "Float64"),
        ("Scale", "Int32"),
        ("ZeroCount", "UInt64"),
        ("PositiveOffset", "Int32"),
        ("PositiveBucketCounts", "Array(UInt64)"),
        ("NegativeOffset", "Int32"),
        ("NegativeBucketCounts", "Array(UInt64)"),
        ("Min", "Float64"),
        ("Max", "Float64"),
        ("AggregationTemporality", "Int32"),
    ),
    "metrics_summary": (
        ("Count", "UInt64"),
        ("Sum", "Float64"),
        ("ValueAtQuantiles.Quantile", "Array(Float64)"),
        ("ValueAtQuantiles.Value", "Array(Float64)"),
    ),
}


def _flatten(rows: list[Sequence[Any]]) -> tuple[list[int], list[Any]]:
    offsets: list[int] = []
    flat: list[Any] = []
    for row in rows:
        flat += row
        offsets.append(len(flat))
    return offsets, flat


def _kind(data: object) -> str | None:
    if isinstance(data, Gauge):
        return "metrics_gauge"
    if isinstance(data, Sum):
        return "metrics_sum"
    if isinstance(data, Histogram):
        return "metrics_histogram"
    if isinstance(data, ExponentialHistogram):
        return "metrics_exponential_histogram"
    if isinstance(data, Summary):
        return "metrics_summary"
    return None


def _metrics(
    metrics_data: MetricsData,
) -> Iterator[tuple[Resource, InstrumentationScope, Metric]]:
    for resource_metrics in metrics_data.resource_metrics:
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                yield resource_metrics.resource, scope_metrics.scope, metric


def add_sdk_metrics(tables: dict[str, MetricColumns], metrics_data: MetricsData) -> list[str]:
    """Append every data point to the table of its type; returns the names of metrics whose
    type has no table (they are skipped)."""
    resources, scopes = ResourceCache(), ResourceCache()
    skipped = []
    for resource, scope, metric in _metrics(metrics_data):
        kind = _kind(metric.data)
        if kind is None:
            skipped.append(metric.name)
            continue
        points = metric.data.data_points
        if not points:
            continue
        table = tables.setdefault(kind, MetricColumns(kind))
        resource_entry = resources.get(resource, resource.attributes)
        scope_entry = scopes.get(scope, scope.attributes)
        shared = (
            resource.schema_url or "",
            scope.name,
            scope.version or "",
            scope.schema_url or "",
            resource_entry[3],
            metric.name,
            metric.description or "",
            metric.unit or "",
        )
        for point in points:
            _add_common(table, resource_entry, scope_entry, shared, point)
            _add_point(table, metric.data, point)
    return skipped


def _add_common(
    table: MetricColumns,
    resource_entry: tuple[int, bytes, bytes, str],
    scope_entry: tuple[int, bytes, bytes, str],
    shared: tuple[str, ...],
    point: Any,
) -> None:
    for name, (count, keys, values, _) in (
        ("ResourceAttributes", resource_entry),
        ("ScopeAttributes", scope_entry),
    ):
        offsets, key_parts, value_parts = table.maps[name]
        offsets.append((offsets[-1] if offsets else 0) + count)
        key_parts.append(keys)
        value_parts.append(values)
    for column, value in zip(table.strings.values(), shared, strict=True):
        column.append(value)
    table.dropped.append(0)  # the SDK does not count dropped scope attributes
    attributes = plain(point.attributes)
    offsets, attribute_keys, attribute_values = table.maps["Attributes"]
    offsets.append((offsets[-1] if offsets else 0) + len(attributes))
    attribute_keys += attributes.keys()
    attribute_values += [as_string(value) for value in attributes.values()]
    table.start_time.append(point.start_time_unix_nano or 0)
    table.time.append(point.time_unix_nano or 0)
    table.flags.append(getattr(point, "flags", 0) or 0)


def _add_point(table: MetricColumns, data: Any, point: Any) -> None:
    column = table.column
    kind = table.kind
    if kind in ("metrics_gauge", "metrics_sum"):
        column("Value").append(point.value)
    else:
        column("Count").append(point.count)
        column("Sum").append(point.sum)
    if kind == "metrics_summary":
        column("ValueAtQuantiles.Quantile").append([q.quantile for q in point.quantile_values])
        column("ValueAtQuantiles.Value").append([q.value for q in point.quantile_values])
        return
    if kind == "metrics_histogram":
        column("BucketCounts").append(point.bucket_counts)
        column("ExplicitBounds").append(point.explicit_bounds)
    elif kind == "metrics_exponential_histogram":
        column("Scale").append(point.scale)
        column("ZeroCount").append(point.zero_count)
        column("PositiveOffset").append(point.positive.offset)
        column("PositiveBucketCounts").append(point.positive.bucket_counts)
        column("NegativeOffset").append(point.negative.offset)
        column("NegativeBucketCounts").append(point.negative.bucket_counts)
    if kind in ("metrics_histogram", "metrics_exponential_histogram"):
        column("Min").append(point.min)
        column("Max").append(point.max)
    if kind != "metrics_gauge":
        column("AggregationTemporality").append(data.aggregation_temporality.value)
    if kind == "metrics_sum":
        column("IsMonotonic").append(bool(data.is_monotonic))
    _add_exemplars(table, point.exemplars)


def _add_exemplars(table: MetricColumns, exemplars: Sequence[Any]) -> None:
    offsets, keys, values = table.exemplar_attributes
    for exemplar in exemplars:
        attributes = plain(exemplar.filtered_attributes)
        offsets.append((offsets[-1] if offsets else 0) + len(attributes))
        keys += attributes.keys()
        values += [as_string(value) for value in attributes.values()]
        table.exemplar_time.append(exemplar.time_unix_nano)
        table.exemplar_value.append(exemplar.value)
        table.exemplar_span_id.append(span_id_hex(exemplar.span_id or 0))
        table.exemplar_trace_id.append(trace_id_hex(exemplar.trace_id or 0))
    table.exemplar_offsets.append(len(table.exemplar_time))
