"""PrivacySpanProcessor with the real SDK: what the exporter receives."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import (
    ReadableSpan,
    Span,
    SpanLimits,
    SpanProcessor,
    SynchronousMultiSpanProcessor,
    TracerProvider,
)
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, Status, StatusCode

from automagik_telemetry.privacy import (
    REDACTED_ATTRIBUTE,
    PrivacySpanProcessor,
    Redactor,
    ScrubbingOptions,
)
from automagik_telemetry.privacy import spans as spans_module


class Recorder(SpanProcessor):
    """The next processor: keeps what it is handed."""

    def __init__(self) -> None:
        self.started: list[Span] = []
        self.ended: list[ReadableSpan] = []

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        self.started.append(span)

    def on_end(self, span: ReadableSpan) -> None:
        self.ended.append(span)


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


def provider_with(
    exporter: InMemorySpanExporter, redactor: Redactor | None = None, **kwargs: Any
) -> TracerProvider:
    provider = TracerProvider(**kwargs)
    provider.add_span_processor(PrivacySpanProcessor(SimpleSpanProcessor(exporter), redactor))
    return provider


def counts(span: ReadableSpan) -> dict[str, int]:
    return json.loads(span.attributes[REDACTED_ATTRIBUTE])  # type: ignore[arg-type,index]


def test_clean_span_is_handed_on_untouched() -> None:
    before, after = Recorder(), Recorder()
    provider = TracerProvider()
    provider.add_span_processor(before)
    provider.add_span_processor(PrivacySpanProcessor(after))
    with provider.get_tracer("t").start_as_current_span("GET /api/tasks") as span:
        span.set_attribute("http.response.status_code", 200)
        span.set_attribute("url.path", "/api/tasks")
    assert after.ended[0] is before.ended[0]  # no copy
    assert REDACTED_ATTRIBUTE not in after.ended[0].attributes  # type: ignore[operator]
    assert after.started == before.started


def test_every_part_of_a_span_is_scrubbed(exporter: InMemorySpanExporter) -> None:
    resource = Resource.create(
        {"service.name": "svc", "process.command_line": "python /home/maria/app.py"}
    )
    provider = provider_with(exporter, resource=resource)
    tracer = provider.get_tracer("t")
    linked = tracer.start_span("other")
    linked.end()
    with tracer.start_as_current_span(
        "login maria@example.com",
        links=[Link(linked.get_span_context(), {"peer": "203.0.113.7", "n": 1})],
    ) as span:
        span.set_attribute("enduser.id", "maria@example.com")
        span.set_attribute("http.request.header.authorization", ("Bearer abc123def456",))
        span.set_attribute("http.request.method", "POST")
        span.set_attribute("retries", 3)
        span.set_attribute("tags", ("vip", "card 4111 1111 1111 1111"))
        span.add_event("mail sent", {"to": "joao@example.com", "size": 10})
        span.add_event("cache hit", {"key": "tasks:42"})
        try:
            raise ValueError("no account for ana@example.com")
        except ValueError as error:
            span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, "failed for ana@example.com"))
    exported = exporter.get_finished_spans()[1]
    assert exported.name == "login <email>"
    attributes = dict(exported.attributes or {})
    assert attributes["enduser.id"] == "<email>"
    assert attributes["http.request.header.authorization"] == ("<secret>",)
    assert attributes["http.request.method"] == "POST"
    assert attributes["retries"] == 3
    assert attributes["tags"] == ("vip", "card <card>")
    mail, cache, exception = exported.events
    assert mail.name == "mail sent"
    assert dict(mail.attributes or {}) == {"to": "<email>", "size": 10}
    assert cache is span.events[1]  # an event with nothing to scrub is not copied
    assert exception.attributes["exception.message"] == "no account for <email>"  # type: ignore[index]
    assert exception.attributes["exception.type"] == "ValueError"  # type: ignore[index]
    assert "ana@example.com" not in exception.attributes["exception.stacktrace"]  # type: ignore[index,operator]
    assert dict(exported.links[0].attributes or {}) == {"peer": "<ip>", "n": 1}
    assert exported.status.status_code is StatusCode.ERROR
    assert exported.status.description == "failed for <email>"
    assert exported.resource.attributes["process.command_line"] == "python /home/<user>/app.py"
    assert exported.resource.attributes["service.name"] == "svc"
    # name, enduser.id, mail event, status, exception message, and in the stacktrace the
    # message and the source line that raised it
    assert counts(exported) == {"card": 1, "email": 7, "ip": 1, "secret": 1}
    assert exported.context == span.get_span_context()
    assert exported.kind == span.kind
    assert exported.start_time == span.start_time
    assert exported.end_time == span.end_time
    assert exported.instrumentation_scope == span.instrumentation_scope


def test_resource_is_scrubbed_once_for_all_spans(exporter: InMemorySpanExporter) -> None:
    resource = Resource.create({"host.user": "/Users/joao"})
    provider = provider_with(exporter, resource=resource)
    for name in ("a", "b", "c"):
        provider.get_tracer("t").start_span(name).end()
    first, *rest = (span.resource for span in exporter.get_finished_spans())
    assert first.attributes["host.user"] == "/Users/<user>"
    assert json.loads(first.attributes[REDACTED_ATTRIBUTE]) == {"user": 1}  # type: ignore[arg-type]
    assert all(other is first for other in rest)
    only_resource = exporter.get_finished_spans()[0]
    assert REDACTED_ATTRIBUTE not in (only_resource.attributes or {})


def test_dropped_counts_survive_the_copy(exporter: InMemorySpanExporter) -> None:
    limits = SpanLimits(max_span_attributes=2, max_events=1, max_links=1)
    provider = provider_with(exporter, span_limits=limits)
    tracer = provider.get_tracer("t")
    other = tracer.start_span("x")
    other.end()
    context = other.get_span_context()
    with tracer.start_as_current_span("s", links=[Link(context), Link(context)]) as span:
        span.set_attribute("a", "1")
        span.set_attribute("b", "2")
        span.set_attribute("c", "maria@example.com")
        span.add_event("first", {"ip": "203.0.113.7"})
        span.add_event("second", {"ip": "203.0.113.8"})
    exported = exporter.get_finished_spans()[1]
    assert exported.dropped_attributes == span.dropped_attributes == 1
    assert exported.dropped_events == span.dropped_events == 1
    assert exported.dropped_links == span.dropped_links == 1
    assert dict(exported.events[0].attributes or {}) == {"ip": "<ip>"}


def test_events_with_dropped_attributes_keep_the_count(exporter: InMemorySpanExporter) -> None:
    provider = provider_with(exporter, span_limits=SpanLimits(max_event_attributes=1))
    with provider.get_tracer("t").start_as_current_span("s") as span:
        span.add_event("e", {"a": "maria@example.com", "b": "x"})
        span.add_event("maria@example.com")  # a name with personal data, no attributes
    first, second = exporter.get_finished_spans()[0].events
    assert first.dropped_attributes == 1
    assert second.name == "<email>"


def test_genai_content_is_dropped_usage_is_kept(exporter: InMemorySpanExporter) -> None:
    provider = provider_with(exporter)
    with provider.get_tracer("t").start_as_current_span("chat gpt-4o") as span:
        span.set_attribute("gen_ai.request.model", "gpt-4o")
        span.set_attribute("gen_ai.prompt.0.content", "my CPF is 529.982.247-25")
        span.set_attribute("gen_ai.completion.0.content", "noted")
        span.set_attribute("gen_ai.usage.input_tokens", 1532)
        span.set_attribute("gen_ai.response.finish_reasons", ("stop",))
        span.add_event("gen_ai.user.message", {"content": "hello", "gen_ai.system": "openai"})
        span.add_event("gen_ai.content.prompt", {"gen_ai.prompt": "hello"})
    exported = exporter.get_finished_spans()[0]
    attributes = dict(exported.attributes or {})
    assert "gen_ai.prompt.0.content" not in attributes
    assert "gen_ai.completion.0.content" not in attributes
    assert attributes["gen_ai.usage.input_tokens"] == 1532
    assert attributes["gen_ai.request.model"] == "gpt-4o"
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    message, legacy = exported.events
    assert dict(message.attributes or {}) == {"gen_ai.system": "openai"}
    assert dict(legacy.attributes or {}) == {}
    assert counts(exported) == {"genai_content": 4}


def test_genai_content_capture_keeps_it_scrubbed(exporter: InMemorySpanExporter) -> None:
    redactor = Redactor(ScrubbingOptions(capture_genai_content=True))
    provider = provider_with(exporter, redactor)
    with provider.get_tracer("t").start_as_current_span("chat") as span:
        span.set_attribute("gen_ai.prompt.0.content", "mail me at maria@example.com")
    attributes = exporter.get_finished_spans()[0].attributes or {}
    assert attributes["gen_ai.prompt.0.content"] == "mail me at <email>"


def test_one_scrub_in_front_of_several_backends() -> None:
    first, second = InMemorySpanExporter(), InMemorySpanExporter()
    fan_out = SynchronousMultiSpanProcessor()
    fan_out.add_span_processor(SimpleSpanProcessor(first))
    fan_out.add_span_processor(SimpleSpanProcessor(second))
    provider = TracerProvider()
    provider.add_span_processor(PrivacySpanProcessor(fan_out))
    with provider.get_tracer("t").start_as_current_span("s") as span:
        span.set_attribute("user", "maria@example.com")
    (a,), (b,) = first.get_finished_spans(), second.get_finished_spans()
    assert a is b
    assert a.attributes["user"] == "<email>"  # type: ignore[index]


def test_spans_built_by_hand_are_scrubbed_too() -> None:
    class CustomSpan(ReadableSpan):
        """A subclass, as tests and other libraries build them."""

    recorder = Recorder()
    processor = PrivacySpanProcessor(recorder)
    original = CustomSpan(
        "to maria@example.com",
        attributes={"ip": "203.0.113.7"},
        events=[],
        links=[],
        resource=Resource({"service.name": "svc"}),
    )
    processor.on_end(original)
    (scrubbed,) = recorder.ended
    assert scrubbed.name == "to <email>"
    assert dict(scrubbed.attributes or {}) == {
        "ip": "<ip>",
        REDACTED_ATTRIBUTE: '{"email":1,"ip":1}',
    }
    assert scrubbed.dropped_attributes == 0
    assert scrubbed.resource is original.resource
    clean = CustomSpan("clean", resource=Resource({"service.name": "svc"}))
    processor.on_end(clean)
    assert recorder.ended[1] is clean


def test_a_resource_alone_can_make_a_copy() -> None:
    recorder = Recorder()
    processor = PrivacySpanProcessor(recorder)
    span = ReadableSpan("clean", resource=Resource({"who": "maria@example.com"}))
    processor.on_end(span)
    (scrubbed,) = recorder.ended
    assert scrubbed is not span
    assert scrubbed.resource.attributes["who"] == "<email>"
    assert REDACTED_ATTRIBUTE not in (scrubbed.attributes or {})


def test_a_span_that_cannot_be_scrubbed_is_dropped(caplog: pytest.LogCaptureFixture) -> None:
    class Broken(ReadableSpan):
        @property
        def name(self) -> str:
            raise RuntimeError("broken span")

    recorder = Recorder()
    with caplog.at_level(logging.ERROR, "automagik_telemetry"):
        PrivacySpanProcessor(recorder).on_end(Broken("x"))
    assert recorder.ended == []
    assert "could not scrub a span; it was dropped" in caplog.text


class Failing(SpanProcessor):
    """A next processor that fails at everything."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        raise RuntimeError("start")

    def _on_ending(self, span: Span) -> None:
        raise RuntimeError("ending")

    def on_end(self, span: ReadableSpan) -> None:
        raise RuntimeError("end")

    def shutdown(self) -> None:
        raise RuntimeError("shutdown")

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        raise RuntimeError("flush")


