"""PiiRedactingLogRecordProcessor with the real SDK: what the log exporter receives."""

from __future__ import annotations

import json
import logging
import warnings
from typing import Any

import pytest
from opentelemetry._logs import LogRecord, SeverityNumber
from opentelemetry.sdk._logs import (
    LoggerProvider,
    LoggingHandler,
    LogRecordLimits,
    LogRecordProcessor,
    ReadWriteLogRecord,
)
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource

from automagik_telemetry.privacy import REDACTED_ATTRIBUTE, PiiRedactingLogRecordProcessor


@pytest.fixture
def exporter() -> InMemoryLogRecordExporter:
    return InMemoryLogRecordExporter()


def provider_with(exporter: InMemoryLogRecordExporter, **kwargs: Any) -> LoggerProvider:
    provider = LoggerProvider(**kwargs)
    provider.add_log_record_processor(
        PiiRedactingLogRecordProcessor(SimpleLogRecordProcessor(exporter))
    )
    return provider


def exported(exporter: InMemoryLogRecordExporter) -> list[Any]:
    return [record.log_record for record in exporter.get_finished_logs()]


def test_body_and_attributes_are_scrubbed(exporter: InMemoryLogRecordExporter) -> None:
    logger = provider_with(exporter).get_logger("app")
    logger.emit(
        body="password reset for maria@example.com from 203.0.113.7",
        attributes={"user.phone": "+55 11 98765-4321", "http.route": "/reset", "n": 2},
        severity_number=SeverityNumber.INFO,
    )
    (record,) = exported(exporter)
    assert record.body == "password reset for <email> from <ip>"
    assert dict(record.attributes) == {
        "user.phone": "<phone>",
        "http.route": "/reset",
        "n": 2,
        REDACTED_ATTRIBUTE: '{"email":1,"ip":1,"phone":1}',
    }
    assert record.severity_number is SeverityNumber.INFO


def test_structured_bodies_are_scrubbed_recursively(exporter: InMemoryLogRecordExporter) -> None:
    logger = provider_with(exporter).get_logger("app")
    logger.emit(body={"event": "signup", "user": {"email": "joao@example.com", "plan": "pro"}})
    logger.emit(body=["ok", {"card": "4111 1111 1111 1111"}])
    logger.emit(body=b"raw \xff maria@example.com")
    first, second, third = exported(exporter)
    assert first.body == {"event": "signup", "user": {"email": "<email>", "plan": "pro"}}
    assert second.body == ["ok", {"card": "<card>"}]
    assert third.body == b"raw \xff <email>"


def test_exception_fields_are_scrubbed(exporter: InMemoryLogRecordExporter) -> None:
    logger = provider_with(exporter).get_logger("app")
    try:
        open("/home/maria/secrets.txt")  # noqa: SIM115 - the error names the path
    except OSError as error:
        logger.emit(body="could not read", exception=error, severity_number=SeverityNumber.ERROR)
    (record,) = exported(exporter)
    assert "maria" not in record.attributes["exception.message"]
    assert "/home/<user>/secrets.txt" in record.attributes["exception.message"]
    assert "maria" not in record.attributes["exception.stacktrace"]
    assert record.attributes["exception.type"] == "FileNotFoundError"


def test_logging_records_through_the_sdk_handler(exporter: InMemoryLogRecordExporter) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        handler = LoggingHandler(logger_provider=provider_with(exporter))
    logger = logging.getLogger("tests.privacy.handler")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("login failed for %s with password=%s", "ana@example.com", "hunter2")
    finally:
        logger.removeHandler(handler)
    (record,) = exported(exporter)
    assert record.body == "login failed for <email> with password=<secret>"


def test_genai_message_events_lose_their_content(exporter: InMemoryLogRecordExporter) -> None:
    logger = provider_with(exporter).get_logger("openai")
    logger.emit(
        event_name="gen_ai.user.message",
        body={"content": "my card is 4111 1111 1111 1111", "role": "user"},
        attributes={"gen_ai.system": "openai"},
    )
    logger.emit(
        attributes={"event.name": "gen_ai.choice", "gen_ai.system": "openai"},
        body={
            "index": 0,
            "finish_reason": "tool_calls",
            "message": {"tool_calls": [{"function": {"name": "pay", "arguments": "{}"}}]},
        },
    )
    first, second = exported(exporter)
    assert first.body == {"role": "user"}
    assert json.loads(first.attributes[REDACTED_ATTRIBUTE]) == {"genai_content": 1}
    assert second.body == {
        "index": 0,
        "finish_reason": "tool_calls",
        "message": {"tool_calls": [{"function": {"name": "pay"}}]},
    }


