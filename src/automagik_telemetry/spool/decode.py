"""Spooled OTLP requests back into the SDK's objects.

The spool stores every batch as the OTLP request a collector would receive (``codec.py``).
Replaying into a backend that does not speak OTLP (ClickHouse), or keeping only the errors of a
batch at the ``errors`` consent level, needs the way back: the request decoded into the SDK's
own objects
(``ReadableSpan``, ``ReadableLogRecord``, ``MetricsData``), which every exporter accepts.
It parses with the protobuf runtime, which the live path never needs: this module is
imported only by those who decode, so a program that only sends does not load it.
Decoding is lossless for what the SDK produces (a test re-encodes and compares bytes); OTLP
summaries, which the SDK never produces, are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from opentelemetry import trace as trace_api
from opentelemetry._logs import LogRecord, SeverityNumber
from opentelemetry.attributes import BoundedAttributes
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1 import common_pb2
from opentelemetry.proto.metrics.v1 import metrics_pb2
from opentelemetry.sdk._logs import ReadableLogRecord
from opentelemetry.sdk.metrics._internal.exemplar import Exemplar
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    Buckets,
    ExponentialHistogram,
    ExponentialHistogramDataPoint,
    Gauge,
    Histogram,
    HistogramDataPoint,
    Metric,
    MetricsData,
    NumberDataPoint,
    ResourceMetrics,
    ScopeMetrics,
    Sum,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.util import BoundedList
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags
from opentelemetry.trace.span import TraceState

__all__ = ["decode_logs", "decode_metrics", "decode_spans"]

_REMOTE_PARENT = 0x200  # SpanFlags: the parent's "is remote" is known and true


# -- shared pieces ---------------------------------------------------------------------------


def _value(value: common_pb2.AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return tuple(_value(item) for item in value.array_value.values)
    if kind == "kvlist_value":
        return {kv.key: _value(kv.value) for kv in value.kvlist_value.values}
    return None if kind is None else getattr(value, kind)


def _attributes(key_values: Iterable[common_pb2.KeyValue], dropped: int = 0) -> BoundedAttributes:
    attributes = BoundedAttributes(
        attributes={kv.key: _value(kv.value) for kv in key_values},
        immutable=True,
        extended_attributes=True,
    )
    attributes.dropped = dropped
    return attributes


def _resource(message: Any) -> Resource:
    return Resource(_attributes(message.resource.attributes), message.schema_url or None)


def _scope(message: Any) -> InstrumentationScope:
    scope = message.scope
    return InstrumentationScope(
        scope.name,
        scope.version or None,
        message.schema_url or None,
        _attributes(scope.attributes) if scope.attributes else None,
    )


def _id(raw: bytes) -> int:
    return int.from_bytes(raw, "big")


def _context(trace_id: bytes, span_id: bytes, flags: int, state: str, remote: bool) -> SpanContext:
    return SpanContext(
        _id(trace_id),
        _id(span_id),
        is_remote=remote,
        trace_flags=TraceFlags(flags & 0xFF),
        trace_state=TraceState.from_header([state]) if state else TraceState(),
    )


# -- traces ----------------------------------------------------------------------------------


def decode_spans(payload: bytes) -> list[ReadableSpan]:
    request = ExportTraceServiceRequest.FromString(payload)
    spans: list[ReadableSpan] = []
    for resource_spans in request.resource_spans:
        resource = _resource(resource_spans)
        for scope_spans in resource_spans.scope_spans:
            scope = _scope(scope_spans)
            spans.extend(_span(span, resource, scope) for span in scope_spans.spans)
    return spans


def _span(span: Any, resource: Resource, scope: InstrumentationScope) -> ReadableSpan:
    parent = None
    if span.parent_span_id:
        parent = _context(
            span.trace_id, span.parent_span_id, span.flags, "", bool(span.flags & _REMOTE_PARENT)
        )
    return ReadableSpan(
        name=span.name,
        context=_context(span.trace_id, span.span_id, span.flags, span.trace_state, False),
        parent=parent,
        resource=resource,
        attributes=_attributes(span.attributes, span.dropped_attributes_count),
        events=_bounded(
            (
                Event(
                    event.name,
                    _attributes(event.attributes, event.dropped_attributes_count),
                    event.time_unix_nano,
                )
                for event in span.events
            ),
            span.dropped_events_count,
        ),
        links=_bounded(
            (
                Link(
                    _context(
                        link.trace_id,
                        link.span_id,
                        link.flags,
                        link.trace_state,
                        bool(link.flags & _REMOTE_PARENT),
                    ),
                    _attributes(link.attributes, link.dropped_attributes_count),
                )
                for link in span.links
            ),
            span.dropped_links_count,
        ),
        kind=SpanKind(max(span.kind - 1, 0)),
        status=Status(StatusCode(span.status.code), span.status.message or None),
        start_time=span.start_time_unix_nano,
        end_time=span.end_time_unix_nano,
        instrumentation_scope=scope,
    )


def _bounded(items: Iterable[Any], dropped: int) -> BoundedList[Any]:
    """Events or links as the SDK keeps them, with the count it dropped."""
    bounded = BoundedList.from_seq(None, items)
    bounded.dropped = dropped
    return bounded


# -- logs ------------------------------------------------------------------------------------


def decode_logs(payload: bytes) -> list[ReadableLogRecord]:
    request = ExportLogsServiceRequest.FromString(payload)
    records: list[ReadableLogRecord] = []
    for resource_logs in request.resource_logs:
        resource = _resource(resource_logs)
        for scope_logs in resource_logs.scope_logs:
            scope = _scope(scope_logs)
            records.extend(_log(record, resource, scope) for record in scope_logs.log_records)
    return records


def _log(record: Any, resource: Resource, scope: InstrumentationScope) -> ReadableLogRecord:
    context = None
    if record.trace_id:
        span_context = _context(record.trace_id, record.span_id, record.flags, "", False)
        context = trace_api.set_span_in_context(trace_api.NonRecordingSpan(span_context))
    log_record = LogRecord(
        timestamp=record.time_unix_nano or None,
        observed_timestamp=record.observed_time_unix_nano or None,
        context=context,
        severity_text=record.severity_text or None,
        severity_number=SeverityNumber(record.severity_number) if record.severity_number else None,
        body=_value(record.body) if record.HasField("body") else None,
        attributes=_attributes(record.attributes, record.dropped_attributes_count),
        event_name=record.event_name or None,
    )
    return ReadableLogRecord(log_record, resource, scope)


# -- metrics ---------------------------------------------------------------------------------


def decode_metrics(payload: bytes) -> MetricsData:
    request = ExportMetricsServiceRequest.FromString(payload)
    return MetricsData(
        resource_metrics=[
            ResourceMetrics(
                resource=_resource(resource_metrics),
                scope_metrics=[
                    ScopeMetrics(
                        scope=_scope(scope_metrics),
                        metrics=[m for m in map(_metric, scope_metrics.metrics) if m is not None],
                        schema_url=scope_metrics.schema_url,
                    )
                    for scope_metrics in resource_metrics.scope_metrics
                ],
                schema_url=resource_metrics.schema_url,
            )
            for resource_metrics in request.resource_metrics
        ]
    )


def _metric(metric: metrics_pb2.Metric) -> Metric | None:
    kind = metric.WhichOneof("data")
    data: Any
    if kind == "gauge":
        data = Gauge(data_points=_numbers(metric.gauge.data_points))
    elif kind == "sum":
        data = Sum(
            data_points=_numbers(metric.sum.data_points),
            aggregation_temporality=AggregationTemporality(metric.sum.aggregation_temporality),
            is_monotonic=metric.sum.is_monotonic,
        )
    elif kind == "histogram":
        data = Histogram(
            data_points=[_histogram_point(p) for p in metric.histogram.data_points],
            aggregation_temporality=AggregationTemporality(
                metric.histogram.aggregation_temporality
            ),
        )
    elif kind == "exponential_histogram":
        data = ExponentialHistogram(
            data_points=[_exponential_point(p) for p in metric.exponential_histogram.data_points],
            aggregation_temporality=AggregationTemporality(
                metric.exponential_histogram.aggregation_temporality
            ),
        )
    else:
        return None  # summaries: the SDK never produces them, so our spool never holds them
    return Metric(metric.name, metric.description, metric.unit, data)


def _numbers(points: Sequence[metrics_pb2.NumberDataPoint]) -> list[NumberDataPoint]:
    return [
        NumberDataPoint(
            attributes=_attributes(point.attributes),
            start_time_unix_nano=point.start_time_unix_nano,
            time_unix_nano=point.time_unix_nano,
            value=getattr(point, point.WhichOneof("value") or "as_int"),
            exemplars=_exemplars(point.exemplars),
        )
        for point in points
    ]


def _histogram_point(point: metrics_pb2.HistogramDataPoint) -> HistogramDataPoint:
    return HistogramDataPoint(
        attributes=_attributes(point.attributes),
        start_time_unix_nano=point.start_time_unix_nano,
        time_unix_nano=point.time_unix_nano,
        count=point.count,
        sum=point.sum,
        bucket_counts=tuple(point.bucket_counts),
        explicit_bounds=tuple(point.explicit_bounds),
        min=point.min,
        max=point.max,
        exemplars=_exemplars(point.exemplars),
    )


def _exponential_point(
    point: metrics_pb2.ExponentialHistogramDataPoint,
) -> ExponentialHistogramDataPoint:
    return ExponentialHistogramDataPoint(
        attributes=_attributes(point.attributes),
        start_time_unix_nano=point.start_time_unix_nano,
        time_unix_nano=point.time_unix_nano,
        count=point.count,
        sum=point.sum,
        scale=point.scale,
        zero_count=point.zero_count,
        positive=Buckets(point.positive.offset, tuple(point.positive.bucket_counts)),
        negative=Buckets(point.negative.offset, tuple(point.negative.bucket_counts)),
        flags=point.flags,
        min=point.min,
        max=point.max,
        exemplars=_exemplars(point.exemplars),
    )


def _exemplars(exemplars: Iterable[metrics_pb2.Exemplar]) -> list[Exemplar]:
    return [
        Exemplar(
            filtered_attributes=_attributes(exemplar.filtered_attributes),
            value=getattr(exemplar, exemplar.WhichOneof("value") or "as_double"),
            time_unix_nano=exemplar.time_unix_nano,
            span_id=_id(exemplar.span_id) if exemplar.span_id else None,
            trace_id=_id(exemplar.trace_id) if exemplar.trace_id else None,
        )
        for exemplar in exemplars
    ]
