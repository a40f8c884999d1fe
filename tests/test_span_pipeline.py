"""The trace pipeline's hot path: the sampler, the provider's own span processor and the queueing
of each span for every backend, as an app wired to them would notice."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, ParentBased, SamplingResult
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags
from opentelemetry.trace.span import TraceState

from automagik_telemetry import configure_automagik
from automagik_telemetry.delivery.processors import BufferedSpanProcessor, QueueingSpanProcessor
from automagik_telemetry.engine.sampling import KeepAll, default_delegate
from tests.delivery.test_pipeline_parts import _RecordOnly
from tests.support.otlp_receiver import OTLPReceiver, attributes


class _Hooks(SpanProcessor):
    """An app's own processor: records which hooks it saw, for which span."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self.calls.append(("start", span.name))

    def _on_ending(self, span: Span) -> None:
        self.calls.append(("ending", span.name))

    def on_end(self, span: ReadableSpan) -> None:
        self.calls.append(("end", span.name))


def test_a_processor_the_app_adds_sees_every_span_and_ours_still_sends_them_scrubbed(
    receiver: OTLPReceiver,
) -> None:
    handle = configure_automagik(enabled=True, endpoint=receiver.url)
    assert handle.pipeline is not None
    provider = handle.pipeline.tracer_provider
    tracer = trace.get_tracer("app")
    tracer.start_span("before", attributes={"user.email": "maria@example.com"}).end()
    hooks, theirs = _Hooks(), InMemorySpanExporter()
    provider.add_span_processor(hooks)
    provider.add_span_processor(SimpleSpanProcessor(theirs))
    with tracer.start_as_current_span("after") as span:
        span.set_attribute("note", "mail maria@example.com")
    assert handle.force_flush(5)
    assert hooks.calls == [("start", "after"), ("ending", "after"), ("end", "after")]
    assert [span.name for span in theirs.get_finished_spans()] == ["after"]
    assert receiver.wait_for(lambda: len(receiver.spans()) == 2)
    sent = {span.name: attributes(span.attributes) for _, span in receiver.spans()}
    assert sent["before"]["user.email"] == "<email>"
    assert sent["after"]["note"] == "mail <email>"


def test_spans_not_sampled_are_queued_for_no_backend() -> None:
    exported: list[list[object]] = [[], []]
    buffered = [
        BufferedSpanProcessor(batch.extend, max_queue=10, batch_size=5, schedule_delay=60)
        for batch in exported
    ]
    provider = TracerProvider(sampler=_RecordOnly(), shutdown_on_exit=False)
    provider.add_span_processor(QueueingSpanProcessor(buffered))
    provider.get_tracer("t").start_span("recorded, not sampled").end()
    assert provider.force_flush()
    assert exported == [[], []]


def test_every_backend_gets_the_same_compact_span_and_a_flush_reaches_each() -> None:
    exported: list[list[ReadableSpan]] = [[], []]
    buffered = [
        BufferedSpanProcessor(batch.extend, max_queue=10, batch_size=5, schedule_delay=60)
        for batch in exported
    ]
    processor = QueueingSpanProcessor(buffered)
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(processor)
    provider.get_tracer("t").start_span("one").end()
    assert processor.force_flush(5000)
    (first,), (second,) = exported
    assert first is second  # compacted once, queued twice
    assert first.name == "one"
    processor.shutdown()
    assert all(processor.buffer.closed for processor in buffered)


class _NoContext(NonRecordingSpan):
    """A span of another implementation that has no span context to give."""

    def get_span_context(self) -> SpanContext:
        return None  # type: ignore[return-value]


def _parents() -> list[Context | None]:
    """Every kind of parent the parent-based rules distinguish."""
    state = TraceState([("vendor", "value")])
    contexts = [
        SpanContext(7, 8, is_remote=remote, trace_flags=TraceFlags(flags), trace_state=ts)
        for remote in (False, True)
        for flags in (0, 1)
        for ts in (None, state)
    ]
    no_context = trace.set_span_in_context(_NoContext(contexts[0]))
    return [None, Context(), no_context] + [
        trace.set_span_in_context(NonRecordingSpan(context)) for context in contexts
    ]


def _same(ours: SamplingResult, sdk: SamplingResult) -> bool:
    return (ours.decision, dict(ours.attributes), ours.trace_state or None) == (
        sdk.decision,
        dict(sdk.attributes),
        sdk.trace_state or None,
    )


def test_the_default_sampler_decides_as_the_sdks_parent_based_always_on() -> None:
    ours, sdk = default_delegate(1.0), ParentBased(ALWAYS_ON)
    assert isinstance(ours, KeepAll)
    assert ours.get_description() == sdk.get_description()
    for parent in _parents():
        for start_attributes in (None, {}, {"http.route": "/x"}):
            args = (parent, 7, "span", None, start_attributes)
            assert _same(ours.should_sample(*args), sdk.should_sample(*args))


def test_a_span_keeps_its_start_attributes_and_its_parents_trace_state() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=default_delegate(), shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("t")
    state = TraceState([("vendor", "value")])
    remote = SpanContext(7, 8, is_remote=True, trace_flags=TraceFlags(1), trace_state=state)
    parent = trace.set_span_in_context(NonRecordingSpan(remote))
    tracer.start_span("child", context=parent, attributes={"k": "v"}).end()
    tracer.start_span("root").end()
    not_sampled = SpanContext(7, 9, is_remote=True, trace_flags=TraceFlags(0))
    tracer.start_span(
        "not sampled", context=trace.set_span_in_context(NonRecordingSpan(not_sampled))
    ).end()
    child, root = exporter.get_finished_spans()
    assert dict(child.attributes or {}) == {"k": "v"}
    assert child.context is not None
    assert child.context.trace_state == state
    assert root.context is not None
    assert root.context.trace_flags.sampled
    assert not root.context.trace_state


def test_a_span_the_compact_layout_cannot_hold_is_still_queued_when_sampled() -> None:
    exported: list[ReadableSpan] = []
    processor = BufferedSpanProcessor(
        exported.extend, max_queue=10, batch_size=5, schedule_delay=60
    )
    wide = ReadableSpan("wide", SpanContext(1, 1 << 70, False, TraceFlags(1)))
    not_sampled = ReadableSpan("not sampled", SpanContext(1, 1 << 70, False, TraceFlags(0)))
    processor.on_end(wide)
    processor.on_end(not_sampled)
    assert processor.force_flush()
    assert exported == [wide]  # as it is: the encoder decides what to do with it
