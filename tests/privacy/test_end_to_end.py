"""End to end: personal data in spans, logs and metrics goes through configure_automagik()
to a real OTLP/HTTP receiver, and nothing sensitive arrives — checked on the decoded
protobuf *and* on the raw bytes of every request."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import _logs, metrics, trace
from opentelemetry.trace import Status, StatusCode

from automagik_telemetry import ScrubbingOptions, configure_automagik
from automagik_telemetry.privacy import REDACTED_ATTRIBUTE
from automagik_telemetry.privacy.pseudonym import KEY_FILENAME
from tests.support.otlp_receiver import OTLPReceiver, any_value, attributes

SENSITIVE = [
    b"maria@example.com",
    b"joao@example.com",
    b"203.0.113.7",
    b"4111 1111 1111 1111",
    b"hunter2",
    b"98765-4321",
    b"529.982.247-25",
    b"/home/ana",
    b"my secret prompt",
    b"sk-proj-Ab3dEf6hIj9kLmN0pQrStU",
]


def emit_everything() -> None:
    tracer = trace.get_tracer("checkout")
    with tracer.start_as_current_span("POST /checkout for maria@example.com") as span:
        span.set_attribute("http.request.method", "POST")
        span.set_attribute("http.route", "/checkout")
        span.set_attribute("http.response.status_code", 402)
        span.set_attribute("client.address", "203.0.113.7")
        span.set_attribute("payment.card", "card 4111 1111 1111 1111")
        span.set_attribute("db.password", "hunter2")
        span.set_attribute("gen_ai.usage.input_tokens", 1532)
        span.set_attribute("gen_ai.prompt.0.content", "my secret prompt")
        span.add_event("sms", {"to": "+55 11 98765-4321", "provider": "twilio"})
        try:
            raise PermissionError("denied for joao@example.com in /home/ana/app.py")
        except PermissionError as error:
            span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, "declined for CPF 529.982.247-25"))
    _logs.get_logger("checkout").emit(
        body={"msg": "payment declined", "user": "maria@example.com", "tries": 3},
        attributes={"openai.key": "sk-proj-Ab3dEf6hIj9kLmN0pQrStU", "order.id": "A-991"},
    )
    meter = metrics.get_meter("checkout")
    meter.create_counter("payments").add(1, {"user": "joao@example.com", "outcome": "declined"})


def received_everything(receiver: OTLPReceiver) -> bool:
    return bool(receiver.spans() and receiver.log_records() and receiver.metrics())


def test_nothing_sensitive_arrives(receiver: OTLPReceiver) -> None:
    handle = configure_automagik(
        service_name="shop",
        enabled=True,
        endpoint=receiver.url,
        resource_attributes={"deploy.owner": "maria@example.com"},
    )
    emit_everything()
    assert handle.force_flush(10)
    assert receiver.wait_for(lambda: received_everything(receiver))

    for request in receiver.received:  # raw (decompressed) protobuf bytes of every request
        for value in SENSITIVE:
            assert value not in request.raw, (request.path, value)

    resource, span = receiver.spans()[0]
    assert span.name == "POST /checkout for <email>"
    span_attributes = attributes(span.attributes)
    assert span_attributes["http.request.method"] == "POST"
    assert span_attributes["http.route"] == "/checkout"
    assert span_attributes["http.response.status_code"] == 402
    assert span_attributes["client.address"] == "<ip>"
    assert span_attributes["payment.card"] == "card <card>"
    assert span_attributes["db.password"] == "<secret>"
    assert span_attributes["gen_ai.usage.input_tokens"] == 1532
    assert "gen_ai.prompt.0.content" not in span_attributes
    # The exception's message appears three times: message, stacktrace, and the source line
    # that raised it (also in the stacktrace).
    assert json.loads(span_attributes[REDACTED_ATTRIBUTE]) == {
        "card": 1,
        "cpf": 1,
        "email": 4,
        "genai_content": 1,
        "ip": 1,
        "phone": 1,
        "secret": 1,
        "user": 3,
    }
    sms, exception = span.events
    assert attributes(sms.attributes) == {"to": "<phone>", "provider": "twilio"}
    exception_attributes = attributes(exception.attributes)
    assert exception_attributes["exception.type"] == "PermissionError"
    assert exception_attributes["exception.message"] == "denied for <email> in /home/<user>/app.py"
    assert span.status.message == "declined for CPF <cpf>"
    assert resource["service.name"] == "shop"
    assert resource["deploy.owner"] == "<email>"
    assert re.fullmatch(r"[0-9a-f-]{36}", resource["automagik.install.id"])

    _, record = receiver.log_records()[0]
    assert any_value(record.body) == {"msg": "payment declined", "user": "<email>", "tries": 3}
    log_attributes = attributes(record.attributes)
    assert log_attributes["openai.key"] == "<api_key>"
    assert log_attributes["order.id"] == "A-991"

    _, metric = next(item for item in receiver.metrics() if item[1].name == "payments")
    (point,) = metric.sum.data_points
    assert attributes(point.attributes) == {
        "user": "<email>",
        "outcome": "declined",
        REDACTED_ATTRIBUTE: '{"email":1}',
    }
    assert point.as_int == 1


def test_hash_mode_joins_one_user_without_revealing_who(
    receiver: OTLPReceiver, tmp_path: Path
) -> None:
    config_dir = tmp_path / "config"
    handle = configure_automagik(
        enabled=True, endpoint=receiver.url, scrubbing_mode="hash", config_dir=config_dir
    )
    tracer = trace.get_tracer("t")
    for user in ("maria@example.com", "MARIA@example.com", "joao@example.com"):
        with tracer.start_as_current_span("login") as span:
            span.set_attribute("enduser.id", user)
    assert handle.force_flush(10)
    assert receiver.wait_for(lambda: len(receiver.spans()) == 3)
    ids = [attributes(span.attributes)["enduser.id"] for _, span in receiver.spans()]
    assert all(re.fullmatch(r"<email:[g-v]{12}>", value) for value in ids)
    assert ids[0] == ids[1] != ids[2]
    assert (config_dir / KEY_FILENAME).exists()
    assert all(b"example.com" not in request.raw for request in receiver.received)


def test_no_key_is_written_while_telemetry_is_off(tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    handle = configure_automagik(enabled=False, scrubbing_mode="hash", config_dir=config_dir)
    assert not handle.enabled
    assert not (config_dir / KEY_FILENAME).exists()


def test_debug_mode_shows_what_would_be_sent(capsys: pytest.CaptureFixture[str]) -> None:
    handle = configure_automagik(enabled=True, verbose=True)
    emit_everything()
    assert handle.force_flush(10)
    handle.shutdown(5)
    printed = capsys.readouterr().err
    assert "POST /checkout for <email>" in printed
    assert "<card>" in printed
    for value in SENSITIVE:
        assert value.decode() not in printed


def test_options_from_code_reach_every_signal(receiver: OTLPReceiver) -> None:
    options = ScrubbingOptions(
        allow_keys={"enduser.id"}, extra_patterns=[r"ORDER-\d+"], capture_genai_content=True
    )
    handle = configure_automagik(enabled=True, endpoint=receiver.url, scrubbing=options)
    with trace.get_tracer("t").start_as_current_span("s") as span:
        span.set_attribute("enduser.id", "maria@example.com")
        span.set_attribute("note", "ORDER-123 by joao@example.com")
        span.set_attribute("gen_ai.prompt.0.content", "hi from ana@example.com")
    _logs.get_logger("t").emit(body="ORDER-77 shipped")
    assert handle.force_flush(10)
    assert receiver.wait_for(lambda: bool(receiver.spans() and receiver.log_records()))
    span_attributes: dict[str, Any] = attributes(receiver.spans()[0][1].attributes)
    assert span_attributes["enduser.id"] == "maria@example.com"
    assert span_attributes["note"] == "<custom> by <email>"
    assert span_attributes["gen_ai.prompt.0.content"] == "hi from <email>"
    assert any_value(receiver.log_records()[0][1].body) == "<custom> shipped"


def test_several_backends_all_get_scrubbed_data(
    receiver: OTLPReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    handle = configure_automagik(enabled=True, endpoint=receiver.url, backend="otlp,console")
    with trace.get_tracer("t").start_as_current_span("s") as span:
        span.set_attribute("client.address", "203.0.113.7")
    _logs.get_logger("t").emit(body="from 203.0.113.7")
    assert handle.force_flush(10)
    assert receiver.wait_for(lambda: bool(receiver.spans() and receiver.log_records()))
    assert attributes(receiver.spans()[0][1].attributes)["client.address"] == "<ip>"
    handle.shutdown(5)
    printed = capsys.readouterr().err
    assert "<ip>" in printed
    assert "203.0.113.7" not in printed


def test_errors_only_consent_still_scrubs_what_it_sends(receiver: OTLPReceiver) -> None:
    handle = configure_automagik(enabled="errors", endpoint=receiver.url)
    assert handle.pipeline is not None
    assert handle.pipeline.meter_provider is None  # metrics are usage data: not at "errors"
    tracer = trace.get_tracer("t")
    with tracer.start_as_current_span("fine"):
        pass
    with tracer.start_as_current_span("crash") as span:
        span.set_status(Status(StatusCode.ERROR, "no account for maria@example.com"))
    assert handle.force_flush(10)
    assert receiver.wait_for(lambda: bool(receiver.spans()))
    ((_, sent),) = receiver.spans()
    assert sent.status.message == "no account for <email>"
