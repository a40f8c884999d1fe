"""Every SQL query of every provisioned dashboard runs on data our exporters wrote.

Each panel's SQL (and each template variable's) goes through what Grafana would do to it —
variables, then the ClickHouse plugin's macros (tests/support/grafana_macros.py) — and runs on
the embedded engine, once with "All" services and once with one service and a log search; it
must return rows. The report and the dashboards must agree on the shared measures. The stack's
schema script (infra/clickhouse/initdb) runs here too, and a smoke test walks the same path
as ``make -C infra test`` with a real OTLP collector (rotel) writing over ClickHouse's HTTP
interface (the loopback front).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from automagik_telemetry.exporters.clickhouse import ClickHouseSettings, ClickHouseSpanExporter
from automagik_telemetry.report import QUERIES, collect
from automagik_telemetry.report.grafana import grafana_dialect, schema_sql
from tests.support.clickhouse_http import ClickHouseFront
from tests.support.grafana_macros import ALL, TimeRange, expand, utc
from tests.support.rotel import running_rotel

from .usage_data import Usage, make_usage, write_usage

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = sorted((ROOT / "infra/grafana/dashboards").glob("*.json"))
DATABASE = "dashboards_usage"


@pytest.fixture(scope="module")
def usage() -> Usage:
    return make_usage()


@pytest.fixture(scope="module")
def filled(engine: Any, store_path: Path, usage: Usage) -> Iterator[str]:
    write_usage(f"chdb://{store_path}", DATABASE, usage)
    yield DATABASE
    engine.command(f"DROP DATABASE IF EXISTS {DATABASE}")


def panels() -> list[tuple[str, str, str]]:
    """(dashboard, what, SQL) for every panel target and every query variable."""
    out = []
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        for panel in dashboard["panels"]:
            for target in panel["targets"]:
                out.append((path.stem, panel["title"], target["rawSql"]))
        for variable in dashboard["templating"]["list"]:
            if variable["type"] == "query":
                out.append((path.stem, f"variable {variable['name']}", variable["query"]))
    return out


ALL_VALUES = {"service": "'__all__'"}


def window(usage: Usage) -> TimeRange:
    return TimeRange(utc(usage.now - 7 * 86400), utc(usage.now + 60), interval_seconds=3600)


def run(engine: Any, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in engine.query(sql).result_rows]


def test_there_are_four_dashboards_with_every_query_kind() -> None:
    assert [p.stem for p in DASHBOARDS] == [
        "automagik-errors", "automagik-logs", "automagik-performance", "automagik-usage",
    ]  # fmt: skip
    sql = "\n".join(s for _, _, s in panels())
    for macro in ("$__timeFilter(", "$__timeInterval(", "${service:singlequote}",
                  "${search:sqlstring}", "${database}"):  # fmt: skip
        assert macro in sql


@pytest.mark.parametrize(("dashboard", "what", "sql"), panels(), ids=lambda v: str(v)[:40])
def test_every_panel_returns_rows(
    engine: Any, filled: str, usage: Usage, dashboard: str, what: str, sql: str
) -> None:
    everything = {"database": filled, "service": ALL, "search": ""}
    rows = run(engine, expand(sql, window(usage), everything, ALL_VALUES))
    assert rows, f"{dashboard} / {what} returned no rows"
    narrowed = {"database": filled, "service": ["forge"], "search": "disk"}
    rows = run(engine, expand(sql, window(usage), narrowed, ALL_VALUES))
    if what != "variable database":
        assert rows, f"{dashboard} / {what} returned no rows for service forge"
    if "ServiceName AS service" in sql and "variable" not in what:
        assert all("forge" in row for row in rows)


def test_the_search_box_filters_log_bodies(engine: Any, filled: str, usage: Usage) -> None:
    sql = QUERIES["recent_logs"](grafana_dialect())
    values = {"database": filled, "service": ALL, "search": "it's disk"}
    assert run(engine, expand(sql, window(usage), values, ALL_VALUES)) == []  # quote is safe
    values["search"] = "almost FULL"
    bodies = [row[3] for row in run(engine, expand(sql, window(usage), values, ALL_VALUES))]
    assert bodies
    assert all("almost full" in body for body in bodies)


@pytest.mark.parametrize(
    "name", ["top_events", "versions", "top_exceptions", "latency_by_span", "activity_totals"]
)
def test_report_and_dashboard_agree(
    engine: Any, store_path: Path, filled: str, usage: Usage, name: str
) -> None:
    """One definition, two dialects, the same answer over the same range."""
    values = {"database": filled, "service": ALL}
    dashboard = run(
        engine, expand(QUERIES[name](grafana_dialect()), window(usage), values, ALL_VALUES)
    )
    settings = ClickHouseSettings.create(f"chdb://{store_path}", database=filled)
    report = collect(settings, 7 * 86400, now=usage.now + 60).sections[name].rows
    assert dashboard
    assert len(dashboard) == len(report)
    for ours, theirs in zip(dashboard, report, strict=True):
        numbers = [i for i, v in enumerate(ours) if isinstance(v, float)]
        assert [v for i, v in enumerate(ours) if i not in numbers] == [
            v for i, v in enumerate(theirs) if i not in numbers
        ]
        assert [ours[i] for i in numbers] == pytest.approx([theirs[i] for i in numbers])


def test_the_stack_schema_is_the_exporters_schema(engine: Any, store_path: Path) -> None:
    """infra/clickhouse/initdb/01-schema.sql runs, and our exporter accepts the tables it
    made without creating anything (create_schema off)."""
    statements = schema_sql().replace("`otel`", "`stack_schema`").split(";")
    for statement in statements:
        lines = [line for line in statement.splitlines() if not line.startswith("--")]
        text = "\n".join(lines).strip()
        if text.startswith("SET "):
            continue
        if text:
            engine.command(text, settings={"flatten_nested": 1})
    tables = {row[0] for row in run(engine, "SHOW TABLES FROM stack_schema")}
    assert "otel_metrics_exponential_histogram" in tables
    assert "otel_traces_trace_id_ts_mv" in tables
    exporter = ClickHouseSpanExporter(
        f"chdb://{store_path}", database="stack_schema", create_schema=False
    )
    assert exporter.export(make_usage().spans).name == "SUCCESS"
    exporter.shutdown()
    engine.command("DROP DATABASE stack_schema")


def test_make_infra_test_path_with_a_real_collector(
    engine: Any, front: ClickHouseFront, tmp_path: Path
) -> None:
    """infra/smoke_test.py: our package -> OTLP -> a collector (rotel) -> ClickHouse HTTP ->
    the check query. Only the collector differs from the compose stack."""
    database = "smoke_stack"
    for statement in schema_sql(database).split(";\n"):
        lines = [line for line in statement.splitlines() if not line.startswith("--")]
        text = "\n".join(lines).strip()
        if text and not text.startswith("SET "):
            engine.command(text, settings={"flatten_nested": 1})
    collector_args = [
        "--exporter", "clickhouse",
        "--clickhouse-exporter-endpoint", front.url,
        "--clickhouse-exporter-database", database,
        "--clickhouse-exporter-compression", "none",
        "--clickhouse-exporter-async-insert", "false",
    ]  # fmt: skip
    try:
        with running_rotel(tmp_path, collector_args) as otlp:
            result = subprocess.run(
                [sys.executable, str(ROOT / "infra/smoke_test.py"), "test", "--otlp", otlp,
                 "--clickhouse", front.url, "--database", database, "--timeout", "30"],
                capture_output=True, text=True, timeout=120, cwd=tmp_path,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
            )  # fmt: skip
    finally:
        engine.command(f"DROP DATABASE IF EXISTS {database}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK   the span arrived in ClickHouse" in result.stdout
    assert "OK   the event arrived in ClickHouse" in result.stdout


def test_smoke_health_reports_what_is_down(front: ClickHouseFront) -> None:
    from tests.support.rotel import free_port

    closed = f"http://127.0.0.1:{free_port()}"
    result = subprocess.run(
        [sys.executable, str(ROOT / "infra/smoke_test.py"), "health", "--clickhouse", front.url,
         "--grafana", closed, "--collector-health", closed + "/"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert f"OK   clickhouse      {front.url}/ping -> 200" in result.stdout
    assert "FAIL grafana" in result.stdout
