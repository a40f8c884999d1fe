"""The HTTP path: the unmodified clickhouse-connect client against a ClickHouse HTTP interface.

By default that interface is the loopback front over the test engine (tests/support); with
AUTOMAGIK_TEST_CLICKHOUSE_URL set, the tests marked with ``server_url`` also run against that
real server. Fault tests (5xx answers, error codes) need the front and run only there.
"""

from __future__ import annotations

import logging
import socket
import time
from typing import Any

import clickhouse_connect
import pytest

from automagik_telemetry.exporters.clickhouse import (
    ClickHouseLogExporter,
    ClickHouseMetricExporter,
    ClickHouseSink,
    ClickHouseSpanExporter,
)
from automagik_telemetry.exporters.clickhouse.errors import Backoff
from automagik_telemetry.exporters.clickhouse.settings import ClickHouseSettings
from tests.support.clickhouse_http import ClickHouseFront, FrontRequest

from .telemetry import many_spans, sample_logs, sample_metrics, sample_spans

FAST = Backoff(initial=0.02, maximum=0.05)


def fast_exporter(url: str, **options: Any) -> ClickHouseSpanExporter:
    sink = ClickHouseSink.open(ClickHouseSettings.create(url, **options))
    sink.backoff = FAST
    return ClickHouseSpanExporter(sink=sink)


@pytest.mark.parametrize("compression", ["lz4", "zstd", "gzip", "none"])
def test_all_signals_over_http(
    server_url: str, server_client: Any, database: str, compression: str
) -> None:
    options = {"database": database, "compression": compression}
    spans = ClickHouseSpanExporter(server_url, **options)
    logs = ClickHouseLogExporter(server_url, **options)
    metrics = ClickHouseMetricExporter(server_url, **options)
    try:
        assert spans.export(sample_spans()).name == "SUCCESS"
        assert logs.export(sample_logs()).name == "SUCCESS"
        assert metrics.export(sample_metrics()).name == "SUCCESS"
    finally:
        for exporter in (spans, logs, metrics):
            exporter.shutdown()
    count = server_client.command
    assert count(f"SELECT count() FROM `{database}`.otel_traces") == 6
    assert count(f"SELECT count() FROM `{database}`.otel_logs") == 4
    assert count(f"SELECT count() FROM `{database}`.otel_metrics_sum") == 3
    assert count(f"SELECT count() FROM `{database}`.otel_metrics_exponential_histogram") == 1
    status = server_client.query(
        f"SELECT StatusCode FROM `{database}`.otel_traces ORDER BY StatusCode"
    ).result_columns[0]
    assert status == ["Error", "Ok", "Unset", "Unset", "Unset", "Unset"]


def test_the_front_sees_compressed_bodies_and_settings(
    fresh_front: ClickHouseFront, engine: Any, database: str
) -> None:
    url = f"{fresh_front.url}/?max_insert_threads=2"
    exporter = ClickHouseSpanExporter(url, database=database, async_insert=True)
    assert exporter.export(many_spans(50)).name == "SUCCESS"
    exporter.shutdown()
    inserts = [r for r in fresh_front.requests if r.query.startswith("INSERT")]
    assert len(inserts) == 1
    insert = inserts[0]
    assert insert.content_encoding == "lz4"
    assert insert.params["async_insert"] == "1"
    assert insert.params["wait_for_async_insert"] == "1"
    assert insert.params["max_insert_threads"] == "2"
    assert "database" not in insert.params  # tables are always qualified
    assert insert.query.startswith(f"INSERT INTO `{database}`.`otel_traces` (`Timestamp`")
    assert engine.command(f"SELECT count() FROM `{database}`.otel_traces") == 50


def test_chunked_compressed_requests_and_responses(fresh_front: ClickHouseFront) -> None:
    """clickhouse-connect's own generic insert streams a chunked body; responses come back
    compressed when asked for. The front (and a real server) must take both."""
    client = clickhouse_connect.get_client(
        dsn=fresh_front.url, compress="gzip", autogenerate_session_id=False
    )
    client.command("CREATE TABLE IF NOT EXISTS default.chunks (n UInt32, s String) ENGINE = Memory")
    client.insert("default.chunks", [[n, str(n)] for n in range(1000)], column_names=["n", "s"])
    assert client.query("SELECT sum(n) FROM default.chunks").result_rows == [(499500,)]
    assert any(r.chunked and r.content_encoding == "gzip" for r in fresh_front.requests)
    client.command("DROP TABLE default.chunks")
    client.close()


def test_credentials_from_the_url_and_settings(
    fresh_front: ClickHouseFront, engine: Any, database: str, caplog: Any
) -> None:
    fresh_front.user, fresh_front.password = "writer", "s3cret"
    host = fresh_front.url.removeprefix("http://")
    good = ClickHouseSpanExporter(f"http://writer:s3cret@{host}", database=database)
    assert good.export(many_spans(5)).name == "SUCCESS"
    good.shutdown()
    bad_url = f"http://writer:wrong@{host}"
    overridden = ClickHouseSpanExporter(bad_url, database=database, password="s3cret")
    assert overridden.export(many_spans(5)).name == "SUCCESS"
    overridden.shutdown()
    caplog.set_level(logging.ERROR, "automagik_telemetry")
    started = time.monotonic()
    denied = fast_exporter(bad_url, database=database)
    assert denied.export(many_spans(5)).name == "FAILURE"
    denied.shutdown()
    assert time.monotonic() - started < 2  # an authentication failure is not retried
    assert "516" in caplog.text
    assert "wrong" not in caplog.text
    assert "s3cret" not in caplog.text
    assert engine.command(f"SELECT count() FROM `{database}`.otel_traces") == 10


