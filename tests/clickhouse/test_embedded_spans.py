"""Spans through the real DDL into the embedded engine: what the SDK made is what SELECT sees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from automagik_telemetry.exporters.clickhouse import ClickHouseSpanExporter
from automagik_telemetry.exporters.clickhouse.values import as_string

from .telemetry import many_spans, sample_spans, tracer_provider

KINDS = {0: "Internal", 1: "Server", 2: "Client", 3: "Producer", 4: "Consumer"}
STATUS = {0: "Unset", 1: "Ok", 2: "Error"}


def rows(engine: Any, sql: str) -> list[dict[str, Any]]:
    result = engine.query(sql)
    return [dict(zip(result.column_names, row, strict=True)) for row in result.result_rows]


def export(store_path: Path, database: str, spans: list[ReadableSpan]) -> None:
    exporter = ClickHouseSpanExporter(f"chdb://{store_path}", database=database)
    assert exporter.export(spans).name == "SUCCESS"
    exporter.shutdown()


def test_every_span_column_round_trips(store_path: Path, database: str, engine: Any) -> None:
    spans = sample_spans()
    export(store_path, database, spans)
    stored = {
        row["SpanId"]: row
        for row in rows(
            engine,
            "SELECT *, toUnixTimestamp64Nano(Timestamp) AS ns, "
            "arrayMap(t -> toUnixTimestamp64Nano(t), Events.Timestamp) AS event_ns "
            f"FROM `{database}`.otel_traces",
        )
    }
    assert len(stored) == len(spans) == 6
    for span in spans:
        row = stored[format(span.context.span_id, "016x")]
        assert row["ns"] == span.start_time
        assert row["Duration"] == span.end_time - span.start_time
        assert row["TraceId"] == format(span.context.trace_id, "032x")
        parent = span.parent
        assert row["ParentSpanId"] == (format(parent.span_id, "016x") if parent else "")
        assert row["TraceState"] == span.context.trace_state.to_header()
        assert row["SpanName"] == span.name
        assert row["SpanKind"] == KINDS[span.kind.value]
        assert row["ServiceName"] == "forge"
        assert row["ResourceAttributes"] == {
            key: str(value) for key, value in span.resource.attributes.items()
        }
        assert (row["ScopeName"], row["ScopeVersion"]) == ("forge.api", "2.0.1")
        assert row["SpanAttributes"] == {k: as_string(v) for k, v in span.attributes.items()}
        assert row["StatusCode"] == STATUS[span.status.status_code.value]
        assert row["StatusMessage"] == (span.status.description or "")
        assert row["event_ns"] == [event.timestamp for event in span.events]
        assert row["Events.Name"] == [event.name for event in span.events]
        assert row["Events.Attributes"] == [
            {k: as_string(v) for k, v in event.attributes.items()} for event in span.events
        ]
        assert row["Links.TraceId"] == [
            format(link.context.trace_id, "032x") for link in span.links
        ]
        assert row["Links.SpanId"] == [format(link.context.span_id, "016x") for link in span.links]
        assert row["Links.TraceState"] == [
            link.context.trace_state.to_header() for link in span.links
        ]
        assert row["Links.Attributes"] == [
            {k: as_string(v) for k, v in link.attributes.items()} for link in span.links
        ]
    root = next(row for row in stored.values() if row["SpanKind"] == "Server")
    assert root["SpanAttributes"] == {
        "http.request.method": "GET",
        "http.response.status_code": "200",
        "retry": "true",
        "ratio": "0.25",
        "whole": "3",
        "tags": '["a","b\\u003cc\\u003e"]',
        "codes": "[1,2]",
        "flags": "[true,false]",
        "weights": "[1.5,2]",
    }
    assert root["Links.TraceState"] == ["vendor=abc,other=x1"]
    assert root["TraceState"] == root["ParentSpanId"] == ""
    continued = next(row for row in stored.values() if row["SpanName"] == "continued")
    assert continued["TraceState"] == "vendor=abc,other=x1"
    assert continued["ParentSpanId"] == format(0xDEF, "016x")
    assert root["Events.Attributes"] == [{"key": "tasks:1", "size": "42"}, {}]
    assert sorted(row["SpanKind"] for row in stored.values()) == [
        "Client", "Consumer", "Internal", "Internal", "Producer", "Server",
    ]  # fmt: skip
    assert sorted(row["StatusCode"] for row in stored.values()) == [
        "Error", "Ok", "Unset", "Unset", "Unset", "Unset",
    ]  # fmt: skip


def test_column_types_follow_the_collector_schema(
    store_path: Path, database: str, engine: Any
) -> None:
    export(store_path, database, sample_spans())
    types = {row["name"]: row["type"] for row in rows(engine, f"DESCRIBE `{database}`.otel_traces")}
    assert types["Timestamp"] == "DateTime64(9)"
    assert (
        types["SpanName"] == types["SpanKind"] == types["StatusCode"] == ("LowCardinality(String)")
    )
    assert types["SpanAttributes"] == "Map(LowCardinality(String), String)"
    assert types["Duration"] == "UInt64"
    assert types["Events.Timestamp"] == "Array(DateTime64(9))"
    assert types["Links.Attributes"] == "Array(Map(LowCardinality(String), String))"
    engine_sql = engine.command(
        f"SELECT engine_full FROM system.tables WHERE database = '{database}' "
        "AND name = 'otel_traces'"
    )
    assert "PARTITION BY toDate(Timestamp)" in engine_sql
    assert "ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))" in engine_sql
    indexes = engine.command(
        f"SELECT groupArray(name) FROM system.data_skipping_indices WHERE database = '{database}'"
        " AND table = 'otel_traces'"
    )
    assert "idx_trace_id" in indexes
    assert "idx_span_attr_value" in indexes


def test_trace_lookup_table_is_fed_by_the_view(
    store_path: Path, database: str, engine: Any
) -> None:
    spans = sample_spans()
    export(store_path, database, spans)
    trace_ids = sorted({format(span.context.trace_id, "032x") for span in spans})
    lookup = rows(engine, f"SELECT * FROM `{database}`.otel_traces_trace_id_ts ORDER BY TraceId")
    assert [row["TraceId"] for row in lookup] == trace_ids
    assert lookup[0]["Start"] <= lookup[0]["End"]


def test_batch_span_processor_with_the_exporter_alone(
    store_path: Path, database: str, engine: Any
) -> None:
    """Standalone use, as the SDK docs show it, without configure_automagik."""
    provider, _ = tracer_provider()
    exporter = ClickHouseSpanExporter(f"chdb://{store_path}", database=database)
    provider.add_span_processor(BatchSpanProcessor(exporter))
    tracer = provider.get_tracer("standalone")
    for index in range(300):
        with tracer.start_as_current_span("work") as span:
            span.set_attribute("i", index)
    assert provider.force_flush()
    provider.shutdown()
    assert engine.command(f"SELECT count() FROM `{database}`.otel_traces") == 300
    assert exporter.export(many_spans(5)).name == "FAILURE"  # after shutdown
    exporter.shutdown()  # twice is harmless
    assert exporter.force_flush()


def test_empty_batch_and_many_batches(store_path: Path, database: str, engine: Any) -> None:
    exporter = ClickHouseSpanExporter(f"chdb://{store_path}", database=database)
    assert exporter.export([]).name == "SUCCESS"
    spans = many_spans(2000, services=("a", "b"))
    for start in range(0, len(spans), 700):
        assert exporter.export(spans[start : start + 700]).name == "SUCCESS"
    exporter.shutdown()
    counts = rows(
        engine,
        f"SELECT ServiceName, count() AS n FROM `{database}`.otel_traces GROUP BY ServiceName "
        "ORDER BY ServiceName",
    )
    assert counts == [{"ServiceName": "a", "n": 1000}, {"ServiceName": "b", "n": 1000}]


def test_engine_settings_in_the_url_apply_to_the_writes(
    store_path: Path, database: str, engine: Any
) -> None:
    """``chdb://path?max_insert_threads=1``: the engine settings of the URL are those of the
    store's session our inserts run in (here: one that shows in the query log's settings)."""
    url = f"chdb://{store_path}?max_insert_threads=1&log_comment=automagik-test"
    exporter = ClickHouseSpanExporter(url, database=database)
    assert exporter.export(many_spans(5)).name == "SUCCESS"
    session = exporter.sink.connection._embedded_store()
    assert session.query("SELECT getSetting('max_insert_threads')").strip() == "1"
    assert session.query("SELECT getSetting('log_comment')").strip() == "automagik-test"
    exporter.shutdown()
    assert engine.command(f"SELECT count() FROM `{database}`.otel_traces") == 5
