"""Scale-out on a cluster: local Replicated tables ON CLUSTER, Distributed tables over them, the
trace-id view per shard, TTL on the local tables.

No cluster runs here, so the statements are checked as far as the real engine (chDB) can:
every one is parsed by ClickHouse's own parser (``EXPLAIN AST``); the local tables and the view
are created for real with ``ON CLUSTER`` removed and the Replicated engine replaced by its
plain variant, our rows go into them and the view fills the local trace-id table; each
Distributed table's sharding key is evaluated on its local table. What cannot run here
(replication, Distributed inserts, ``ON CLUSTER`` execution) is listed in docs/BACKENDS.md.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from automagik_telemetry import ConfigurationError
from automagik_telemetry.config import TelemetryConfig
from automagik_telemetry.config.clickhouse import TABLE_KINDS
from automagik_telemetry.exporters.clickhouse import (
    ClickHouseLogExporter,
    ClickHouseSettings,
    ClickHouseSpanExporter,
)
from automagik_telemetry.exporters.clickhouse.ddl import SHARDING_KEYS, create_statements
from tests.support.clickhouse_http import ClickHouseFront

from .telemetry import many_spans, sample_logs

_DISTRIBUTED = re.compile(
    r"CREATE TABLE IF NOT EXISTS `(?P<db>\w+)`\.`(?P<name>\w+)` ON CLUSTER `main`\n"
    r"AS `(?P=db)`\.`(?P<local>\w+)`\n"
    r"ENGINE = Distributed\('main', '(?P=db)', '(?P=local)', (?P<key>.+)\)$"
)


def clustered(database: str, **options: Any) -> list[str]:
    settings = ClickHouseSettings.create(
        "http://h", database=database, cluster_name="main", ttl="30d", **options
    )
    return create_statements(settings, TABLE_KINDS)


def test_the_cluster_layout(database: str) -> None:
    statements = clustered(database)
    assert statements[0] == f"CREATE DATABASE IF NOT EXISTS `{database}` ON CLUSTER `main`"
    assert all(" ON CLUSTER `main`" in statement for statement in statements)
    distributed = {
        match["name"]: (match["local"], match["key"])
        for statement in statements
        if (match := _DISTRIBUTED.match(statement))
    }
    tables = [f"otel_{kind}" for kind in TABLE_KINDS] + ["otel_traces_trace_id_ts"]
    assert sorted(distributed) == sorted(tables)  # one Distributed table per table, same name
    assert distributed["otel_traces"] == ("otel_traces_local", "cityHash64(TraceId)")
    assert distributed["otel_traces_trace_id_ts"][1] == "cityHash64(TraceId)"
    assert distributed["otel_logs"][1] == "if(TraceId = '', rand(), cityHash64(TraceId))"
    assert distributed["otel_metrics_sum"][1] == ("cityHash64(ServiceName, MetricName, Attributes)")
    local = [s for s in statements if s.startswith("CREATE TABLE") and "(\n" in s]
    assert len(local) == len(tables)
    for statement in local:  # the data and its TTL are on the local, replicated tables
        assert re.search(r"`\w+_local` ON CLUSTER `main` \(", statement)
        assert ") ENGINE = ReplicatedMergeTree()\n" in statement
        assert "\nTTL " in statement
        assert "toIntervalDay(30)" in statement
        assert "non_replicated_deduplication_window" not in statement
    (view,) = [s for s in statements if "MATERIALIZED VIEW" in s]
    assert f"TO `{database}`.`otel_traces_trace_id_ts_local`" in view
    assert f"FROM `{database}`.`otel_traces_local`" in view  # per shard, local to local


def test_every_statement_parses_in_the_real_engine(engine: Any, database: str) -> None:
    engine_variants = ("MergeTree()", "ReplicatedMergeTree('/clickhouse/{shard}/{table}', '{r}')")
    for table_engine in engine_variants:
        for statement in clustered(database, table_engine=table_engine):
            ast = engine.query(f"EXPLAIN AST {statement}").result_rows
            assert ast[0][0].startswith(("CreateQuery", "CreateDatabaseQuery")), statement
    with pytest.raises(Exception, match="Syntax error"):  # the parser does reject bad text
        engine.query(f"EXPLAIN AST {clustered(database)[1]} nonsense")


def local_substitute(statement: str) -> str:
    """What one node runs, minus what needs a cluster: no ON CLUSTER, a plain engine."""
    return statement.replace(" ON CLUSTER `main`", "").replace(
        "ENGINE = ReplicatedMergeTree()", "ENGINE = MergeTree()"
    )


def test_local_tables_and_the_view_work_on_the_real_engine(
    store_path: Path, database: str, engine: Any
) -> None:
    statements = clustered(database)
    keys = {}
    for statement in statements:
        if match := _DISTRIBUTED.match(statement):
            keys[match["local"]] = match["key"]
        else:
            engine.command(local_substitute(statement), settings={"flatten_nested": 1})
    # our rows go into the local tables as the Distributed tables would forward them
    url = f"chdb://{store_path}"
    names = {kind: f"otel_{kind}_local" for kind in ("traces", "logs")}
    options = {"database": database, "create_schema": False, "table_names": names}
    for exporter, batch in (
        (ClickHouseSpanExporter(url, **options), many_spans(50)),
        (ClickHouseLogExporter(url, **options), sample_logs()),
    ):
        assert exporter.export(batch).name == "SUCCESS"  # type: ignore[attr-defined]
        exporter.shutdown()
    lookup = f"`{database}`.otel_traces_trace_id_ts_local"
    assert engine.command(f"SELECT count() FROM {lookup}") == 10  # the view, on this shard
    for local, key in keys.items():  # each sharding key evaluates on its local table
        engine.query(f"SELECT {key} FROM `{database}`.`{local}` LIMIT 1")
    spread = engine.query(
        f"SELECT uniqExact({SHARDING_KEYS['traces']} % 4), "
        f"countDistinct(TraceId, {SHARDING_KEYS['traces']} % 4) = uniqExact(TraceId) "
        f"FROM `{database}`.otel_traces_local"
    ).result_rows
    ((shards, each_on_one),) = spread
    # ten random trace ids over four shards: each trace on exactly one, and they spread (all
    # four are hit only ~78% of the time, so asking for four made the test flaky; one shard for
    # all ten has a probability of 4e-6)
    assert each_on_one == 1
    assert shards >= 2


def test_inserts_wait_for_the_shards(fresh_front: ClickHouseFront, database: str) -> None:
    """With a cluster, inserts go through the Distributed table and return once the shards
    hold the rows (insert_distributed_sync); the front runs them on plain tables."""
    setup = ClickHouseSpanExporter(fresh_front.url, database=database)
    assert setup.export(many_spans(5)).name == "SUCCESS"
    setup.shutdown()
    exporter = ClickHouseSpanExporter(
        fresh_front.url, database=database, cluster_name="main", create_schema=False
    )
    assert exporter.export(many_spans(5)).name == "SUCCESS"
    exporter.shutdown()
    inserts = [r for r in fresh_front.requests if r.query.startswith("INSERT")]
    assert [r.params.get("insert_distributed_sync") for r in inserts] == [None, "1"]


def test_a_cluster_with_the_embedded_store_is_refused_at_configure_time() -> None:
    with pytest.raises(ConfigurationError, match="clickhouse_cluster_name") as raised:
        TelemetryConfig.resolve(
            {"AUTOMAGIK_TELEMETRY_CLICKHOUSE_CLUSTER_NAME": "main"},
            backend="clickhouse",
            clickhouse_url="chdb:///tmp/store",
        )
    assert "from env:AUTOMAGIK_TELEMETRY_CLICKHOUSE_CLUSTER_NAME" in str(raised.value)
    assert "the embedded store is one local engine" in str(raised.value)
    server = TelemetryConfig.resolve(
        {}, backend="clickhouse", clickhouse_url="http://h", clickhouse_cluster_name="main"
    )
    assert server.clickhouse_cluster_name == "main"
