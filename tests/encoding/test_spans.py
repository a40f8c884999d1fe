"""The direct span encoder writes what the stock encoder writes, for spans of every shape."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans as stock
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.util import BoundedList
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

from automagik_telemetry.delivery.queued import QueuedSpan
from automagik_telemetry.encoding import encode
from automagik_telemetry.encoding.spans import encode_spans

from .strategies import RESOURCES, SCOPES, TEXT, TIMES, attributes, span_contexts


def _bounded(items: list[Any], dropped: int) -> BoundedList[Any]:
    bounded = BoundedList.from_seq(None, items)
    bounded.dropped = dropped
    return bounded


EVENTS = st.builds(Event, name=TEXT, attributes=attributes(), timestamp=TIMES)
LINKS = st.builds(Link, context=span_contexts(), attributes=attributes())
STATUSES = st.one_of(
    st.just(Status(StatusCode.UNSET)),
    st.builds(Status, st.sampled_from(list(StatusCode)), st.one_of(st.none(), TEXT)),
)


@st.composite
def spans(draw: st.DrawFn) -> ReadableSpan:
    dropped = st.integers(min_value=0, max_value=100)
    return ReadableSpan(
        name=draw(TEXT),
        context=draw(span_contexts()),
        parent=draw(st.one_of(st.none(), span_contexts())),
        resource=draw(RESOURCES),
        attributes=draw(attributes()),
        events=_bounded(draw(st.lists(EVENTS, max_size=3)), draw(dropped)),
        links=_bounded(draw(st.lists(LINKS, max_size=2)), draw(dropped)),
        kind=draw(st.sampled_from(list(SpanKind))),
        status=draw(STATUSES),
        start_time=draw(TIMES),
        end_time=draw(TIMES),
        instrumentation_scope=draw(SCOPES),
    )


def _parsed(payload: bytes) -> ExportTraceServiceRequest:
    return ExportTraceServiceRequest.FromString(payload)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(spans(), max_size=8))
def test_every_shape_of_span_encodes_to_the_stock_message(batch: list[ReadableSpan]) -> None:
    reference = stock(batch)
    ours = encode_spans(batch)
    assert _parsed(ours) == reference
    # Not only equal in meaning: the very bytes protobuf writes.
    assert ours == reference.SerializeToString(deterministic=True)
    # Our compact queue reads the same.
    assert encode("traces", [QueuedSpan.of(span) for span in batch]) == ours


def _span(name: str, attributes: Any = None, **fields: Any) -> ReadableSpan:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.trace import SpanContext

    return ReadableSpan(
        name=name,
        context=SpanContext(1, 2, False),
        resource=Resource({"service.name": "s"}),
        attributes=attributes,
        **fields,
    )


def test_an_attribute_that_cannot_be_encoded_is_left_out_and_counted() -> None:
    from automagik_telemetry.encoding import counts

    before = counts.attributes
    span = _span("s", {"ok": 1, "huge": 10**100, 5: "int key", "obj": object()})
    request = _parsed(encode("traces", [span, _span("fine", {"a": "b"})]))
    sent = request.resource_spans[0].scope_spans[0].spans
    assert [s.name for s in sent] == ["s", "fine"]
    assert [kv.key for kv in sent[0].attributes] == ["ok"]
    assert counts.attributes == before + 3


def test_a_span_that_cannot_be_encoded_is_dropped_and_counted_not_its_batch() -> None:
    from opentelemetry.attributes import BoundedAttributes

    from automagik_telemetry.encoding import counts

    broken = BoundedAttributes(attributes={"a": 1})
    broken.dropped = -1  # no uint32: neither encoder can write it
    before = counts.items
    batch = [_span(f"good {i}") for i in range(200)] + [_span("bad", broken), object()]
    request = _parsed(encode("traces", batch))
    sent = request.resource_spans[0].scope_spans[0].spans
    assert [s.name for s in sent] == [f"good {i}" for i in range(200)]
    assert counts.items == before + 2


def test_a_span_of_a_shape_we_do_not_know_goes_through_the_stock_encoder() -> None:
    odd = _span("odd", {"a": 1}, status=None)  # the stock encoder accepts a missing status
    assert _parsed(encode("traces", [odd])) == stock([odd])


def test_what_the_sdk_records_encodes_as_the_stock_encoder_writes_it() -> None:
    """Real SDK spans with events, links, a status, trace state and dropped counts —
    independent of what the property test happens to draw."""
    from opentelemetry import trace
    from opentelemetry.sdk.trace import SpanLimits, TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import SpanContext, TraceFlags
    from opentelemetry.trace.span import TraceState

    from automagik_telemetry.encoding.stock import stock_encode

    exporter = InMemorySpanExporter()
    limits = SpanLimits(
        max_attributes=2,
        max_events=3,
        max_links=1,
        max_event_attributes=1,
        max_link_attributes=1,
    )
    provider = TracerProvider(span_limits=limits, shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("app", "1.0", schema_url="https://schema")
    state = TraceState([("vendor", "value")])
    remote = SpanContext(7, 8, is_remote=True, trace_flags=TraceFlags(1), trace_state=state)
    links = [Link(remote), Link(remote, {"link": True, "dropped": 1})]  # the last one is kept
    with tracer.start_as_current_span(
        "root", context=trace.set_span_in_context(trace.NonRecordingSpan(remote)), links=links
    ) as root:
        root.set_attributes({"a": 1, "b": 2.5, "c": ("x", "y")})
        root.add_event("pushed out by the later ones")
        root.add_event("at zero", timestamp=0)
        root.add_event("now")
        root.add_event("with one attribute too many", {"n": 1, "dropped": 2}, timestamp=5)
        root.set_status(Status(StatusCode.ERROR, "failed"))
        with tracer.start_as_current_span("child", kind=SpanKind.CLIENT) as child:
            child.set_status(Status(StatusCode.OK))
    spans = exporter.get_finished_spans()
    queued = [QueuedSpan.of(span) for span in spans]
    assert encode("traces", spans) == stock_encode("traces", spans)
    assert encode("traces", queued) == stock_encode("traces", spans)
