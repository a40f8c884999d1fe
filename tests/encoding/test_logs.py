"""The direct log encoder writes what the stock encoder writes; one bad record never costs its
batch."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry import trace as trace_api
from opentelemetry._logs import LogRecord, SeverityNumber
from opentelemetry.attributes import BoundedAttributes
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs as stock
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.sdk._logs import ReadableLogRecord
from opentelemetry.sdk.resources import Resource

from automagik_telemetry.encoding import counts, encode
from automagik_telemetry.encoding.stock import stock_encode

from .strategies import ANY_VALUES, RESOURCES, SCOPES, TEXT, TIMES, attributes, span_contexts


@st.composite
def records(draw: st.DrawFn) -> ReadableLogRecord:
    context = None
    if draw(st.booleans()):
        span = trace_api.NonRecordingSpan(draw(span_contexts()))
        context = trace_api.set_span_in_context(span)
    record = LogRecord(
        timestamp=draw(TIMES),
        observed_timestamp=draw(TIMES),
        context=context,
        severity_text=draw(st.one_of(st.none(), TEXT)),
        severity_number=draw(st.one_of(st.none(), st.sampled_from(list(SeverityNumber)))),
        body=draw(ANY_VALUES),
        attributes=draw(attributes(ANY_VALUES)),
        event_name=draw(st.one_of(st.none(), TEXT)),
    )
    return ReadableLogRecord(record, draw(RESOURCES), draw(SCOPES))


def _parsed(payload: bytes) -> ExportLogsServiceRequest:
    return ExportLogsServiceRequest.FromString(payload)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(records(), max_size=8))
def test_every_shape_of_log_record_encodes_to_the_stock_message(batch: list[Any]) -> None:
    reference = stock(batch)
    ours = encode("logs", batch)
    assert _parsed(ours) == reference
    assert ours == stock_encode("logs", batch)


def _record(body: Any, attributes: Any = None, event_name: Any = None) -> ReadableLogRecord:
    return ReadableLogRecord(
        LogRecord(body=body, attributes=attributes, event_name=event_name),
        Resource({"service.name": "s"}),
    )


def test_a_body_otlp_cannot_carry_is_left_out_and_counted_the_record_still_goes() -> None:
    before = counts.attributes
    request = _parsed(encode("logs", [_record(object(), {"k": "v"}), _record("fine")]))
    sent = request.resource_logs[0].scope_logs[0].log_records
    assert [r.body.string_value for r in sent] == ["", "fine"]
    assert [kv.key for kv in sent[0].attributes] == ["k"]
    assert counts.attributes == before + 1


def test_a_record_that_cannot_be_encoded_is_dropped_and_counted_not_its_batch() -> None:
    broken = BoundedAttributes(attributes={"a": 1})
    broken.dropped = -1
    before = counts.items
    batch = [_record(f"line {i}") for i in range(200)]
    batch.insert(100, _record("bad", event_name=123))  # track_event(123): not a string
    batch.append(_record("worse", broken))
    request = _parsed(encode("logs", batch))
    sent = request.resource_logs[0].scope_logs[0].log_records
    assert [r.body.string_value for r in sent] == [f"line {i}" for i in range(200)]
    assert counts.items == before + 2


def test_what_the_sdk_records_encodes_as_the_stock_encoder_writes_it() -> None:
    """Real SDK log records: in a trace, with severity, event name, nested body and a dropped
    attribute — independent of what the property test happens to draw."""
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import (
        InMemoryLogRecordExporter,
        SimpleLogRecordProcessor,
    )
    from opentelemetry.sdk.trace import TracerProvider

    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider(shutdown_on_exit=False)
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    logger = provider.get_logger("app", "1.0")
    tracer = TracerProvider(shutdown_on_exit=False).get_tracer("app")
    with tracer.start_as_current_span("request"):
        logger.emit(
            timestamp=10,
            severity_number=SeverityNumber.WARN,
            severity_text="WARN",
            body={"message": "slow", "took": [1.5, 2], "raw": b"\x00", "ok": False, "n": None},
            attributes={"route": "/a"},
            event_name="app.slow",
        )
    logger.emit(body="plain")
    records = [
        ReadableLogRecord(r.log_record, r.resource, r.instrumentation_scope)
        for r in exporter.get_finished_logs()
    ]
    bounded = BoundedAttributes(maxlen=1, attributes={"a": 1, "b": 2})  # one dropped
    records.append(ReadableLogRecord(LogRecord(body="x", attributes=bounded), Resource({})))
    assert records[-1].dropped_attributes == 1
    records.append(ReadableLogRecord(LogRecord(observed_timestamp=0, body="y"), Resource({})))
    assert encode("logs", records) == stock_encode("logs", records)
