"""The SDK exporters: ``ClickHouseSpanExporter``, ``ClickHouseLogExporter``,
``ClickHouseMetricExporter``.

Standard ``SpanExporter``/``LogRecordExporter``/``MetricExporter`` implementations, usable on
their own with the SDK's batch processors and metric readers::

    exporter = ClickHouseSpanExporter("chdb:///var/lib/myapp/telemetry")
    provider.add_span_processor(BatchSpanProcessor(exporter))

Each takes a URL and the options of ``ClickHouseSettings.create`` (``database``, ``ttl``,
``table_prefix``, ...), or ready ``settings``, or a ``sink`` shared with the other two (what
``configure_automagik`` does, so the three share one connection). Nothing connects until the
first export; exports never raise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from opentelemetry.sdk._logs import ReadableLogRecord
from opentelemetry.sdk._logs.export import LogRecordExporter, LogRecordExportResult
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    MetricExporter,
    MetricExportResult,
    MetricsData,
)
from opentelemetry.sdk.metrics.view import Aggregation
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from ...diagnostics import internal_log
from .compact import spans_block
from .logs import logs_block
from .metrics import MetricColumns, add_sdk_metrics
from .native import NativeBlock
from .settings import ClickHouseSettings
from .sink import ClickHouseSink

__all__ = ["ClickHouseLogExporter", "ClickHouseMetricExporter", "ClickHouseSpanExporter"]


class _SinkExporter:
    """What the three exporters share: a (possibly shared) sink, released once at shutdown.

    Nothing is buffered here (every export is written before it returns), so a flush has
    nothing to wait for."""

    def __init__(
        self,
        url: str | None,
        settings: ClickHouseSettings | None,
        sink: ClickHouseSink | None,
        options: dict[str, Any],
    ) -> None:
        if sink is None:
            sink = ClickHouseSink.open(settings or ClickHouseSettings.create(url, **options))  # type: ignore[arg-type]
        sink.acquire()
        self.sink = sink
        self._shut_down = False

    def _write(self, table: str, build: Callable[[Any], NativeBlock], items: Any) -> bool:
        """Encode ``items`` and write them; ``True`` when there was nothing to write."""
        if self._shut_down:
            return False
        if not items:
            return True
        try:
            block = build(items)
        except Exception:
            internal_log.error(
                f"clickhouse.encode.{table}",
                "could not encode %s for ClickHouse",
                table,
                exc_info=True,
            )
            return False
        return self.sink.write(table, block)

    def _release(self) -> None:
        if not self._shut_down:
            self._shut_down = True
            self.sink.release()


class ClickHouseSpanExporter(_SinkExporter, SpanExporter):
    """Spans into the traces table (``otel_traces`` by default)."""

    def __init__(
        self,
        url: str | None = None,
        *,
        settings: ClickHouseSettings | None = None,
        sink: ClickHouseSink | None = None,
        **options: Any,
    ) -> None:
        super().__init__(url, settings, sink, options)

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self._write("traces", spans_block, spans):
            return SpanExportResult.SUCCESS
        return SpanExportResult.FAILURE

    def shutdown(self) -> None:
        self._release()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


class ClickHouseLogExporter(_SinkExporter, LogRecordExporter):
    """Log records into the logs table (``otel_logs`` by default)."""

    def __init__(
        self,
        url: str | None = None,
        *,
        settings: ClickHouseSettings | None = None,
        sink: ClickHouseSink | None = None,
        **options: Any,
    ) -> None:
        super().__init__(url, settings, sink, options)

    def export(self, batch: Sequence[ReadableLogRecord]) -> LogRecordExportResult:
        if self._write("logs", logs_block, batch):
            return LogRecordExportResult.SUCCESS
        return LogRecordExportResult.FAILURE

    def shutdown(self) -> None:
        self._release()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


class ClickHouseMetricExporter(_SinkExporter, MetricExporter):
    """Metric points into ``otel_metrics_gauge``, ``_sum``, ``_histogram``,
    ``_exponential_histogram`` and ``_summary`` (by default)."""

    def __init__(
        self,
        url: str | None = None,
        *,
        settings: ClickHouseSettings | None = None,
        sink: ClickHouseSink | None = None,
        preferred_temporality: dict[type, AggregationTemporality] | None = None,
        preferred_aggregation: dict[type, Aggregation] | None = None,
        **options: Any,
    ) -> None:
        MetricExporter.__init__(self, preferred_temporality, preferred_aggregation)
        _SinkExporter.__init__(self, url, settings, sink, options)

    def export(
        self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any
    ) -> MetricExportResult:
        if self._shut_down:
            return MetricExportResult.FAILURE
        tables: dict[str, MetricColumns] = {}
        try:
            skipped = add_sdk_metrics(tables, metrics_data)
            blocks = {kind: columns.block() for kind, columns in tables.items()}
        except Exception:
            internal_log.error(
                "clickhouse.encode.metrics",
                "could not encode metrics for ClickHouse",
                exc_info=True,
            )
            return MetricExportResult.FAILURE
        if skipped:
            internal_log.warning(
                "clickhouse.metrics.unsupported",
                "metrics of a type ClickHouse has no table for were skipped: %s",
                ", ".join(sorted(set(skipped))),
            )
        results = [self.sink.write(kind, block) for kind, block in blocks.items()]
        return MetricExportResult.SUCCESS if all(results) else MetricExportResult.FAILURE

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        self._release()

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return True
