"""SDK batches to OTLP request bytes and back, without losing anything the SDK produces."""

from __future__ import annotations

import pytest
from opentelemetry import trace as trace_api
from opentelemetry._logs import SeverityNumber
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.sdk._logs import LoggerProvider, LogRecordLimits
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanLimits, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags
from opentelemetry.trace.span import TraceState

from automagik_telemetry.spool.codec import encode_batch
from automagik_telemetry.spool.decode import decode_logs, decode_metrics, decode_spans

RESOURCE = Resource.create({"service.name": "codec", "service.version": "1"})


def test_spans_round_trip_byte_for_byte() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(
        resource=RESOURCE,
        span_limits=SpanLimits(max_attributes=4, max_events=1, max_links=1),
        shutdown_on_exit=False,
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("scope", "1.2", schema_url="https://schema/1")
    remote = SpanContext(
        0xABC,
        0xDEF,
        is_remote=True,
        trace_flags=TraceFlags(1),
        trace_state=TraceState([("vendor", "v1")]),
    )
    context = trace_api.set_span_in_context(trace_api.NonRecordingSpan(remote))
    with tracer.start_as_current_span(
        "parent",
        context=context,
        kind=SpanKind.SERVER,
        attributes={"s": "x", "i": 1, "f": 1.5, "b": True, "list": ["a", "b"], "dropped": 1},
        links=[Link(remote, {"l": 1}), Link(remote)],
    ) as parent:
        parent.add_event("first", {"e": 2})
        parent.add_event("second")
        with tracer.start_as_current_span("child", kind=SpanKind.CONSUMER) as child:
            child.set_status(Status(StatusCode.ERROR, "boom"))
    tracer.start_span("root without parent").end()
    spans = exporter.get_finished_spans()
    payload = encode_batch("traces", spans)
    decoded = decode_spans(payload)
    assert encode_batch("traces", decoded) == payload
    by_name = {span.name: span for span in decoded}
    assert by_name["parent"].parent is not None
    assert by_name["parent"].parent.is_remote
    assert (by_name["parent"].dropped_attributes, by_name["parent"].dropped_events) == (2, 1)
    assert by_name["parent"].dropped_links == 1
    assert by_name["child"].status.description == "boom"
    assert by_name["parent"].resource.attributes["service.name"] == "codec"
    assert by_name["parent"].instrumentation_scope.version == "1.2"  # type: ignore[union-attr]


@pytest.mark.filterwarnings("ignore::opentelemetry.sdk._logs.LogRecordDroppedAttributesWarning")
def test_logs_round_trip_byte_for_byte() -> None:
    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider(
        resource=RESOURCE,
        log_record_limits=LogRecordLimits(max_attributes=1),
        shutdown_on_exit=False,
    )
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    logger = provider.get_logger("logs", "0.1")
    tracer = TracerProvider(shutdown_on_exit=False).get_tracer("t")
    with tracer.start_as_current_span("around"):
        logger.emit(
            body={"nested": [1, "two", {"three": 3.0}], "bytes": b"\x00\x01"},
            severity_number=SeverityNumber.WARN,
            severity_text="WARN",
            attributes={"kept": 1, "dropped": 2},
            event_name="thing.happened",
        )
    logger.emit(body="outside any span")
    logger.emit()
    records = exporter.get_finished_logs()
    payload = encode_batch("logs", records)
    decoded = decode_logs(payload)
    assert encode_batch("logs", decoded) == payload
    assert decoded[0].log_record.trace_id == records[0].log_record.trace_id
    assert decoded[0].log_record.event_name == "thing.happened"
    assert decoded[2].log_record.body is None


def test_metrics_of_every_sdk_kind_round_trip_byte_for_byte() -> None:
    reader = InMemoryMetricReader()
    provider = MeterProvider(
        resource=RESOURCE,
        metric_readers=[reader],
        shutdown_on_exit=False,
        views=[View(instrument_name="exp", aggregation=ExponentialBucketHistogramAggregation())],
    )
    meter = provider.get_meter("meter", "3")
    tracer = TracerProvider(shutdown_on_exit=False).get_tracer("t")
    with tracer.start_as_current_span("sampled"):  # measurements in a span carry exemplars
        meter.create_counter("count").add(3, {"a": "b"})
        meter.create_histogram("hist").record(1.5, {"route": "/x"})
    meter.create_up_down_counter("updown").add(-2)
    meter.create_histogram("hist").record(2.5)
    meter.create_histogram("exp").record(7)
    meter.create_histogram("exp").record(-1)
    meter.create_gauge("gauge").set(4.5)
    meter.create_gauge("int_gauge").set(4)
    data = reader.get_metrics_data()
    assert data is not None
    payload = encode_batch("metrics", data)
    assert encode_batch("metrics", decode_metrics(payload)) == payload


def test_otlp_summaries_the_sdk_never_makes_are_skipped() -> None:
    request = ExportMetricsServiceRequest()
    metric = request.resource_metrics.add().scope_metrics.add().metrics.add()
    metric.name = "latency"
    metric.summary.data_points.add().count = 3
    decoded = decode_metrics(request.SerializeToString())
    assert decoded.resource_metrics[0].scope_metrics[0].metrics == []
