"""A peer: rotel's own ClickHouse exporter writes into tables created by our DDL.

The same SDK telemetry goes (a) through the stock OTLP exporter to rotel-agent, whose
ClickHouse exporter inserts it (RowBinary over HTTP) through the loopback front into database
``rotel``, and (b) through our exporters into database ``ours``. Every column both write must
agree, except for these differences, all of them rotel's choices or bugs (checked below):

- array attribute values: we follow the collector's AsString (``["a","b"]``); rotel writes the
  OTLP-JSON object (``{"values":[{"stringValue":"a"},...]}``);
- doubles with an integral value: the collector (Go) renders ``3``, rotel ``3.0``;
- span links' TraceState: rotel writes ``''``, we keep the link's trace state;
- SpanKind of CONSUMER spans: rotel writes ``client`` (the collector and we: ``Consumer``);
- non-string log bodies: rotel writes maps as OTLP-JSON and bytes as hex, the collector and
  we write JSON (``{"items":[1,2],"user":"u1"}``) and base64;
- EventName: rotel does not write it (we store the SDK's ``event_name``);
- summaries are not compared: the SDK makes none, and rotel misspells the column
  (``ValueAtQauntiles.Value``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

from automagik_telemetry.exporters.clickhouse import (
    ClickHouseLogExporter,
    ClickHouseMetricExporter,
    ClickHouseSpanExporter,
)
from automagik_telemetry.exporters.clickhouse.ddl import create_statements, table_statements
from automagik_telemetry.exporters.clickhouse.settings import ClickHouseSettings
from automagik_telemetry.exporters.clickhouse.tables import LEGACY_METRICS
from automagik_telemetry.exporters.clickhouse.values import as_string
from tests.support.clickhouse_http import ClickHouseFront
from tests.support.rotel import running_rotel

from .telemetry import sample_logs, sample_metrics, sample_spans
from .test_embedded_spans import rows

STRING_BODY = "disk almost full: 91%"
KINDS = (
    "traces",
    "logs",
    "metrics_gauge",
    "metrics_sum",
    "metrics_histogram",
    "metrics_exponential_histogram",
)


def _rotel_array(value: str) -> str:
    """Rotel's OTLP-JSON array rendering, mapped to the collector's for comparison."""
    items = json.loads(value)["values"]
    plain = [int(v) if k == "intValue" else v for item in items for k, v in item.items()]
    return as_string(plain)


def _normalize(row: dict[str, Any], *, from_rotel: bool) -> dict[str, Any]:
    row = dict(row)
    for column in ("SpanAttributes", "LogAttributes", "Attributes"):
        if column in row and from_rotel:
            row[column] = {
                key: (_rotel_array(value) if value.startswith('{"values"') else value)
                for key, value in row[column].items()
            }
        if column in row:  # integral doubles: "3.0" (rotel) vs "3" (collector, us)
            row[column] = {
                key: value.removesuffix(".0") if value.replace(".", "", 1).isdigit() else value
                for key, value in row[column].items()
            }
    row.pop("Links.TraceState", None)
    if row.get("SpanName") == "child consumer":
        row.pop("SpanKind")  # rotel writes "client" (checked below)
    return row


@pytest.fixture
def peer_rows(store_path: Path, engine: Any, front: ClickHouseFront, tmp_path: Path) -> Any:
    spans, logs, metrics = sample_spans(), sample_logs(), sample_metrics()
    rotel_settings = ClickHouseSettings.create(f"chdb://{store_path}", database="rotel")
    engine.command("DROP DATABASE IF EXISTS rotel")
    engine.command("DROP DATABASE IF EXISTS ours")
    for statement in create_statements(rotel_settings, KINDS[:2]):
        engine.command(statement)
    # Metric tables in the older collector layout (nanosecond times), the one rotel writes:
    # its RowBinary inserts do not convert types. Ours go to the same layout for the comparison
    # (we write both layouts; the current one stores seconds).
    for database in ("rotel", "ours"):
        settings = ClickHouseSettings.create(f"chdb://{store_path}", database=database)
        engine.command(f"CREATE DATABASE IF NOT EXISTS {database}")
        for kind in KINDS[2:]:
            for statement in table_statements(settings, LEGACY_METRICS[kind], f"otel_{kind}"):
                engine.command(statement)
    exporter_args = [
        "--exporter", "clickhouse",
        "--clickhouse-exporter-endpoint", front.url,
        "--clickhouse-exporter-database", "rotel",
        "--clickhouse-exporter-compression", "none",
        "--clickhouse-exporter-async-insert", "false",
    ]  # fmt: skip
    with running_rotel(tmp_path, exporter_args) as rotel_url:
        assert OTLPSpanExporter(endpoint=f"{rotel_url}/v1/traces").export(spans).name == "SUCCESS"
        assert OTLPLogExporter(endpoint=f"{rotel_url}/v1/logs").export(logs).name == "SUCCESS"
        metric_exporter = OTLPMetricExporter(endpoint=f"{rotel_url}/v1/metrics")
        assert metric_exporter.export(metrics).name == "SUCCESS"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (
            engine.command("SELECT count() FROM rotel.otel_traces") == len(spans)
            and engine.command("SELECT count() FROM rotel.otel_logs") == len(logs)
            and engine.command("SELECT count() FROM rotel.otel_metrics_histogram") == 1
        ):
            time.sleep(0.1)
    url = f"chdb://{store_path}"
    for exporter, data in (
        (ClickHouseSpanExporter(url, database="ours"), spans),
        (ClickHouseLogExporter(url, database="ours"), logs),
        (ClickHouseMetricExporter(url, database="ours"), metrics),
    ):
        assert exporter.export(data).name == "SUCCESS"  # type: ignore[arg-type]
        exporter.shutdown()

    def both(table: str, key: str) -> tuple[dict[Any, Any], dict[Any, Any]]:
        sql = f"SELECT *, {key} AS _key FROM {{db}}.{table}"
        return tuple(  # type: ignore[return-value]
            {row.pop("_key"): row for row in rows(engine, sql.format(db=db))}
            for db in ("rotel", "ours")
        )

    return both


def test_rotel_and_we_write_the_same_rows(peer_rows: Any) -> None:
    checks = {
        "otel_traces": "SpanId",
        "otel_logs": "Body",
        "otel_metrics_gauge": "MetricName",
        "otel_metrics_sum": "(MetricName, toString(Attributes))",
        "otel_metrics_histogram": "MetricName",
        "otel_metrics_exponential_histogram": "MetricName",
    }
    for table, key in checks.items():
        theirs, ours = peer_rows(table, key)
        if table == "otel_logs":  # compare text bodies; the others are rendered differently
            theirs = {k: v for k, v in theirs.items() if k in ("task failed", STRING_BODY)}
            ours = {k: v for k, v in ours.items() if k in ("task failed", STRING_BODY)}
        assert ours, table
        assert theirs.keys() == ours.keys(), table
        for row_key, our_row in ours.items():
            their_row = theirs[row_key]
            assert _normalize(their_row, from_rotel=True) == _normalize(our_row, from_rotel=False)


def test_the_differences_are_the_documented_ones(peer_rows: Any) -> None:
    theirs, ours = peer_rows("otel_traces", "SpanName")
    root_theirs, root_ours = theirs["GET /tasks/{id}"], ours["GET /tasks/{id}"]
    assert root_ours["SpanAttributes"]["tags"] == '["a","b\\u003cc\\u003e"]'
    assert root_theirs["SpanAttributes"]["tags"].startswith('{"values":[{"stringValue":"a"}')
    assert (root_ours["SpanAttributes"]["whole"], root_theirs["SpanAttributes"]["whole"]) == (
        "3",
        "3.0",
    )
    assert root_ours["Links.TraceState"] == ["vendor=abc,other=x1"]
    assert root_theirs["Links.TraceState"] == [""]
    consumer = "child consumer"
    assert (ours[consumer]["SpanKind"], theirs[consumer]["SpanKind"]) == ("Consumer", "client")
    theirs, ours = peer_rows("otel_logs", "SeverityNumber")
    assert ours[9]["Body"] == '{"items":[1,2],"user":"u1"}'
    assert theirs[9]["Body"].startswith('{"values":[{"key":"user"')
    assert (ours[9]["EventName"], theirs[9]["EventName"]) == ("checkout.completed", "")
    assert (ours[5]["Body"], theirs[5]["Body"]) == ("AAFiaW5hcnk=", "000162696e617279")
