"""``QueuedSpan``: what waits for export, compact, and exactly what the span said."""

from __future__ import annotations

import json
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags
from opentelemetry.trace.span import TraceState

from automagik_telemetry.delivery import queued as queued_module
from automagik_telemetry.delivery.queued import QueuedSpan
from automagik_telemetry.encoding.stock import stock_encode
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
    spans = finished_spans() + remote_child_spans()
    queued = [QueuedSpan.of(span) for span in spans]
    assert encode_batch("traces", queued) == stock_encode("traces", spans)


def remote_child_spans() -> tuple[ReadableSpan, ...]:
    """Spans continuing a trace from another process: a remote parent with trace state."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    remote = SpanContext(
        0xABC,
        0xDEF,
        is_remote=True,
        trace_flags=TraceFlags(1),
        trace_state=TraceState([("k", "v")]),
    )
    context = trace.set_span_in_context(trace.NonRecordingSpan(remote))
    tracer = provider.get_tracer("remote")
    tracer.start_span("continued", context=context, attributes={"n": 1}).end()
    stateless = SpanContext(0xABC, 0xDEF, is_remote=True, trace_flags=TraceFlags(1))
    context = trace.set_span_in_context(trace.NonRecordingSpan(stateless))
    tracer.start_span("plain continued", context=context).end()
    return exporter.get_finished_spans()


def test_a_span_with_a_remote_parent_answers_like_a_readable_span() -> None:
    for span in remote_child_spans():
        queued = QueuedSpan.of(span)
        assert (queued.context, queued.parent) == (span.context, span.parent)
        assert queued.parent is not None
        assert queued.parent.is_remote


def test_a_span_without_times_keeps_them_unset() -> None:
    bare = ReadableSpan(name="bare", context=SpanContext(1, 2, False))
    queued = QueuedSpan.of(bare)
    assert (queued.start_time, queued.end_time) == (None, None)
    assert encode_batch("traces", [queued]) == stock_encode("traces", [bare])


def test_repeated_strings_are_kept_once_while_queued() -> None:
    agent = "Mozilla/5.0 (X11; Linux x86_64)"
    spans = [
        ReadableSpan(
            name="".join(["GET ", "/x"]),  # a fresh string per request, as apps make them
            context=SpanContext(1, index, False),
            attributes={"user_agent.original": "".join([agent, ""]), "n": index},
        )
        for index in range(3)
    ]
    queued = [QueuedSpan.of(span) for span in spans]
    assert queued[0].name is queued[1].name is queued[2].name
    agents = [q.attributes["user_agent.original"] for q in queued]
    assert agents[0] is agents[1] is agents[2]


def test_the_tables_of_shared_strings_stay_bounded() -> None:
    for index in range(queued_module._SHARED_ENTRIES + 10):
        QueuedSpan.of(
            ReadableSpan(
                name=f"span {index}",
                context=SpanContext(1, 2, False),
                attributes={f"key {index}": "x" * (queued_module._SHARED_CHARS + 1)},
            )
        )
    assert len(queued_module._strings) <= queued_module._SHARED_ENTRIES
    assert len(queued_module._keys) <= queued_module._SHARED_ENTRIES
    long_name = "n" * (queued_module._SHARED_CHARS + 1)
    assert QueuedSpan.of(ReadableSpan(name=long_name, context=SpanContext(1, 2, False))).name == (
        long_name
    )
    assert long_name not in queued_module._strings  # long strings are not worth sharing


def test_a_span_the_packed_layout_cannot_hold_is_queued_as_it_is() -> None:
    odd = ReadableSpan(name="odd", context=SpanContext(1, 1 << 70, False))
    assert QueuedSpan.of(odd) is odd


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


class _RedactingView(ReadableSpan):
    """A span class that answers through its own property (as a redacting view would)."""

    @property
    def attributes(self) -> Any:
        return {"user.email": "<redacted>"}


def test_a_span_class_overriding_a_property_is_read_through_its_properties() -> None:
    original = finished_spans()[1]
    view = _RedactingView(
        name=original.name,
        context=original.context,
        attributes={"user.email": "someone@example.com"},
        resource=original.resource,
    )
    queued = QueuedSpan.of(view)
    assert dict(queued.attributes) == {"user.email": "<redacted>"}
    assert b"someone@example.com" not in encode_batch("traces", [queued])
    child = finished_spans()[0]
    child_view = _RedactingView(name="child", context=child.context, parent=child.parent)
    assert QueuedSpan.of(child_view).parent == child.parent