def test_a_failing_next_processor_never_reaches_the_app(
    caplog: pytest.LogCaptureFixture,
) -> None:
    provider = TracerProvider(shutdown_on_exit=False)
    processor = PrivacySpanProcessor(Failing())
    provider.add_span_processor(processor)
    with caplog.at_level(logging.ERROR, "automagik_telemetry"):
        with provider.get_tracer("t").start_as_current_span("s"):
            pass
        assert processor.force_flush() is False
        processor.shutdown()
    for kind in ("start", "ending", "end", "shutdown", "flush"):
        assert any(kind in record.exc_text for record in caplog.records if record.exc_text)


def test_hooks_reach_the_next_processor() -> None:
    recorder = Recorder()
    provider = TracerProvider()
    provider.add_span_processor(PrivacySpanProcessor(recorder))
    with provider.get_tracer("t").start_as_current_span("s") as span:
        pass
    assert recorder.started == [span]


def test_with_a_batch_processor() -> None:
    batch_exporter = InMemorySpanExporter()
    provider = TracerProvider()
    processor = PrivacySpanProcessor(BatchSpanProcessor(batch_exporter))
    provider.add_span_processor(processor)
    with provider.get_tracer("t").start_as_current_span("s") as span:
        span.set_attribute("ip", "203.0.113.7")
    assert processor.force_flush(5000)
    assert batch_exporter.get_finished_spans()[0].attributes["ip"] == "<ip>"  # type: ignore[index]
    processor.shutdown()


