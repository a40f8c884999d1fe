"""Columns straight from the live pipeline's compact spans (``QueuedSpan``): the rows are those
the SDK's own spans give, whatever the shape, and they reach the store through the real engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext, SpanKind, TraceFlags

from automagik_telemetry.delivery.queued import QueuedSpan
from automagik_telemetry.exporters.clickhouse import ClickHouseSpanExporter
from automagik_telemetry.exporters.clickhouse.compact import spans_block
from automagik_telemetry.exporters.clickhouse.spans import SpanColumns, add_sdk_spans

from .telemetry import many_spans, sample_spans


def sdk_block(spans: list[Any]) -> bytes:
    columns = SpanColumns()
    add_sdk_spans(columns, spans)
    return columns.block().to_bytes()


def compact_first(sdk: list[ReadableSpan], queued: list[Any]) -> list[ReadableSpan]:
    """The SDK spans in the order the compact path writes rows: common compact spans first."""
    common = [type(q) is QueuedSpan and q._extra is None for q in queued]
    return [s for s, c in zip(sdk, common, strict=True) if c] + [
        s for s, c in zip(sdk, common, strict=True) if not c
    ]


def odd_spans() -> list[ReadableSpan]:
    """Shapes the SDK rarely makes: invalid (zero) ids, no times, an end before the start,
    no scope, several resources and scopes in one batch, values of every attribute type."""
    first = Resource.create({"service.name": "one", "pid": 7})
    second = Resource.create({"service.name": "two", "retry": True})
    scope = InstrumentationScope("lib", "1.2")
    return [
        ReadableSpan("zero ids", SpanContext(0, 0, False), resource=first),
        ReadableSpan(
            "skewed",
            SpanContext(5, 6, False, TraceFlags(1)),
            parent=SpanContext(5, 0, False),
            resource=second,
            attributes={"n": 3, "f": 0.5, "b": False, "list": ("a", "b"), "s": "x"},
            kind=SpanKind.CLIENT,
            start_time=2_000,
            end_time=1_000,
            instrumentation_scope=scope,
        ),
        ReadableSpan(
            "no end",
            SpanContext(7, 8, False, TraceFlags(1)),
            parent=SpanContext(7, 9, True),
            resource=first,
            kind=SpanKind.PRODUCER,
            start_time=3_000,
            instrumentation_scope=InstrumentationScope("other"),
        ),
    ]


def test_compact_spans_give_the_rows_of_the_sdk_spans() -> None:
    for sdk in (sample_spans(), many_spans(50, services=("a", "b")), odd_spans()):
        queued = [QueuedSpan.of(span) for span in sdk]
        assert any(q._extra is None for q in queued)  # the column-wise path is taken
        assert spans_block(queued).to_bytes() == sdk_block(compact_first(sdk, queued))
        assert spans_block(sdk).to_bytes() == sdk_block(sdk)  # SDK spans: row by row


def test_a_batch_of_common_compact_spans_only() -> None:
    sdk = many_spans(200)
    queued = [QueuedSpan.of(span) for span in sdk if not span.status.status_code.value]
    assert all(q._extra is None for q in queued)
    assert len(queued) > 100
    assert spans_block(queued).to_bytes() == sdk_block([q.to_readable() for q in queued])
    assert spans_block([]).rows == 0


def test_compact_spans_into_the_store(store_path: Path, database: str, engine: Any) -> None:
    sdk = many_spans(500, services=("a", "b")) + odd_spans()
    exporter = ClickHouseSpanExporter(f"chdb://{store_path}", database=database)
    assert exporter.export([QueuedSpan.of(span) for span in sdk]).name == "SUCCESS"
    exporter.shutdown()
    stored = engine.query(
        "SELECT SpanId, TraceId, ParentSpanId, Duration, ServiceName, SpanAttributes "
        f"FROM `{database}`.otel_traces"
    ).result_rows
    assert len(stored) == len(sdk)
    by_id = {row[0]: row for row in stored}
    skewed = by_id[format(6, "016x")]
    assert skewed[1:] == (format(5, "032x"), "", 0, "two", {
        "n": "3", "f": "0.5", "b": "false", "list": '["a","b"]', "s": "x"
    })  # fmt: skip
    assert by_id[""][1:5] == ("", "", 0, "one")  # the all-zero ids are stored as ''
    assert by_id[format(8, "016x")][2] == format(9, "016x")
