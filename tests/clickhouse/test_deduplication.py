"""A spooled batch re-sent with its id is stored once (``insert_deduplication_token``), on the
embedded store and through the HTTP front: a replay after a crash or after a lost answer does
not double the rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from automagik_telemetry.exporters.clickhouse import ClickHouseSettings, ClickHouseSink
from automagik_telemetry.exporters.clickhouse.backend import ClickHouseBackend
from automagik_telemetry.spool.codec import encode_batch
from tests.support.clickhouse_http import ClickHouseFront

from .telemetry import many_spans, sample_logs, sample_metrics


def backend_for(url: str, database: str, **options: Any) -> ClickHouseBackend:
    sink = ClickHouseSink.open(ClickHouseSettings.create(url, database=database, **options))
    sink.acquire()
    return ClickHouseBackend(sink)


def count(engine: Any, database: str, table: str) -> int:
    return int(engine.command(f"SELECT count() FROM `{database}`.`{table}`"))


def resend_each_batch_twice(backend: ClickHouseBackend) -> None:
    for signal, items in (
        ("traces", many_spans(50)),
        ("logs", sample_logs()),
        ("metrics", sample_metrics()),
    ):
        payload = encode_batch(signal, items)
        for _ in range(2):
            assert backend.send_request(signal, payload, 10, batch_id=f"{signal}-1").delivered
        assert backend.send_request(signal, payload, 10, batch_id=f"{signal}-2").delivered
    backend.shutdown()


def test_a_batch_sent_again_with_its_id_is_stored_once(
    store_path: Path, database: str, engine: Any
) -> None:
    resend_each_batch_twice(backend_for(f"chdb://{store_path}", database))
    assert count(engine, database, "otel_traces") == 2 * 50  # ids 1 and 2, not 1, 1 and 2
    assert count(engine, database, "otel_logs") == 2 * 4
    assert count(engine, database, "otel_metrics_sum") == 2 * 3
    assert count(engine, database, "otel_metrics_exponential_histogram") == 2 * 1


@pytest.mark.parametrize("async_insert", [False, True])
def test_the_token_goes_to_a_server_too(
    fresh_front: ClickHouseFront, database: str, engine: Any, async_insert: bool
) -> None:
    resend_each_batch_twice(backend_for(fresh_front.url, database, async_insert=async_insert))
    assert count(engine, database, "otel_traces") == 2 * 50
    inserts = [r for r in fresh_front.requests if "insert_deduplication_token" in r.params]
    assert {r.params["insert_deduplication_token"] for r in inserts} >= {"traces-1", "logs-2"}
    # server-side async inserts deduplicate only when asked to
    assert {r.params.get("async_insert_deduplicate") for r in inserts} == (
        {"1"} if async_insert else {None}
    )
    engine.command(f"DROP DATABASE `{database}`")


def test_without_an_id_identical_rows_count_once_and_new_rows_are_stored(
    store_path: Path, database: str, engine: Any
) -> None:
    """Our tables deduplicate like Replicated ones: without a token, by the block's content (an
    identical block is the same batch again: span ids are random); any new batch is stored."""
    backend = backend_for(f"chdb://{store_path}", database)
    payload = encode_batch("traces", many_spans(10))
    for _ in range(2):
        assert backend.send_request("traces", payload, 10).delivered
    assert backend.send_request("traces", encode_batch("traces", many_spans(10)), 10).delivered
    backend.shutdown()
    assert count(engine, database, "otel_traces") == 20
