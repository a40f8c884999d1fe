"""Start-up problems of the embedded store and of existing tables, explained clearly."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from automagik_telemetry.exporters.clickhouse import (
    ClickHouseLogExporter,
    ClickHouseSpanExporter,
    StoreUnavailableError,
)
from automagik_telemetry.exporters.clickhouse.ddl import create_statements

from .telemetry import many_spans, sample_logs
from .test_embedded_spans import rows

_EXPORT_IN_CHILD = """
import logging, sys
logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stdout)
from automagik_telemetry.exporters.clickhouse import ClickHouseSpanExporter
from tests.clickhouse.telemetry import many_spans
exporter = ClickHouseSpanExporter(sys.argv[1], timeout=1)
print("RESULT", exporter.export(many_spans(5)).name)
exporter.shutdown()
"""


def run_child(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )


def test_a_second_process_on_the_same_store_gets_a_clear_error(
    store_path: Path, engine: Any
) -> None:
    """This test process holds the store; a second process must hear why it cannot. A held
    lock is temporary: the standalone exporter retries it within its timeout (the configured
    pipeline spools the batch instead, see test_locked_store.py)."""
    child = run_child(_EXPORT_IN_CHILD, f"chdb://{store_path}")
    assert "RESULT FAILURE" in child.stdout, child.stderr
    assert f"the embedded ClickHouse store at {store_path} is in use by another process" in (
        child.stdout
    )
    assert "Cannot lock file" in child.stdout
    assert "run a ClickHouse server" in child.stdout
    assert "within 1s" in child.stdout


def test_a_broken_store_directory_reports_the_engine_error(tmp_path: Path) -> None:
    """Not locked, just unusable (its status file is a directory): the engine's own error."""
    (tmp_path / "status").mkdir()
    child = run_child(_EXPORT_IN_CHILD, f"chdb://{tmp_path}")
    assert "RESULT FAILURE" in child.stdout, child.stderr
    assert "in use by another process" not in child.stdout
    assert "chdb engine" in child.stdout


def test_a_store_the_engine_cannot_create(tmp_path: Path) -> None:
    """No status file can be made at all (a dangling symlink): the engine's error again."""
    (tmp_path / "status").symlink_to(tmp_path / "missing" / "status")
    child = run_child(_EXPORT_IN_CHILD, f"chdb://{tmp_path}")
    assert "RESULT FAILURE" in child.stdout, child.stderr
    assert "in use by another process" not in child.stdout


def test_one_store_per_process(tmp_path: Path, engine: Any, caplog: Any) -> None:
    exporter = ClickHouseSpanExporter(f"chdb://{tmp_path / 'other'}")
    assert exporter.export(many_spans(5)).name == "FAILURE"
    assert "this process already uses another chDB store" in caplog.text
    with pytest.raises(StoreUnavailableError, match="one directory per process"):
        _ = exporter.sink.connection.client
    exporter.shutdown()
    with pytest.raises(StoreUnavailableError, match="shut down"):
        _ = exporter.sink.connection.client


def test_schema_mismatch_names_table_and_columns(
    store_path: Path, database: str, engine: Any, caplog: Any
) -> None:
    engine.command(f"CREATE DATABASE `{database}`")
    engine.command(
        f"CREATE TABLE `{database}`.otel_traces (Timestamp DateTime64(9), TraceId UInt64, "
        "SpanId String, Duration String, SpanAttributes Map(String, String), "
        "StatusCode String ALIAS 'x') ENGINE = MergeTree ORDER BY Timestamp"
    )
    exporter = ClickHouseSpanExporter(f"chdb://{store_path}", database=database)
    assert exporter.export(many_spans(5)).name == "FAILURE"
    exporter.shutdown()
    message = caplog.text
    assert f"table `{database}`.`otel_traces` does not fit" in message
    assert "column TraceId is UInt64, expected String" in message
    assert "column Duration is String, expected UInt64 or Int64" in message
    assert "column StatusCode is ALIAS and cannot be written" in message
    assert "column SpanName (String) is missing" in message
    assert "ADD COLUMN `SpanName` String" in message
    assert engine.command(f"SELECT count() FROM `{database}`.otel_traces") == 0


def test_a_table_only_wrong_in_types_gets_no_add_column_hint(
    store_path: Path, database: str, engine: Any, caplog: Any
) -> None:
    exporter = ClickHouseSpanExporter(f"chdb://{store_path}", database=database)
    for statement in create_statements(exporter.sink.settings, ["traces"], lookup=False):
        engine.command(statement)
    engine.command(f"ALTER TABLE `{database}`.otel_traces MODIFY COLUMN StatusMessage UInt8")
    assert exporter.export(many_spans(5)).name == "FAILURE"
    exporter.shutdown()
    assert "column StatusMessage is UInt8, expected String. Fix: or point" in caplog.text


def test_older_collector_tables_are_accepted(
    store_path: Path, database: str, engine: Any, caplog: Any
) -> None:
    """A logs table from an older collector (UInt32 TraceFlags, Int32 SeverityNumber, no
    EventName): rows are written, the missing optional column is reported once."""
    engine.command(f"CREATE DATABASE `{database}`")
    engine.command(
        f"CREATE TABLE `{database}`.otel_logs (Timestamp DateTime64(9), TraceId String, "
        "SpanId String, TraceFlags UInt32, SeverityText LowCardinality(String), "
        "SeverityNumber Int32, ServiceName LowCardinality(String), Body String, "
        "ResourceSchemaUrl String, ResourceAttributes Map(LowCardinality(String), String), "
        "ScopeSchemaUrl String, ScopeName String, ScopeVersion String, "
        "ScopeAttributes Map(LowCardinality(String), String), "
        "LogAttributes Map(LowCardinality(String), String)) "
        "ENGINE = MergeTree ORDER BY (ServiceName, Timestamp)"
    )
    exporter = ClickHouseLogExporter(f"chdb://{store_path}", database=database, create_schema=False)
    assert exporter.export(sample_logs()).name == "SUCCESS"
    assert exporter.export(sample_logs()).name == "SUCCESS"
    exporter.shutdown()
    assert caplog.text.count("has no column EventName") == 1
    stored = rows(engine, f"SELECT SeverityNumber, TraceFlags FROM `{database}`.otel_logs")
    assert len(stored) == 8


def test_a_write_after_shutdown_on_a_store_handle_taken_before(
    store_path: Path, database: str
) -> None:
    """An attempt that got the store's connection just before a shutdown closed it is told the
    exporter was shut down (never a call on a closed engine handle); closing twice is harmless."""
    exporter = ClickHouseSpanExporter(f"chdb://{store_path}", database=database)
    assert exporter.export(many_spans(5)).name == "SUCCESS"
    store = exporter.sink.connection._embedded_store()
    exporter.shutdown()
    with pytest.raises(StoreUnavailableError, match="shut down"):
        store.query("SELECT 1")
    store.close()