def test_clean_status_and_several_links(exporter: InMemorySpanExporter) -> None:
    provider = provider_with(exporter)
    tracer = provider.get_tracer("t")
    other = tracer.start_span("x")
    other.end()
    context = other.get_span_context()
    links = [Link(context, {"ip": "203.0.113.7"}), Link(context, {"ip": "203.0.113.8"})]
    with tracer.start_as_current_span("s", links=links) as span:
        span.set_status(Status(StatusCode.ERROR, "timeout after 30 s"))
    exported = exporter.get_finished_spans()[1]
    assert [dict(link.attributes or {}) for link in exported.links] == [{"ip": "<ip>"}] * 2
    assert exported.status.description == "timeout after 30 s"


def test_resource_cache_is_bounded() -> None:
    recorder = Recorder()
    processor = PrivacySpanProcessor(recorder)
    for i in range(100):
        processor.on_end(ReadableSpan("s", resource=Resource({"n": i, "ip": "203.0.113.7"})))
    assert all(span.resource.attributes["ip"] == "<ip>" for span in recorder.ended)
    assert len(processor._resources._cache) <= 64


@pytest.mark.parametrize(
    "shape",
    [
        {"enduser.id": "maria@example.com", "http.route": "/x", "n": 1},  # one finding
        {"a": "maria@example.com", "b": "203.0.113.7", "c": "joao@example.com"},  # several
        {"password": "hunter2", "route": "/x"},  # a secret key
        {"tags": ("vip", "203.0.113.7")},  # a sequence
        {"route": "/clean", "n": 2.5},  # nothing to do
        {"a": "1", "b": "2", "c": "3", "d": "maria@example.com"},  # over the limit: dropped
    ],
)
def test_repeated_spans_give_the_same_result_every_time(
    exporter: InMemorySpanExporter, shape: dict[str, Any]
) -> None:
    """The first span of a kind is scrubbed the general way, later ones by the fast path
    (values cached): the output must not differ."""
    resource = Resource.create({"service.name": "svc"})
    provider = provider_with(
        exporter, resource=resource, span_limits=SpanLimits(max_span_attributes=3)
    )
    tracer = provider.get_tracer("t")
    for _ in range(3):
        with tracer.start_as_current_span("GET /x") as span:
            for key, value in shape.items():
                span.set_attribute(key, value)
    first, *later = exporter.get_finished_spans()
    for span in later:
        assert span.name == first.name
        assert dict(span.attributes or {}) == dict(first.attributes or {})
        assert span.resource is first.resource
        assert span.dropped_attributes == first.dropped_attributes
        assert span.events == ()
        assert span.links == ()


