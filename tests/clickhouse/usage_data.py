"""A small, known week of usage written by our exporters, for the report and dashboard tests.

Three installs (two versions, two operating systems, two Python versions), a service without
install ids, events of eleven names, spans with known durations, errors recorded the way
``track_error`` records them (a span event and an error log record on the same span) and
outside spans, and log records of every severity, one with personal data and one with markup.
The expected answers are computed here from what was written, not from ClickHouse.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import trace
from opentelemetry._logs import LogRecord, SeverityNumber
from opentelemetry.sdk._logs import LoggerProvider, ReadableLogRecord
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode

from automagik_telemetry.exporters.clickhouse import ClickHouseLogExporter, ClickHouseSpanExporter

HOUR = 3600 * 10**9
EVENT_NAMES = [f"feature.{name}" for name in "abcdefghij"]
MARKUP = "<script>alert('x')</script> & <b>bold</b>"
INSTALLS = (
    ("install-a", "forge", "1.0.0", "linux", "CPython", "3.11.7"),
    ("install-b", "forge", "1.1.0", "darwin", "CPython", "3.12.1"),
    ("install-c", "forge", "1.1.0", "linux", "CPython", "3.12.4"),
)


class SyncError(Exception):
    pass


SYNC_ERROR = f"{SyncError.__module__}.{SyncError.__qualname__}"
"""How the SDK's ``record_exception`` and ``track_error`` name the type."""


@dataclass
class Usage:
    """What was written, and when ("now" is the newest timestamp)."""

    now: float
    spans: list[ReadableSpan] = field(default_factory=list)
    logs: list[ReadableLogRecord] = field(default_factory=list)

    def events(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for record in self.logs:
            name = record.log_record.event_name
            if name:
                counts[name] = counts.get(name, 0) + 1
        return counts

    def durations_ms(self) -> dict[str, list[float]]:
        out: dict[str, list[float]] = {}
        for span in self.spans:
            assert span.end_time is not None
            assert span.start_time is not None
            out.setdefault(span.name, []).append((span.end_time - span.start_time) / 1e6)
        return out

    def error_rate(self) -> float:
        errors = sum(1 for s in self.spans if s.status.status_code is StatusCode.ERROR)
        return errors / len(self.spans)


def _resource(install: tuple[str, ...]) -> Resource:
    install_id, service, version, os_type, runtime, runtime_version = install
    return Resource.create(
        {
            "service.name": service,
            "service.version": version,
            "os.type": os_type,
            "process.runtime.name": runtime,
            "process.runtime.version": runtime_version,
            "automagik.install.id": install_id,
        }
    )


def make_usage(now_ns: int | None = None) -> Usage:
    now_ns = now_ns or time.time_ns()
    usage = Usage(now=now_ns / 1e9)
    resources = [_resource(install) for install in INSTALLS]
    resources.append(Resource.create({"service.name": "legacy-worker"}))  # no install id
    for number, resource in enumerate(resources):
        spans, logs = InMemorySpanExporter(), InMemoryLogRecordExporter()
        tracer_provider = TracerProvider(resource=resource)
        tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
        logger_provider = LoggerProvider(resource=resource)
        logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
        tracer = tracer_provider.get_tracer("usage")
        logger = logger_provider.get_logger("usage")
        for session in range(6):
            at = now_ns - (number * 7 + session * 23 + 1) * HOUR
            _session(tracer, logger, number, session, at)
        tracer_provider.shutdown()
        logger_provider.shutdown()
        usage.spans += spans.get_finished_spans()
        usage.logs += logs.get_finished_logs()
    return usage


def _session(tracer: Any, logger: Any, number: int, session: int, at: int) -> None:
    duration = (10 + 7 * session + 3 * number) * 10**6  # 10 ms to ~60 ms
    name = ("cli add", "cli sync", "cli list")[session % 3]
    root = tracer.start_span(name, kind=SpanKind.SERVER, start_time=at)
    context = trace.set_span_in_context(root)
    child = tracer.start_span("db.query", context=context, start_time=at + 10**6)
    child.end(end_time=at + duration // 2)
    for index, event in enumerate(EVENT_NAMES[: 3 + (session + number) % 8]):
        logger.emit(
            LogRecord(
                timestamp=at + index,
                context=context,
                event_name=event,
                severity_number=SeverityNumber.INFO,
                severity_text="INFO",
                attributes={"feature": event},
            )
        )
    if name == "cli sync":  # what track_error does inside a span: span event + error record
        error = SyncError("server unreachable")
        root.record_exception(error, timestamp=at + duration // 2)
        root.set_status(Status(StatusCode.ERROR, "sync failed"))
        logger.emit(
            LogRecord(
                timestamp=at + duration // 2,
                context=context,
                event_name="automagik.error",
                severity_number=SeverityNumber.ERROR,
                severity_text="ERROR",
                body="SyncError: server unreachable",
                attributes={"exception.type": SYNC_ERROR, "exception.message": str(error)},
            )
        )
    if session == 0:
        logger.emit(
            LogRecord(
                timestamp=at + 2,
                severity_number=SeverityNumber.WARN,
                severity_text="WARN",
                body=f"disk almost full for maria@example.com {MARKUP} \x1b[2J" + "x" * 150,
            )
        )
        logger.emit(  # an error outside any span: counted on its own
            LogRecord(
                timestamp=at + 3,
                severity_number=SeverityNumber.ERROR,
                severity_text="ERROR",
                body="ValueError: bad config",
                attributes={"exception.type": "ValueError", "exception.message": "bad config"},
            )
        )
    root.end(end_time=at + duration)


def write_usage(url: str, database: str, usage: Usage, *, logs: bool = True) -> None:
    exporters: list[tuple[Any, Any]] = [
        (ClickHouseSpanExporter(url, database=database), usage.spans)
    ]
    if logs:
        exporters.append((ClickHouseLogExporter(url, database=database), usage.logs))
    for exporter, batch in exporters:
        assert exporter.export(batch).name == "SUCCESS"
        exporter.shutdown()
