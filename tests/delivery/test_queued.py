"""``QueuedSpan``: what waits for export, compact, and exactly what the span said."""

from __future__ import annotations

import json

import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

from automagik_telemetry.delivery.queued import QueuedSpan
from automagik_telemetry.spool.codec import encode_batch


def finished_spans() -> tuple[ReadableSpan, ...]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(
        resource=Resource.create({"service.name": "q"}), shutdown_on_exit=False
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("scope", "1")
    with tracer.start_as_current_span("parent", kind=SpanKind.CLIENT, attributes={"a": 1}) as p:
        p.add_event("event", {"e": "v"})
        with tracer.start_as_current_span("child", links=[Link(p.get_span_context())]) as c:
            c.set_status(Status(StatusCode.ERROR, "failed"))
    tracer.start_span("bare").end()
    return exporter.get_finished_spans()


def test_a_queued_span_encodes_to_the_same_otlp_bytes_as_the_span() -> None:
    spans = finished_spans()
    queued = [QueuedSpan.of(span) for span in spans]
    assert encode_batch("traces", queued) == encode_batch("traces", spans)


def test_it_answers_like_a_readable_span() -> None:
    span = finished_spans()[1]  # parent
    queued = QueuedSpan.of(span)
    assert (queued.name, queued.kind, queued.context, queued.parent) == (
        span.name,
        span.kind,
        span.context,
        span.parent,
    )
    assert queued.get_span_context() == span.get_span_context()
    assert (queued.start_time, queued.end_time) == (span.start_time, span.end_time)
    assert dict(queued.attributes) == dict(span.attributes or {})
    assert queued.events == span.events
    assert queued.links == span.links
    assert queued.resource is span.resource
    assert queued.instrumentation_scope == span.instrumentation_scope
    assert queued.instrumentation_info is None
    assert (queued.dropped_attributes, queued.dropped_events, queued.dropped_links) == (0, 0, 0)
    assert json.loads(queued.to_json()) == json.loads(span.to_json())


def test_attributes_cannot_be_changed_through_it() -> None:
    queued = QueuedSpan.of(finished_spans()[1])
    with pytest.raises(TypeError):
        queued.attributes["a"] = 2  # type: ignore[index]
    assert queued.attributes["a"] == 1


def test_spans_that_end_unset_share_one_status_object() -> None:
    spans = finished_spans()
    unset = [QueuedSpan.of(span) for span in spans if span.status.is_unset]
    assert len(unset) == 2
    assert unset[0].status is unset[1].status
    failed = QueuedSpan.of(spans[0])
    assert failed.status.description == "failed"


def test_spans_that_are_not_sdk_spans_are_read_through_their_public_api() -> None:
    original = finished_spans()[1]
    copy = ReadableSpan(
        name=original.name,
        context=original.context,
        attributes={"plain": "dict"},
        events=original.events,
        resource=original.resource,
        instrumentation_scope=original.instrumentation_scope,
        start_time=original.start_time,
        end_time=original.end_time,
    )
    queued = QueuedSpan.of(copy)
    assert dict(queued.attributes) == {"plain": "dict"}
    assert queued.events == original.events
    empty = QueuedSpan.of(ReadableSpan(name="nothing", context=original.context))
    assert dict(empty.attributes) == {}
