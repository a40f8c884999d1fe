"""ClickHouse faults with the durable spool: the table dropped mid-run, and the server front
going away. Rows written are counted against rows produced."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace

from automagik_telemetry import configure_automagik
from tests.reliability.conftest import wait_until


def produce(prefix: str, count: int) -> None:
    tracer = trace.get_tracer("faults")
    for index in range(count):
        tracer.start_span(f"{prefix}-{index}").end()


def reliable_clickhouse(store_path: Path, database: str, spool: Path) -> Any:
    """The embedded store with a private spool and test-speed retries."""
    return configure_automagik(
        enabled=True,
        service_name="faults",
        backend="clickhouse",
        clickhouse_url=f"chdb://{store_path}",
        clickhouse_database=database,
        spool_dir=spool,
        schedule_delay=0.05,
        retry_initial_backoff=0.05,
        retry_max_backoff=0.2,
    )


def test_a_table_dropped_mid_run_is_recreated_and_nothing_is_lost(
    store_path: Path, database: str, engine: Any, tmp_path: Path
) -> None:
    handle = reliable_clickhouse(store_path, database, tmp_path / "spool")
    table = f"`{database}`.otel_traces"
    produce("before", 3000)
    assert handle.force_flush(10)
    assert engine.command(f"SELECT count() FROM {table}") == 3000

    engine.command(f"DROP TABLE {table}")
    produce("after", 3000)
    handle.force_flush(10)
    assert wait_until(
        lambda: (
            engine.command(f"EXISTS TABLE {table}") == 1
            and engine.command(f"SELECT count() FROM {table}") == 3000
        )
    )
    assert engine.command(f"SELECT uniqExact(SpanName) FROM {table}") == 3000
    assert engine.command(f"SELECT countIf(SpanName LIKE 'before-%') FROM {table}") == 0


def test_exporters_sharing_a_connection_close_it_with_the_last_one(
    store_path: Path, database: str, engine: Any
) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    from automagik_telemetry import ClickHouseLogExporter, ClickHouseSpanExporter
    from automagik_telemetry.exporters.clickhouse.settings import ClickHouseSettings
    from automagik_telemetry.exporters.clickhouse.sink import ClickHouseSink

    sink = ClickHouseSink.open(ClickHouseSettings.create(f"chdb://{store_path}", database=database))
    logs = ClickHouseLogExporter(sink=sink)
    spans = ClickHouseSpanExporter(sink=sink)
    logs.shutdown()  # one exporter gone: the connection stays for the other
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(spans))
    provider.get_tracer("t").start_span("still-connected").end()
    assert engine.command(f"SELECT count() FROM `{database}`.otel_traces") == 1
    spans.shutdown()


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_worker_spools_for_the_embedded_stores_owner(
    store_path: Path, database: str, engine: Any, tmp_path: Path
) -> None:
    """chDB belongs to one process: a pre-forked worker cannot open it. Its data goes to the
    shared spool, and the parent — the store's owner — writes it."""
    handle = reliable_clickhouse(store_path, database, tmp_path / "spool")
    produce("parent", 10)
    assert handle.force_flush(10)
    pid = os.fork()
    if pid == 0:  # a worker: handles requests, then exits
        produce("worker", 100)
        handle._shutdown_at_exit()
        os._exit(0)
    assert os.waitpid(pid, 0)[1] == 0
    table = f"`{database}`.otel_traces"
    assert wait_until(lambda: engine.command(f"SELECT count() FROM {table}") == 110)
    assert engine.command(f"SELECT uniqExact(SpanName) FROM {table}") == 110


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_worker_forked_while_the_store_starts_does_not_hang(
    store_path: Path, database: str, engine: Any, tmp_path: Path
) -> None:
    """Forked while a thread of the parent prepares the store (its lock held): the worker does
    not wait for a thread it does not have; its spans reach the store through the spool."""
    handle = reliable_clickhouse(store_path, database, tmp_path / "spool")
    produce("parent", 10)
    assert handle.force_flush(10)
    [stage] = handle.pipeline.stages
    with stage.backend.sink._prepare_lock:  # as the start-up thread holds it
        pid = os.fork()
        if pid == 0:
            produce("worker", 20)
            handle._shutdown_at_exit()
            os._exit(0)
    exited = wait_until(lambda: os.waitpid(pid, os.WNOHANG)[0] == pid, timeout=60)
    if not exited:  # hung: do not leave it behind
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert exited
    table = f"`{database}`.otel_traces"
    assert wait_until(lambda: engine.command(f"SELECT count() FROM {table}") == 30, timeout=60)
