"""Error policy and defensive paths: nothing raises into the application."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk._logs import ReadableLogRecord
from opentelemetry.sdk._logs._internal import LogRecord as SDKLogRecord
from opentelemetry.sdk.metrics.export import Metric, MetricsData, ResourceMetrics, ScopeMetrics
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext

from automagik_telemetry import ConfigurationError, TelemetryConfig
from automagik_telemetry.exporters.clickhouse import (
    ClickHouseLogExporter,
    ClickHouseMetricExporter,
    ClickHouseSpanExporter,
    SchemaMismatchError,
)
from automagik_telemetry.exporters.clickhouse.compact import spans_block
from automagik_telemetry.exporters.clickhouse.errors import Backoff, is_transient
from automagik_telemetry.status import describe_destinations

from .telemetry import RESOURCE, tracer_provider


class CodedError(Exception):
    def __init__(self, message: str, code: int | None) -> None:
        super().__init__(message)
        self.code = code


class OperationalError(Exception):
    """Stands for clickhouse-connect's transport error class (matched by name)."""


def test_transient_classification() -> None:
    assert is_transient(ConnectionRefusedError())
    assert is_transient(TimeoutError())
    assert is_transient(OperationalError("refused"))
    assert is_transient(CodedError("too many parts", 252))
    assert not is_transient(CodedError("unknown table", 60))
    assert is_transient(CodedError("HTTP driver received HTTP status 502", None))
    assert not is_transient(CodedError("HTTP driver received HTTP status 401", None))
    assert not is_transient(SchemaMismatchError("x"))
    assert not is_transient(ValueError("bug"))


def test_backoff_is_capped_and_jittered() -> None:
    delays = list(itertools.islice(Backoff(initial=1, maximum=4).delays(), 6))
    assert all(0.5 <= d <= 1 for d in delays[:1])
    assert all(2 <= d <= 4 for d in delays[3:])
    assert max(delays) <= 4


def test_bad_compression_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="lz4, zstd, gzip, none"):
        TelemetryConfig.resolve(
            {}, backend="clickhouse", clickhouse_url="http://h", clickhouse_compression="br"
        )


def test_debug_mode_still_describes_the_console() -> None:
    config = TelemetryConfig.resolve({}, backend="clickhouse", clickhouse_url="http://h")
    assert "stderr" in describe_destinations(config.with_overrides(verbose=True))["console"]


def test_unencodable_data_is_logged_not_raised(
    store_path: Path, database: str, caplog: Any
) -> None:
    url = f"chdb://{store_path}"
    spans = ClickHouseSpanExporter(url, database=database)
    logs = ClickHouseLogExporter(url, database=database)
    metrics = ClickHouseMetricExporter(url, database=database)
    broken_metrics = MetricsData(
        [ResourceMetrics(RESOURCE, [ScopeMetrics(InstrumentationScope("x"), [object()], "")], "")]  # type: ignore[list-item]
    )
    assert spans.export([object()]).name == "FAILURE"  # type: ignore[list-item]
    assert logs.export([object()]).name == "FAILURE"  # type: ignore[list-item]
    assert metrics.export(broken_metrics).name == "FAILURE"
    for exporter in (spans, logs, metrics):
        exporter.shutdown()
        exporter.shutdown()
    assert caplog.text.count("could not encode") == 3


def test_records_without_scope_and_links_without_attributes(
    store_path: Path, database: str, engine: Any
) -> None:
    record = ReadableLogRecord(SDKLogRecord(body="bare", observed_timestamp=5), resource=RESOURCE)
    exporter = ClickHouseLogExporter(f"chdb://{store_path}", database=database)
    assert exporter.export([record]).name == "SUCCESS"
    exporter.shutdown()
    assert engine.command(f"SELECT ScopeName = '' AND Body = 'bare' FROM `{database}`.otel_logs")
    provider, memory = tracer_provider()
    link = Link(SpanContext(1, 2, is_remote=False))
    with provider.get_tracer("t").start_as_current_span("linked", links=[link]):
        pass
    block = spans_block(memory.get_finished_spans())
    assert block.rows == 1
    assert "Links.Attributes" in block.names


def test_a_missing_database_without_create_schema(
    store_path: Path, database: str, caplog: Any
) -> None:
    exporter = ClickHouseSpanExporter(
        f"chdb://{store_path}", database=f"{database}_absent", create_schema=False
    )
    assert exporter.export(list(_one_span())).name == "FAILURE"
    exporter.shutdown()
    assert "UNKNOWN_DATABASE" in caplog.text


def _one_span() -> Any:
    provider, memory = tracer_provider()
    with provider.get_tracer("t").start_as_current_span("one"):
        pass
    return memory.get_finished_spans()


def test_metric_with_no_points_writes_nothing(store_path: Path, database: str) -> None:
    from opentelemetry.sdk.metrics.export import Gauge

    data = MetricsData(
        [
            ResourceMetrics(
                RESOURCE,
                [ScopeMetrics(InstrumentationScope("x"), [Metric("g", None, None, Gauge([]))], "")],
                "",
            )
        ]
    )
    exporter = ClickHouseMetricExporter(f"chdb://{store_path}", database=database)
    assert exporter.export(data).name == "SUCCESS"
    exporter.shutdown()


def test_overridden_properties_are_respected(store_path: Path, database: str, engine: Any) -> None:
    """A span class that presents redacted attributes (as a privacy processor's view might)
    is read through its properties, never through the fields behind them."""
    from opentelemetry.attributes import BoundedAttributes
    from opentelemetry.sdk.trace import ReadableSpan

    class RedactedView(ReadableSpan):
        @property
        def attributes(self) -> Any:
            return {"user.email": "<email>"}

    class RedactingAttributes(BoundedAttributes):
        def __iter__(self) -> Any:
            return iter(["token"])

        def __getitem__(self, key: str) -> Any:
            return "<redacted>"

        def __len__(self) -> int:
            return 1

    [original] = _one_span()
    secret = BoundedAttributes(attributes={"user.email": "ann@example.com"})
    view = RedactedView(
        name="view",
        context=original.context,
        resource=RESOURCE,
        attributes=secret,
        start_time=1,
        end_time=2,
    )
    attributes = RedactingAttributes(attributes={"token": "abc123"})
    copy = ReadableSpan(
        name="copy",
        context=original.context,
        resource=RESOURCE,
        attributes=attributes,
        start_time=1,
        end_time=2,
    )
    exporter = ClickHouseSpanExporter(f"chdb://{store_path}", database=database)
    assert exporter.export([view, copy]).name == "SUCCESS"
    exporter.shutdown()
    stored = dict(
        engine.query(f"SELECT SpanName, SpanAttributes FROM `{database}`.otel_traces").result_rows
    )
    assert stored == {"view": {"user.email": "<email>"}, "copy": {"token": "<redacted>"}}


def test_exporters_from_settings_or_nothing(store_path: Path, database: str) -> None:
    from automagik_telemetry.exporters.clickhouse import ClickHouseSettings

    settings = ClickHouseSettings.create(f"chdb://{store_path}", database=database)
    exporter = ClickHouseLogExporter(settings=settings)
    assert exporter.sink.settings is settings
    exporter.shutdown()
    with pytest.raises(ConfigurationError, match="clickhouse_url"):
        ClickHouseSpanExporter()