def test_clean_records_are_left_alone(exporter: InMemoryLogRecordExporter) -> None:
    provider = provider_with(exporter, resource=Resource.create({"service.name": "svc"}))
    logger = provider.get_logger("app")
    logger.emit(body="job 8812 done in 34 ms", attributes={"job.id": 8812})
    logger.emit(body=None, attributes={"ok": True})
    first, second = exported(exporter)
    assert first.body == "job 8812 done in 34 ms"
    assert dict(first.attributes) == {"job.id": 8812}
    assert second.body is None
    assert REDACTED_ATTRIBUTE not in second.attributes


def test_limits_and_dropped_counts_are_kept(exporter: InMemoryLogRecordExporter) -> None:
    provider = provider_with(exporter, log_record_limits=LogRecordLimits(max_attributes=2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the SDK warns about the dropped attribute
        provider.get_logger("app").emit(
            body="x", attributes={"b": "1", "c": "2", "a": "maria@example.com"}
        )
    record = exporter.get_finished_logs()[0]
    # The SDK dropped "b"; adding the count attribute within the limit drops "c".
    assert dict(record.log_record.attributes) == {"a": "<email>", REDACTED_ATTRIBUTE: '{"email":1}'}
    assert record.dropped_attributes == 2


def test_resource_is_scrubbed(exporter: InMemoryLogRecordExporter) -> None:
    resource = Resource.create({"service.name": "svc", "cwd": "/Users/carla/app"})
    provider_with(exporter, resource=resource).get_logger("app").emit(body="hi")
    record = exporter.get_finished_logs()[0]
    assert record.resource.attributes["cwd"] == "/Users/<user>/app"
    assert record.log_record.body == "hi"


class Failing(LogRecordProcessor):
    def on_emit(self, log_record: ReadWriteLogRecord) -> None:
        raise RuntimeError("emit")

    def enabled(self, **kwargs: Any) -> bool:
        raise RuntimeError("enabled")

    def shutdown(self) -> None:
        raise RuntimeError("shutdown")

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        raise RuntimeError("flush")


def test_failures_never_reach_the_app(caplog: pytest.LogCaptureFixture) -> None:
    processor = PiiRedactingLogRecordProcessor(Failing())
    provider = LoggerProvider(shutdown_on_exit=False)
    provider.add_log_record_processor(processor)
    logger = provider.get_logger("app")
    with caplog.at_level(logging.ERROR, "automagik_telemetry"):
        assert logger.enabled() is True
        logger.emit(body="maria@example.com")
        assert processor.force_flush() is False
        processor.shutdown()
    assert len([r for r in caplog.records if "log record processor failed" in r.message]) == 4


def test_a_record_that_cannot_be_scrubbed_is_dropped(caplog: pytest.LogCaptureFixture) -> None:
    received: list[ReadWriteLogRecord] = []

    class Keep(LogRecordProcessor):
        def on_emit(self, log_record: ReadWriteLogRecord) -> None:
            received.append(log_record)

        def shutdown(self) -> None: ...

        def force_flush(self, timeout_millis: int = 30000) -> bool:
            return True

    processor = PiiRedactingLogRecordProcessor(Keep())
    broken = ReadWriteLogRecord(LogRecord(body="maria@example.com"))
    broken.log_record = None  # type: ignore[assignment]
    with caplog.at_level(logging.ERROR, "automagik_telemetry"):
        processor.on_emit(broken)
    assert received == []
    assert "could not scrub a log record; it was dropped" in caplog.text
    assert processor.enabled() is True
    assert processor.force_flush() is True


def test_records_without_a_resource() -> None:
    received: list[ReadWriteLogRecord] = []

    class Keep(LogRecordProcessor):
        def on_emit(self, log_record: ReadWriteLogRecord) -> None:
            received.append(log_record)

        def shutdown(self) -> None: ...

        def force_flush(self, timeout_millis: int = 30000) -> bool:
            return True

    record = ReadWriteLogRecord(LogRecord(body="from 203.0.113.7"), resource=None)
    PiiRedactingLogRecordProcessor(Keep()).on_emit(record)
    assert received[0].log_record.body == "from <ip>"
    assert received[0].resource is None