def test_fast_path_hands_unusual_spans_to_the_general_path(
    exporter: InMemorySpanExporter,
) -> None:
    provider = provider_with(exporter, resource=Resource.create({"who": "maria@example.com"}))
    tracer = provider.get_tracer("t")
    for attempt in range(2):
        with tracer.start_as_current_span("clean") as span:
            span.set_attribute("route", "/x")  # only the resource changes
        with tracer.start_as_current_span("new value") as span:
            span.set_attribute("note", f"new value {attempt}")  # never seen: scanned
        with tracer.start_as_current_span("status") as span:
            span.set_status(Status(StatusCode.ERROR, "from 203.0.113.7"))
        with tracer.start_as_current_span("event") as span:
            span.add_event("e")
        tracer.start_span("login maria@example.com").end()
    spans = {span.name: span for span in exporter.get_finished_spans()}  # the later ones
    assert len(exporter.get_finished_spans()) == 10
    assert all(span.resource.attributes["who"] == "<email>" for span in spans.values())
    assert dict(spans["clean"].attributes or {}) == {"route": "/x"}
    assert dict(spans["new value"].attributes or {}) == {"note": "new value 1"}
    assert spans["status"].status.description == "from <ip>"
    assert spans["event"].events[0].name == "e"
    assert json.loads(spans["login <email>"].attributes[REDACTED_ATTRIBUTE]) == {"email": 1}  # type: ignore[arg-type,index]


