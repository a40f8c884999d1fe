"""The consent gates in front of exporters, with the real SDK pipeline."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pytest
from opentelemetry._logs import SeverityNumber
from opentelemetry.sdk._logs import LoggerProvider, ReadableLogRecord
from opentelemetry.sdk._logs.export import (
    InMemoryLogRecordExporter,
    LogRecordExporter,
    LogRecordExportResult,
    SimpleLogRecordProcessor,
)
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    InMemoryMetricReader,
    MetricExporter,
    MetricExportResult,
    MetricsData,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

from automagik_telemetry import ConsentLevel, ConsentState, TelemetryConfig
from automagik_telemetry.consent import ConsentStore
from automagik_telemetry.delivery.consent_gate import (
    ConsentGatedLogExporter,
    ConsentGatedMetricExporter,
    ConsentGatedSpanExporter,
)


def state(level: ConsentLevel, interval: float = 0.0) -> ConsentState:
    ConsentStore().write_preference(level, via="test")
    return ConsentState(TelemetryConfig(), environ={}, refresh_interval=interval)


def spans_through(level: ConsentLevel) -> list[str]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(
        SimpleSpanProcessor(ConsentGatedSpanExporter(exporter, state(level)))
    )
    tracer = provider.get_tracer("t")
    tracer.start_span("ok").end()
    failing = tracer.start_span("failed")
    failing.set_status(Status(StatusCode.ERROR, "boom"))
    failing.end()
    return [span.name for span in exporter.get_finished_spans()]


def logs_through(level: ConsentLevel) -> list[str]:
    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider(shutdown_on_exit=False)
    provider.add_log_record_processor(
        SimpleLogRecordProcessor(ConsentGatedLogExporter(exporter, state(level)))
    )
    logger = provider.get_logger("t")
    logger.emit(body="usage", severity_number=SeverityNumber.INFO)
    logger.emit(body="crash", severity_number=SeverityNumber.FATAL)
    logger.emit(body="error", severity_number=SeverityNumber.ERROR)
    logger.emit(body="no severity")
    return [str(record.log_record.body) for record in exporter.get_finished_logs()]


def test_all_lets_everything_through() -> None:
    assert spans_through(ConsentLevel.ALL) == ["ok", "failed"]
    assert logs_through(ConsentLevel.ALL) == ["usage", "crash", "error", "no severity"]


def test_errors_level_lets_only_errors_through() -> None:
    assert spans_through(ConsentLevel.ERRORS) == ["failed"]
    assert logs_through(ConsentLevel.ERRORS) == ["crash", "error"]


def test_off_lets_nothing_through() -> None:
    assert spans_through(ConsentLevel.OFF) == []
    assert logs_through(ConsentLevel.OFF) == []


def test_spans_queued_before_an_opt_out_are_discarded(isolated_user: Path) -> None:
    exporter = InMemorySpanExporter()
    gate = ConsentGatedSpanExporter(exporter, state(ConsentLevel.ALL))
    provider = TracerProvider(shutdown_on_exit=False)
    finished: list[ReadableSpan] = []

    class Collect(SimpleSpanProcessor):
        def on_end(self, span: ReadableSpan) -> None:
            finished.append(span)

    provider.add_span_processor(Collect(exporter))
    provider.get_tracer("t").start_span("queued").end()
    (isolated_user / ".automagik-no-telemetry").touch()
    assert gate.export(finished) is SpanExportResult.SUCCESS
    assert exporter.get_finished_spans() == ()


def metric_data(level: ConsentLevel) -> tuple[list[MetricsData], ConsentGatedMetricExporter]:
    exported: list[MetricsData] = []

    class Collect(MetricExporter):
        def export(
            self, metrics_data: MetricsData, timeout_millis: float = 0, **_: object
        ) -> MetricExportResult:
            exported.append(metrics_data)
            return MetricExportResult.SUCCESS

        def force_flush(self, timeout_millis: float = 0) -> bool:
            return True

        def shutdown(self, timeout_millis: float = 0, **_: object) -> None:
            pass

    gate = ConsentGatedMetricExporter(Collect(), state(level))
    reader = PeriodicExportingMetricReader(gate, export_interval_millis=3_600_000)
    provider = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
    provider.get_meter("m").create_counter("c").add(1)
    provider.force_flush()
    provider.shutdown()
    return exported, gate


def test_metrics_leave_only_at_level_all() -> None:
    assert len(metric_data(ConsentLevel.ALL)[0]) >= 1
    assert metric_data(ConsentLevel.ERRORS)[0] == []
    assert metric_data(ConsentLevel.OFF)[0] == []


def test_metric_gate_keeps_the_wrapped_exporters_preferences() -> None:
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk.metrics import Counter

    inner = OTLPMetricExporter(preferred_temporality={Counter: AggregationTemporality.DELTA})
    gate = ConsentGatedMetricExporter(inner, state(ConsentLevel.ALL))
    assert gate._preferred_temporality[Counter] is AggregationTemporality.DELTA
    inner.shutdown()


class _Exploding(SpanExporter, LogRecordExporter, MetricExporter):  # type: ignore[misc]
    def __init__(self) -> None:
        MetricExporter.__init__(self)

    def export(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        raise RuntimeError("backend bug")

    def shutdown(self, *args: object, **kwargs: object) -> None:
        raise RuntimeError("shutdown bug")

    def force_flush(self, *args: object, **kwargs: object) -> bool:
        raise RuntimeError("flush bug")


def test_a_failing_exporter_never_raises_into_the_app(caplog: pytest.LogCaptureFixture) -> None:
    consent = state(ConsentLevel.ALL)
    spans = ConsentGatedSpanExporter(_Exploding(), consent)
    logs = ConsentGatedLogExporter(_Exploding(), consent)
    metrics = ConsentGatedMetricExporter(_Exploding(), consent)
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(spans))
    provider.get_tracer("t").start_span("s").end()
    assert spans.export([]) is SpanExportResult.SUCCESS  # nothing to send: not even called
    fake_span: Sequence[ReadableSpan] = [ReadableSpan(name="x")]
    assert spans.export(fake_span) is SpanExportResult.FAILURE
    log_provider = LoggerProvider(shutdown_on_exit=False)
    records: list[ReadableLogRecord] = []
    collector = InMemoryLogRecordExporter()
    log_provider.add_log_record_processor(SimpleLogRecordProcessor(collector))
    log_provider.get_logger("t").emit(body="x")
    records.extend(collector.get_finished_logs())
    assert logs.export(records) is LogRecordExportResult.FAILURE
    reader = InMemoryMetricReader()
    MeterProvider(metric_readers=[reader], shutdown_on_exit=False).get_meter("m").create_counter(
        "c"
    ).add(1)
    data = reader.get_metrics_data()
    assert data is not None
    assert metrics.export(data) is MetricExportResult.FAILURE
    for gate in (spans, logs, metrics):
        gate.shutdown()
        assert gate.force_flush() is False
    for kind in (
        "span exporter failed",
        "log exporter failed",
        "metric exporter failed",
        "shutdown failed",
        "flush failed",
    ):
        assert kind in caplog.text
    assert all(r.levelno >= logging.ERROR for r in caplog.records if "failed" in r.getMessage())