def _failing(times: int, status: int, code: int | None) -> Any:
    seen: list[FrontRequest] = []

    def fault(request: FrontRequest) -> tuple[int, int | None, str] | None:
        if request.query.startswith("INSERT") and len(seen) < times:
            seen.append(request)
            return status, code, "injected failure"
        return None

    return fault, seen


@pytest.mark.parametrize(
    ("status", "code"),
    [(503, None), (502, None), (500, None), (500, 252), (500, 242), (504, 159), (429, None)],
)
def test_transient_answers_are_retried(
    fresh_front: ClickHouseFront, engine: Any, database: str, status: int, code: int | None
) -> None:
    exporter = fast_exporter(fresh_front.url, database=database)
    assert exporter.export(many_spans(5)).name == "SUCCESS"  # schema ready before faults
    fresh_front.fault, seen = _failing(2, status, code)
    assert exporter.export(many_spans(5)).name == "SUCCESS"
    exporter.shutdown()
    assert len(seen) == 2
    assert engine.command(f"SELECT count() FROM `{database}`.otel_traces") == 10


@pytest.mark.parametrize(("status", "code"), [(500, 60), (400, 62), (500, 27)])
def test_permanent_errors_are_logged_once_and_not_retried(
    fresh_front: ClickHouseFront, database: str, status: int, code: int, caplog: Any
) -> None:
    exporter = fast_exporter(fresh_front.url, database=database)
    assert exporter.export(many_spans(5)).name == "SUCCESS"
    fresh_front.fault, seen = _failing(100, status, code)
    caplog.set_level(logging.WARNING, "automagik_telemetry")
    assert exporter.export(many_spans(5)).name == "FAILURE"
    assert exporter.export(many_spans(5)).name == "FAILURE"
    exporter.shutdown()
    assert len(seen) == 2  # one attempt per export
    messages = [r.getMessage() for r in caplog.records if "did not take" in r.getMessage()]
    assert len(messages) == 1  # rate-limited: once
    assert f"Code: {code}. DB::Exception: injected failure" in messages[0]


def test_retries_stop_at_the_timeout(
    fresh_front: ClickHouseFront, database: str, caplog: Any
) -> None:
    exporter = fast_exporter(fresh_front.url, database=database, timeout=0.5)
    assert exporter.export(many_spans(5)).name == "SUCCESS"
    fresh_front.fault, seen = _failing(10_000, 503, None)
    started = time.monotonic()
    assert exporter.export(many_spans(5)).name == "FAILURE"
    assert time.monotonic() - started < 1.5
    assert len(seen) >= 3
    assert "within 0s" in caplog.text or "within 1s" in caplog.text
    exporter.shutdown()


def test_a_closed_port_fails_quietly(database: str, caplog: Any) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    exporter = fast_exporter(f"http://127.0.0.1:{port}", database=database, timeout=0.4)
    started = time.monotonic()
    assert exporter.export(many_spans(5)).name == "FAILURE"
    assert time.monotonic() - started < 2
    assert "could not write 5 rows" in caplog.text
    assert "Connection refused" in caplog.text or "refused" in caplog.text.lower()
    exporter.shutdown()


def test_shutdown_interrupts_a_retry_wait(fresh_front: ClickHouseFront, database: str) -> None:
    import threading

    sink = ClickHouseSink.open(ClickHouseSettings.create(fresh_front.url, database=database))
    sink.backoff = Backoff(initial=30, maximum=30)
    exporter = ClickHouseSpanExporter(sink=sink)
    assert exporter.export(many_spans(5)).name == "SUCCESS"
    fresh_front.fault, _ = _failing(10, 503, None)
    threading.Timer(0.3, exporter.shutdown).start()
    started = time.monotonic()
    assert exporter.export(many_spans(5)).name == "FAILURE"
    assert time.monotonic() - started < 5


def test_unknown_table_without_create_schema(
    fresh_front: ClickHouseFront, database: str, caplog: Any
) -> None:
    exporter = fast_exporter(
        fresh_front.url, database="default", create_schema=False, table_prefix=f"missing_{database}"
    )
    assert exporter.export(many_spans(5)).name == "FAILURE"
    exporter.shutdown()
    assert f"table `default`.`missing_{database}_traces` does not exist" in caplog.text
    assert any(r.path == "/" and "DESCRIBE" in r.query for r in fresh_front.requests)


def test_async_inserts_and_url_settings(server_url: str, server_client: Any, database: str) -> None:
    separator = "&" if "?" in server_url else "?"
    url = f"{server_url}{separator}insert_deduplicate=1"
    exporter = ClickHouseLogExporter(url, database=database, async_insert=True)
    assert exporter.export(sample_logs()).name == "SUCCESS"
    exporter.shutdown()
    # acknowledged only once flushed (wait_for_async_insert=1): visible right away
    assert server_client.command(f"SELECT count() FROM `{database}`.otel_logs") == 4


def test_existing_tables_are_validated_over_http(
    server_url: str, server_client: Any, database: str, caplog: Any
) -> None:
    server_client.command(f"CREATE DATABASE IF NOT EXISTS `{database}`")
    server_client.command(
        f"CREATE TABLE `{database}`.otel_logs (Timestamp DateTime64(9), Body UInt8) "
        "ENGINE = MergeTree ORDER BY Timestamp"
    )
    exporter = ClickHouseLogExporter(server_url, database=database)
    assert exporter.export(sample_logs()).name == "FAILURE"
    exporter.shutdown()
    assert "column Body is UInt8, expected String" in caplog.text
    assert "column SeverityText (String) is missing" in caplog.text
