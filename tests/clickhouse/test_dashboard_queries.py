"""Queries as Grafana's ClickHouse data source (OTel mode) and HyperDX/ClickStack run them,
against data we wrote: they must find the expected rows."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from automagik_telemetry.exporters.clickhouse import (
    ClickHouseLogExporter,
    ClickHouseMetricExporter,
    ClickHouseSettings,
    ClickHouseSpanExporter,
)
from automagik_telemetry.exporters.clickhouse.ddl import table_statements
from automagik_telemetry.exporters.clickhouse.tables import (
    LEGACY_LOGS,
    LEGACY_METRICS,
    METRIC_KINDS,
    layout_of,
    metrics_layout_of,
)

from .telemetry import RESOURCE, many_spans, sample_logs


@pytest.fixture(params=["current", "legacy"])
def written(
    store_path: Path, database: str, engine: Any, request: pytest.FixtureRequest
) -> dict[str, Any]:
    """Our telemetry, with the logs and metric tables in the collector's current layout (what
    we create) or in the older one (tables an older collector made, which we keep writing
    to)."""
    url = f"chdb://{store_path}"
    if request.param == "legacy":
        engine.command(f"CREATE DATABASE `{database}`")
        settings = ClickHouseSettings.create(url, database=database)
        for statement in table_statements(settings, LEGACY_LOGS, "otel_logs"):
            engine.command(statement)
        for kind, spec in LEGACY_METRICS.items():
            for statement in table_statements(settings, spec, f"otel_{kind}"):
                engine.command(statement)
    spans = many_spans(1000, services=("checkout", "search"))
    logs = sample_logs()
    reader = InMemoryMetricReader()
    meter = MeterProvider(resource=RESOURCE, metric_readers=[reader]).get_meter("shop")
    orders = meter.create_counter("orders")
    metric_batches = []
    for amount in (1, 2, 3):
        orders.add(amount, {"plan": "pro"})
        metric_batches.append(reader.get_metrics_data())
    for exporter, batches in (
        (ClickHouseSpanExporter(url, database=database), [spans]),
        (ClickHouseLogExporter(url, database=database), [logs]),
        (ClickHouseMetricExporter(url, database=database), metric_batches),
    ):
        for batch in batches:
            assert exporter.export(batch).name == "SUCCESS"  # type: ignore[arg-type]
        exporter.shutdown()
    return {"spans": spans, "logs": logs, "metrics": metric_batches, "layout": request.param}


def q(engine: Any, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in engine.query(sql).result_rows]


def test_trace_lookup_by_id(engine: Any, database: str, written: dict[str, Any]) -> None:
    wanted = written["spans"][0].context.trace_id
    trace_id = format(wanted, "032x")
    rows = q(
        engine,
        f"WITH '{trace_id}' AS trace_id, "
        f"(SELECT min(Start) FROM `{database}`.otel_traces_trace_id_ts WHERE TraceId = trace_id)"
        " AS trace_start, "
        f"(SELECT max(End) + 1 FROM `{database}`.otel_traces_trace_id_ts WHERE TraceId = trace_id)"
        " AS trace_end "
        "SELECT SpanId, ParentSpanId, SpanName, ServiceName, Duration / 1000000 AS duration_ms "
        f"FROM `{database}`.otel_traces WHERE TraceId = trace_id "
        "AND Timestamp >= trace_start AND Timestamp <= trace_end ORDER BY Timestamp",
    )
    expected = [s for s in written["spans"] if s.context.trace_id == wanted]
    assert len(rows) == len(expected) == 5
    assert {row[0] for row in rows} == {format(s.context.span_id, "016x") for s in expected}
    assert sum(1 for row in rows if row[1] == "") == 1  # one root


def test_spans_of_a_service_over_time(engine: Any, database: str, written: dict[str, Any]) -> None:
    rows = q(
        engine,
        "SELECT toStartOfInterval(Timestamp, INTERVAL 1 hour) AS t, count() AS spans "
        f"FROM `{database}`.otel_traces WHERE ServiceName = 'search' "
        "AND Timestamp >= now() - INTERVAL 1 DAY GROUP BY t ORDER BY t",
    )
    expected = sum(1 for s in written["spans"] if s.resource.attributes["service.name"] == "search")
    assert sum(row[1] for row in rows) == expected == 500


def test_error_rate_by_service(engine: Any, database: str, written: dict[str, Any]) -> None:
    rows = dict(
        q(
            engine,
            "SELECT ServiceName, countIf(StatusCode = 'Error') / count() AS error_rate "
            f"FROM `{database}`.otel_traces GROUP BY ServiceName ORDER BY ServiceName",
        )
    )
    for service in ("checkout", "search"):
        mine = [s for s in written["spans"] if s.resource.attributes["service.name"] == service]
        errors = sum(1 for s in mine if s.status.status_code.name == "ERROR")
        assert rows[service] == pytest.approx(errors / len(mine))
        assert errors > 0


def test_p95_latency_by_span_name(engine: Any, database: str, written: dict[str, Any]) -> None:
    rows = dict(
        q(
            engine,
            "SELECT SpanName, quantileExact(0.95)(Duration) / 1e6 AS p95_ms "
            f"FROM `{database}`.otel_traces GROUP BY SpanName",
        )
    )
    durations: dict[str, list[int]] = {}
    for span in written["spans"]:
        durations.setdefault(span.name, []).append(span.end_time - span.start_time)
    assert set(rows) == set(durations) == {"db", "op0", "op1", "op2"}
    for name, values in durations.items():
        values.sort()
        expected = values[min(len(values) - 1, int(0.95 * len(values)))] / 1e6
        low, high = statistics.quantiles(values, n=100)[93] / 1e6, values[-1] / 1e6
        assert low <= rows[name] <= high
        assert rows[name] == pytest.approx(expected, rel=0.2)


def test_logs_by_severity_and_text(engine: Any, database: str, written: dict[str, Any]) -> None:
    rows = q(
        engine,
        "SELECT Timestamp AS timestamp, SeverityText AS level, Body AS body "
        f"FROM `{database}`.otel_logs WHERE TimestampTime >= now() - INTERVAL 1 DAY "
        "AND SeverityNumber >= 13 AND Body ILIKE '%fail%' ORDER BY timestamp DESC",
    )
    assert [(row[1], row[2]) for row in rows] == [("ERROR", "task failed")]
    levels = Counter(
        row[0] for row in q(engine, f"SELECT SeverityText FROM `{database}`.otel_logs")
    )
    assert levels == Counter(r.log_record.severity_text or "" for r in written["logs"])
    by_token = q(engine, f"SELECT Body FROM `{database}`.otel_logs WHERE hasToken(Body, 'disk')")
    assert by_token == [("disk almost full: 91%",)]


def test_a_metric_time_series(engine: Any, database: str, written: dict[str, Any]) -> None:
    """Nanoseconds in the older metrics layout, seconds in the current one (the collector's
    ``DateTime``), from the same inserts."""
    legacy = written["layout"] == "legacy"
    time = "toUnixTimestamp64Nano(TimeUnix)" if legacy else "toUnixTimestamp(TimeUnix)"
    rows = q(
        engine,
        f"SELECT {time} AS t, Attributes['plan'] AS plan, Value "
        f"FROM `{database}`.otel_metrics_sum WHERE MetricName = 'orders' ORDER BY t, Value",
    )
    expected = [
        (point.time_unix_nano if legacy else point.time_unix_nano // 10**9, "pro", point.value)
        for data in written["metrics"]
        for point in data.resource_metrics[0].scope_metrics[0].metrics[0].data.data_points
    ]
    assert rows == expected
    assert [row[2] for row in rows] == [1, 3, 6]  # cumulative


# -- logs under both layouts, as the tools query them ----------------------------------------


def test_the_layout_is_told_apart_by_its_description(
    engine: Any, database: str, written: dict[str, Any]
) -> None:
    described = [
        (row[0], row[1], row[2])
        for row in engine.query(f"DESCRIBE TABLE `{database}`.otel_logs").result_rows
    ]
    assert layout_of(described) == written["layout"]
    for kind in METRIC_KINDS:
        described = [
            (row[0], row[1], row[2])
            for row in engine.query(f"DESCRIBE TABLE `{database}`.otel_{kind}").result_rows
        ]
        assert metrics_layout_of(described) == written["layout"]
    sorting = engine.command(
        f"SELECT sorting_key FROM system.tables WHERE database = '{database}' "
        "AND name = 'otel_metrics_sum'"
    )
    assert sorting == (
        "ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix)"
        if written["layout"] == "legacy"
        else "ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix"
    )
    order = engine.command(
        f"SELECT sorting_key FROM system.tables WHERE database = '{database}' "
        "AND name = 'otel_logs'"
    )
    assert (
        order
        == {
            "current": "toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp",
            "legacy": "ServiceName, TimestampTime, Timestamp",
        }[written["layout"]]
    )


def test_grafana_logs_presets(engine: Any, database: str, written: dict[str, Any]) -> None:
    """Grafana's OTel logs query (otel.ts: time column Timestamp, message Body, level
    SeverityText) and the older preset filtering on TimestampTime; the log-volume query;
    "view logs" from a trace."""
    table = f'"{database}"."otel_logs"'
    # "auto (latest)" picks the preset from DESC TABLE (otel.ts detectLogsVersion): with a
    # TimestampTime column the older one (filter on TimestampTime), which our current-layout
    # table also gets (TimestampTime is an ALIAS there), so both filters below must work.
    described = {row[0] for row in engine.query(f"DESC TABLE {table}").result_rows}
    assert "TimestampTime" in described
    window = "now() - INTERVAL 1 DAY", "now() + INTERVAL 1 HOUR"
    for column in ("Timestamp", "TimestampTime"):
        rows = q(
            engine,
            f'SELECT Timestamp as "timestamp", Body as "body", SeverityText as "level", '
            f'LogAttributes as "labels", TraceId as "traceID" FROM {table} '
            f"WHERE ( {column} >= {window[0]} AND {column} <= {window[1]} ) "
            "ORDER BY timestamp DESC LIMIT 1000",
        )
        # the event record carries its own 2023 timestamp: outside the window
        assert sorted(row[1] for row in rows) == ["AAFiaW5hcnk=", "disk almost full: 91%",
                                                  "task failed"]  # fmt: skip
    volume = q(
        engine,
        "SELECT toStartOfInterval(Timestamp, INTERVAL 1 minute) as time, "
        "sum(multiSearchAny(toString(SeverityText), ['error', 'err'])) as error, "
        "sum(multiSearchAny(toString(SeverityText), ['warn'])) as warn "
        f"FROM {table} WHERE Timestamp >= {window[0]} GROUP BY time ORDER BY time ASC",
    )
    assert sum(row[1] for row in volume) == 0  # SeverityText is upper case: ERROR, WARN
    trace_id = next(
        format(r.log_record.trace_id, "032x") for r in written["logs"] if r.log_record.trace_id
    )
    from_trace = q(
        engine,
        f"SELECT Body FROM {table} WHERE TraceId = '{trace_id}' ORDER BY Timestamp DESC",
    )
    assert from_trace == [("task failed",)]


def test_hyperdx_log_search(engine: Any, database: str, written: dict[str, Any]) -> None:
    """HyperDX's log source: Timestamp as the time expression, a full-text term on the body
    (lower(Body), which the current layout's text index serves), a resource attribute."""
    table = f"`{database}`.`otel_logs`"
    rows = q(
        engine,
        "SELECT Timestamp, ServiceName, SeverityText, Body FROM " + table + " "
        "WHERE (Timestamp >= now64(3) - INTERVAL 1 DAY AND Timestamp <= now64(3) + "
        "INTERVAL 1 HOUR) AND (hasToken(lower(Body), 'disk')) "
        "AND ResourceAttributes['deployment.environment.name'] = 'prod' "
        "ORDER BY Timestamp DESC LIMIT 200",
    )
    assert [(row[1], row[2], row[3]) for row in rows] == [
        ("forge", "WARN", "disk almost full: 91%")
    ]
    if written["layout"] == "current":  # the collector's hot-key columns, computed for us
        column = "`__otel_materialized_deployment.environment.name`"
        assert q(engine, f"SELECT DISTINCT {column} FROM {table}") == [("prod",)]
        assert q(
            engine, f"SELECT count() FROM {table} WHERE hasAllTokens(lower(Body), 'disk')"
        ) == [(1,)]


# -- HyperDX's source inference (packages/app/src/source.ts, inferTableSourceConfig) ----------

_HYPERDX_LOG_COLUMNS = {
    "Timestamp", "Body", "SeverityText", "TraceId", "SpanId", "ServiceName", "LogAttributes",
    "ResourceAttributes",
}  # fmt: skip
_HYPERDX_SPAN_COLUMNS = {
    "Timestamp", "SpanName", "Duration", "SpanKind", "TraceId", "SpanId", "ParentSpanId",
    "ServiceName", "SpanAttributes", "ResourceAttributes", "StatusCode", "StatusMessage",
}  # fmt: skip


def hyperdx_inference(engine: Any, database: str, table: str) -> tuple[str | None, set[str]]:
    """What HyperDX infers when a user adds the table as a source: the timestamp column (the
    first date-typed column, in DESCRIBE order, that the table's primary key references) and
    its columns (the OTel log/span schema checks need all of theirs)."""
    described = engine.query(f"DESCRIBE TABLE `{database}`.`{table}`").result_rows
    key = engine.command(
        f"SELECT primary_key FROM system.tables WHERE database = '{database}' AND name = '{table}'"
    )
    referenced = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", key))
    dates = [row[0] for row in described if row[1].startswith("Date")]
    return next((name for name in dates if name in referenced), None), {row[0] for row in described}


def test_hyperdx_infers_each_source_from_our_tables(
    engine: Any, database: str, written: dict[str, Any]
) -> None:
    timestamp, columns = hyperdx_inference(engine, database, "otel_traces")
    assert timestamp == "Timestamp"
    assert columns >= _HYPERDX_SPAN_COLUMNS
    assert {"Events.Timestamp", "Links.TraceId"} <= columns  # span events and links shown
    timestamp, columns = hyperdx_inference(engine, database, "otel_logs")
    assert timestamp == ("TimestampTime" if written["layout"] == "legacy" else "Timestamp")
    assert columns >= _HYPERDX_LOG_COLUMNS
    for kind in METRIC_KINDS:
        timestamp, columns = hyperdx_inference(engine, database, f"otel_{kind}")
        assert timestamp == "TimeUnix", kind
        assert {"MetricName", "ServiceName", "Attributes", "ResourceAttributes"} <= columns
    # the inferred timestamp column works in HyperDX's time-window filter on every table
    for table in ("otel_traces", "otel_logs", "otel_metrics_sum"):
        column, _ = hyperdx_inference(engine, database, table)
        assert engine.command(
            f"SELECT count() > 0 FROM `{database}`.`{table}` WHERE {column} >= "
            f"now() - INTERVAL 1 DAY AND {column} <= now() + INTERVAL 1 HOUR"
        )
