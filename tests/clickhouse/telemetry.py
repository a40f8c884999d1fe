"""Telemetry made by the real OpenTelemetry SDK, for round-trip tests."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler, ReadableLogRecord
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import AlwaysOnExemplarFilter, MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, MetricsData
from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanKind, Status, StatusCode, TraceState

RESOURCE = Resource.create(
    {"service.name": "forge", "service.version": "1.4.0", "deployment.environment.name": "prod"}
)


def tracer_provider(resource: Resource = RESOURCE) -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


def sample_spans() -> list[ReadableSpan]:
    """A root server span with children of every kind, events, links, statuses, trace state
    and attributes of every type the SDK allows."""
    provider, exporter = tracer_provider()
    tracer = provider.get_tracer("forge.api", "2.0.1")
    state = TraceState([("vendor", "abc"), ("other", "x1")])
    linked = trace.SpanContext(
        0xABC, 0xDEF, is_remote=True, trace_flags=trace.TraceFlags(1), trace_state=state
    )
    with tracer.start_as_current_span(
        "GET /tasks/{id}",
        kind=SpanKind.SERVER,
        attributes={
            "http.request.method": "GET",
            "http.response.status_code": 200,
            "retry": True,
            "ratio": 0.25,
            "whole": 3.0,
            "tags": ("a", "b<c>"),
            "codes": [1, 2],
            "flags": [True, False],
            "weights": [1.5, 2.0],
        },
        links=[Link(linked, {"link.kind": "follows", "n": 1})],
    ) as root:
        root.add_event("cache miss", {"key": "tasks:1", "size": 42})
        root.add_event("empty")
        for kind in (SpanKind.CLIENT, SpanKind.INTERNAL, SpanKind.PRODUCER, SpanKind.CONSUMER):
            with tracer.start_as_current_span(f"child {kind.name.lower()}", kind=kind) as child:
                if kind is SpanKind.CLIENT:
                    child.set_status(Status(StatusCode.ERROR, "connection reset"))
                if kind is SpanKind.INTERNAL:
                    child.set_status(Status(StatusCode.OK))
    remote = trace.set_span_in_context(trace.NonRecordingSpan(linked))
    with tracer.start_as_current_span("continued", context=remote):
        pass
    provider.shutdown()
    return list(exporter.get_finished_spans())


def many_spans(count: int, services: Sequence[str] = ("forge",)) -> list[ReadableSpan]:
    """``count`` spans, one trace per five, spread over services and names."""
    providers = [tracer_provider(Resource.create({"service.name": s})) for s in services]
    for index in range(count // 5):
        provider, _ = providers[index % len(providers)]
        tracer = provider.get_tracer("load")
        with tracer.start_as_current_span(f"op{index % 3}", kind=SpanKind.SERVER) as span:
            span.set_attribute("index", index)
            for child in range(4):
                with tracer.start_as_current_span("db", kind=SpanKind.CLIENT) as inner:
                    if (index + child) % 10 == 0:
                        inner.set_status(Status(StatusCode.ERROR, "boom"))
    spans = []
    for provider, exporter in providers:
        provider.shutdown()
        spans += exporter.get_finished_spans()
    return spans


def sample_logs() -> list[ReadableLogRecord]:
    """Records through the standard ``logging`` bridge and the logs API: severities, a record
    inside a span, structured and bytes bodies, an event name."""
    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider(resource=RESOURCE)
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    with warnings.catch_warnings():  # the SDK handler is deprecated, still the common bridge
        warnings.simplefilter("ignore", DeprecationWarning)
        handler = LoggingHandler(logger_provider=provider)
    logger = logging.getLogger("forge.worker")
    logger.propagate = False
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    spans_provider, _ = tracer_provider()
    try:
        logger.warning("disk almost full: %d%%", 91, extra={"disk": "/var", "free_mb": 120})
        with spans_provider.get_tracer("t").start_as_current_span("job"):
            logger.error("task failed")
        otel_logger = provider.get_logger("forge.events", "1.0", attributes={"scope.kind": "x"})
        from opentelemetry._logs import LogRecord, SeverityNumber

        otel_logger.emit(
            LogRecord(
                timestamp=1_700_000_000_123_456_789,
                body={"user": "u1", "items": [1, 2]},
                severity_number=SeverityNumber.INFO,
                severity_text="INFO",
                event_name="checkout.completed",
                attributes={"amount": 9.5},
            )
        )
        otel_logger.emit(LogRecord(body=b"\x00\x01binary", severity_number=SeverityNumber.DEBUG))
    finally:
        logger.removeHandler(handler)
        provider.shutdown()
        spans_provider.shutdown()
    return list(exporter.get_finished_logs())


def sample_metrics() -> MetricsData:
    """One collection with every instrument type, exemplars on (trace-based filter)."""
    reader = InMemoryMetricReader()
    provider = MeterProvider(
        resource=RESOURCE,
        metric_readers=[reader],
        views=[
            View(
                instrument_name="latency.exp", aggregation=ExponentialBucketHistogramAggregation()
            ),
            View(instrument_name="requests", attribute_keys={"route"}),
        ],
        exemplar_filter=AlwaysOnExemplarFilter(),
    )
    meter = provider.get_meter("forge.metrics", "0.3", schema_url="https://opentelemetry.io/s/1")
    spans_provider, _ = tracer_provider()
    requests = meter.create_counter("requests", unit="1", description="handled")
    with spans_provider.get_tracer("t").start_as_current_span("sampled"):
        requests.add(3, {"route": "/a"})
        meter.create_histogram("latency", unit="ms").record(12.5, {"route": "/a"})
    requests.add(2, {"route": "/b", "user": "u1"})
    meter.create_up_down_counter("queue.depth").add(-4)
    meter.create_gauge("temperature").set(21.5, {"room": "lab"})
    exp = meter.create_histogram("latency.exp")
    for value in (0, 0.5, 1.0, 4.0, 1000.0):
        exp.record(value)
    meter.create_observable_gauge("cpu", callbacks=[lambda _: _observations()])
    data = reader.get_metrics_data()
    provider.shutdown()
    spans_provider.shutdown()
    assert data is not None
    return data


def _observations() -> list[Any]:
    from opentelemetry.metrics import Observation

    return [Observation(0.75, {"core": "0"})]
