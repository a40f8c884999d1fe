"""Queries as Grafana's ClickHouse data source (OTel mode) and HyperDX/ClickStack run them,
against data we wrote: they must find the expected rows."""

from __future__ import annotations

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
    ClickHouseSpanExporter,
)

from .telemetry import RESOURCE, many_spans, sample_logs


@pytest.fixture
def written(store_path: Path, database: str) -> dict[str, Any]:
    url = f"chdb://{store_path}"
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
    return {"spans": spans, "logs": logs, "metrics": metric_batches}


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
    rows = q(
        engine,
        "SELECT toUnixTimestamp64Nano(TimeUnix) AS t, Attributes['plan'] AS plan, Value "
        f"FROM `{database}`.otel_metrics_sum WHERE MetricName = 'orders' ORDER BY t",
    )
    expected = [
        (point.time_unix_nano, "pro", point.value)
        for data in written["metrics"]
        for point in data.resource_metrics[0].scope_metrics[0].metrics[0].data.data_points
    ]
    assert rows == expected
    assert [row[2] for row in rows] == [1, 3, 6]  # cumulative