def test_one_processor_shared_by_providers_with_different_resources(
    exporter: InMemorySpanExporter,
) -> None:
    processor = PrivacySpanProcessor(SimpleSpanProcessor(exporter))
    tracers = []
    for owner in ("maria@example.com", "team-a"):
        provider = TracerProvider(resource=Resource.create({"owner": owner}))
        provider.add_span_processor(processor)
        tracers.append(provider.get_tracer("t"))
    for _ in range(2):
        for tracer in tracers:
            tracer.start_span("s").end()
    owners = [span.resource.attributes["owner"] for span in exporter.get_finished_spans()]
    assert owners == ["<email>", "team-a"] * 2


def test_sdk_layout_is_recognised() -> None:
    assert spans_module._sdk_layout_is_known()


def test_unknown_sdk_layout_takes_the_public_api_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If an SDK release changes how spans are built, no field is read or copied directly:
    the output must be the same, only slower."""

    def emit_all(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
        limits = SpanLimits(max_span_attributes=3)
        provider = provider_with(
            exporter, resource=Resource.create({"who": "a@b.co"}), span_limits=limits
        )
        tracer = provider.get_tracer("t")
        for _ in range(2):
            with tracer.start_as_current_span("login maria@example.com") as span:
                span.set_attribute("a", "1")
                span.set_attribute("ip", "203.0.113.7")
                span.set_attribute("x", "2")
                span.set_attribute("y", "3")
                span.add_event("e", {"to": "joao@example.com"})
            with tracer.start_as_current_span("clean") as span:
                span.set_attribute("route", "/x")
        return list(exporter.get_finished_spans())

    fast = emit_all(InMemorySpanExporter())
    monkeypatch.setattr(spans_module, "_FAST", False)
    slow = emit_all(InMemorySpanExporter())
    for one, other in zip(fast, slow, strict=True):
        assert one.name == other.name
        assert dict(one.attributes or {}) == dict(other.attributes or {})
        assert dict(one.resource.attributes) == dict(other.resource.attributes)
        assert [dict(e.attributes or {}) for e in one.events] == [
            dict(e.attributes or {}) for e in other.events
        ]
        assert one.dropped_attributes == other.dropped_attributes
    assert [span.dropped_attributes for span in slow] == [1, 0, 1, 0]
