"""Every table exists after the first start, as the collector makes them: tools that open all
of a signal's tables (HyperDX's metric sources, Grafana's trace lookup) work even for the
kinds this program never writes."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from opentelemetry import trace

from automagik_telemetry import configure_automagik
from automagik_telemetry.exporters.clickhouse import (
    ClickHouseLogExporter,
    ClickHouseSettings,
    ClickHouseSink,
    ClickHouseSpanExporter,
)
from automagik_telemetry.exporters.clickhouse.tables import METRIC_KINDS
from tests.support.polling import wait_until

from .telemetry import many_spans, sample_logs

ALL_TABLES = {
    "otel_traces",
    "otel_traces_trace_id_ts",
    "otel_traces_trace_id_ts_mv",
    "otel_logs",
    *(f"otel_{kind}" for kind in METRIC_KINDS),
}


def tables(engine: Any, database: str) -> set[str]:
    return {row[0] for row in engine.query(f"SHOW TABLES FROM `{database}`").result_rows}


def hyperdx_metric_names(engine: Any, database: str, table: str) -> list[str]:
    """What HyperDX's metric source asks of each metric table: its columns (the source form
    checks them) and the metric names seen in the window (the metric picker)."""
    columns = {row[0] for row in engine.query(f"DESCRIBE TABLE `{database}`.`{table}`").result_rows}
    assert {"MetricName", "TimeUnix", "ServiceName", "Attributes"} <= columns
    rows = engine.query(
        f"SELECT DISTINCT MetricName FROM `{database}`.`{table}` "
        "WHERE TimeUnix >= now64(9) - INTERVAL 1 DAY AND TimeUnix <= now64(9) + INTERVAL 1 HOUR "
        "ORDER BY MetricName LIMIT 10000"
    ).result_rows
    return [row[0] for row in rows]


def test_a_program_that_only_traces_gets_every_table(
    store_path: Path, database: str, engine: Any
) -> None:
    exporter = ClickHouseSpanExporter(f"chdb://{store_path}", database=database)
    assert exporter.export(many_spans(10)).name == "SUCCESS"
    exporter.shutdown()
    assert tables(engine, database) == ALL_TABLES
    for kind in METRIC_KINDS:  # HyperDX's summary and exponential-histogram sources included
        assert hyperdx_metric_names(engine, database, f"otel_{kind}") == []
    lookup = engine.query(f"SELECT count() FROM `{database}`.otel_traces_trace_id_ts")
    assert lookup.result_rows == [(2,)]  # the view fed the trace-id table: two traces


def test_a_table_that_does_not_fit_blocks_only_itself(
    store_path: Path, database: str, engine: Any, caplog: Any
) -> None:
    engine.command(f"CREATE DATABASE `{database}`")
    engine.command(
        f"CREATE TABLE `{database}`.otel_traces (Timestamp DateTime64(9), TraceId UInt64) "
        "ENGINE = MergeTree ORDER BY Timestamp"
    )
    sink = ClickHouseSink.open(ClickHouseSettings.create(f"chdb://{store_path}", database=database))
    spans = ClickHouseSpanExporter(sink=sink)
    logs = ClickHouseLogExporter(sink=sink)
    assert spans.export(many_spans(5)).name == "FAILURE"
    assert logs.export(sample_logs()).name == "SUCCESS"
    spans.shutdown()
    logs.shutdown()
    assert f"table `{database}`.`otel_traces` does not fit" in caplog.text
    assert engine.command(f"SELECT count() FROM `{database}`.otel_logs") == 4
    # the lookup table's view reads the traces table: neither is made over one that does not fit
    lookup = {"otel_traces_trace_id_ts", "otel_traces_trace_id_ts_mv"}
    assert tables(engine, database) == ALL_TABLES - lookup


def test_without_create_schema_missing_tables_block_only_their_kind(
    store_path: Path, database: str, engine: Any
) -> None:
    url = f"chdb://{store_path}"
    with_schema = ClickHouseLogExporter(url, database=database)
    assert with_schema.export(sample_logs()).name == "SUCCESS"
    with_schema.shutdown()
    engine.command(f"DROP TABLE `{database}`.otel_traces_trace_id_ts_mv")
    engine.command(f"DROP TABLE `{database}`.otel_traces")
    settings = ClickHouseSettings.create(url, database=database, create_schema=False)
    sink = ClickHouseSink.open(settings)
    logs, spans = ClickHouseLogExporter(sink=sink), ClickHouseSpanExporter(sink=sink)
    assert logs.export(sample_logs()).name == "SUCCESS"
    assert spans.export(many_spans(5)).name == "FAILURE"
    logs.shutdown()
    spans.shutdown()
    assert "otel_traces" not in tables(engine, database)
    assert engine.command(f"SELECT count() FROM `{database}`.otel_logs") == 8


def test_a_logs_table_dropped_under_the_backend_is_made_again(
    store_path: Path, database: str, engine: Any
) -> None:
    from automagik_telemetry.exporters.clickhouse.backend import ClickHouseBackend

    sink = ClickHouseSink.open(ClickHouseSettings.create(f"chdb://{store_path}", database=database))
    sink.acquire()
    backend = ClickHouseBackend(sink)
    assert backend.send_items("logs", sample_logs(), 10).delivered
    engine.command(f"DROP TABLE `{database}`.otel_logs")
    assert backend.send_items("logs", sample_logs(), 10).status == "retry"  # kept for the spool
    assert backend.send_items("logs", sample_logs(), 10).delivered
    backend.shutdown()
    assert engine.command(f"SELECT count() FROM `{database}`.otel_logs") == 4


def _starting() -> bool:
    return any(t.name == "automagik-clickhouse-start" for t in threading.enumerate())


def test_the_embedded_store_is_ready_before_the_first_span(
    store_path: Path, database: str, engine: Any, tmp_path: Path
) -> None:
    """configure_automagik opens the embedded store and makes every table at once, in the
    background (a tool can open them before the program made a span), without waiting."""
    handle = configure_automagik(
        enabled=True,
        backend="clickhouse",
        clickhouse_url=f"chdb://{store_path}",
        clickhouse_database=database,
        spool_dir=tmp_path / "spool",
    )
    try:
        assert wait_until(lambda: not _starting(), timeout=60)
        assert tables(engine, database) == ALL_TABLES
    finally:
        handle.shutdown(10)


def test_a_store_that_cannot_open_at_start_is_reported_by_the_first_write(
    store_path: Path, tmp_path: Path, caplog: Any
) -> None:
    """The start-up is quiet when the store cannot open (here: this process already holds
    another one); the first write meets the same problem and reports it, and the span is kept
    in the spool."""
    caplog.set_level(logging.WARNING, logger="automagik_telemetry")
    handle = configure_automagik(
        enabled=True,
        backend="clickhouse",
        clickhouse_url=f"chdb://{tmp_path / 'other'}",
        spool_dir=tmp_path / "spool",
    )
    try:
        assert wait_until(lambda: not _starting(), timeout=60)
        assert "another chDB store" not in caplog.text
        with trace.get_tracer("app").start_as_current_span("kept"):
            pass
        assert handle.force_flush(10)
        assert "another chDB store" in caplog.text
    finally:
        handle.shutdown(10)
