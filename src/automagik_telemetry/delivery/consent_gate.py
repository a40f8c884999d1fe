"""Consent gates in front of every exporter: the last check before data leaves the process.

They run on the exporter's background thread, so the app's thread pays nothing for them. They
drop everything queued before an opt-out (the sampler stops new spans, but a batch may already
be waiting), and at the ``errors`` level they let only error spans and error log records through;
metrics are usage data and are dropped. They also make the "never raise" promise concrete: an
exporter that throws is logged (rate-limited) and reported as a failed export.
"""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry.sdk._logs import ReadableLogRecord
from opentelemetry.sdk._logs.export import LogRecordExporter, LogRecordExportResult
from opentelemetry.sdk.metrics.export import MetricExporter, MetricExportResult, MetricsData
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import StatusCode

from ..config.level import ConsentLevel
from ..consent.runtime import ConsentState
from ..diagnostics import internal_log

__all__ = ["ConsentGatedLogExporter", "ConsentGatedMetricExporter", "ConsentGatedSpanExporter"]

_ERROR_SEVERITY = 17  # SeverityNumber.ERROR


def is_error_span(span: ReadableSpan) -> bool:
    return span.status.status_code is StatusCode.ERROR


def is_error_log(record: ReadableLogRecord) -> bool:
    severity = record.log_record.severity_number
    return severity is not None and severity.value >= _ERROR_SEVERITY


class ConsentGatedSpanExporter(SpanExporter):
    def __init__(self, exporter: SpanExporter, consent: ConsentState) -> None:
        self.exporter = exporter
        self._consent = consent

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        level = self._consent.level
        if level is ConsentLevel.ERRORS:
            spans = [span for span in spans if is_error_span(span)]
        if level is ConsentLevel.OFF or not spans:
            return SpanExportResult.SUCCESS
        try:
            return self.exporter.export(spans)
        except Exception:
            internal_log.error("export.spans", "span exporter failed", exc_info=True)
            return SpanExportResult.FAILURE

    def shutdown(self) -> None:
        try:
            self.exporter.shutdown()
        except Exception:
            internal_log.error("shutdown.spans", "span exporter shutdown failed", exc_info=True)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return _safe_flush(self.exporter.force_flush, timeout_millis, "spans")


class ConsentGatedLogExporter(LogRecordExporter):
    def __init__(self, exporter: LogRecordExporter, consent: ConsentState) -> None:
        self.exporter = exporter
        self._consent = consent

    def export(self, batch: Sequence[ReadableLogRecord]) -> LogRecordExportResult:
        level = self._consent.level
        if level is ConsentLevel.ERRORS:
            batch = [record for record in batch if is_error_log(record)]
        if level is ConsentLevel.OFF or not batch:
            return LogRecordExportResult.SUCCESS
        try:
            return self.exporter.export(batch)
        except Exception:
            internal_log.error("export.logs", "log exporter failed", exc_info=True)
            return LogRecordExportResult.FAILURE

    def shutdown(self) -> None:
        try:
            self.exporter.shutdown()  # type: ignore[no-untyped-call]
        except Exception:
            internal_log.error("shutdown.logs", "log exporter shutdown failed", exc_info=True)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return _safe_flush(self.exporter.force_flush, timeout_millis, "logs")


class ConsentGatedMetricExporter(MetricExporter):
    """Metrics are usage data: they leave only at the ``all`` level."""

    def __init__(self, exporter: MetricExporter, consent: ConsentState) -> None:
        super().__init__(
            preferred_temporality=exporter._preferred_temporality,
            preferred_aggregation=exporter._preferred_aggregation,
        )
        self.exporter = exporter
        self._consent = consent

    def export(
        self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: object
    ) -> MetricExportResult:
        if self._consent.level is not ConsentLevel.ALL:
            return MetricExportResult.SUCCESS
        try:
            return self.exporter.export(metrics_data, timeout_millis=timeout_millis, **kwargs)
        except Exception:
            internal_log.error("export.metrics", "metric exporter failed", exc_info=True)
            return MetricExportResult.FAILURE

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: object) -> None:
        try:
            self.exporter.shutdown(timeout_millis=timeout_millis, **kwargs)
        except Exception:
            internal_log.error("shutdown.metrics", "metric exporter shutdown failed", exc_info=True)

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return _safe_flush(self.exporter.force_flush, timeout_millis, "metrics")


def _safe_flush(flush: object, timeout_millis: float, signal: str) -> bool:
    try:
        return bool(flush(timeout_millis))  # type: ignore[operator]
    except Exception:
        internal_log.error(f"flush.{signal}", "%s exporter flush failed", signal, exc_info=True)
        return False
