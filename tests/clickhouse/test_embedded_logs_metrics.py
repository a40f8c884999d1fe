"""Logs and every metric type through the real DDL into the embedded engine."""

from __future__ import annotations

import base64
import math
from pathlib import Path
from typing import Any

from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    Metric,
    MetricsData,
    ResourceMetrics,
    ScopeMetrics,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope

from automagik_telemetry.exporters.clickhouse import (
    ClickHouseLogExporter,
    ClickHouseMetricExporter,
    Summary,
    SummaryDataPoint,
    ValueAtQuantile,
)
from automagik_telemetry.exporters.clickhouse.values import as_string

from .telemetry import RESOURCE, sample_logs, sample_metrics
from .test_embedded_spans import rows


def test_every_log_column_round_trips(store_path: Path, database: str, engine: Any) -> None:
    records = sample_logs()
    exporter = ClickHouseLogExporter(f"chdb://{store_path}", database=database)
    assert exporter.export(records).name == "SUCCESS"
    assert exporter.export([]).name == "SUCCESS"
    exporter.shutdown()
    assert exporter.export(records).name == "FAILURE"
    assert exporter.force_flush()
    stored = rows(
        engine,
        "SELECT *, TimestampTime, toUnixTimestamp64Nano(Timestamp) AS ns FROM "  # an ALIAS now
        f"`{database}`.otel_logs ORDER BY Timestamp",
    )
    assert len(stored) == len(records) == 4
    by_body = {row["Body"]: row for row in stored}
    for readable in records:
        record = readable.log_record
        body = record.body if isinstance(record.body, str) else as_string(record.body)
        row = by_body[body]
        assert row["ns"] == (record.timestamp or record.observed_timestamp)
        assert row["TraceId"] == (format(record.trace_id, "032x") if record.trace_id else "")
        assert row["SpanId"] == (format(record.span_id, "016x") if record.span_id else "")
        assert row["TraceFlags"] == int(record.trace_flags or 0)
        assert row["SeverityText"] == (record.severity_text or "")
        assert row["SeverityNumber"] == record.severity_number.value
        assert row["ServiceName"] == "forge"
        assert row["ResourceAttributes"] == {k: str(v) for k, v in RESOURCE.attributes.items()}
        assert row["ScopeName"] == readable.instrumentation_scope.name
        assert row["ScopeVersion"] == (readable.instrumentation_scope.version or "")
        assert row["LogAttributes"] == {
            k: as_string(v) for k, v in (record.attributes or {}).items()
        }
        assert row["EventName"] == (record.event_name or "")
        assert row["TimestampTime"] == row["Timestamp"].replace(microsecond=0)
    warning = by_body["disk almost full: 91%"]
    assert (warning["SeverityText"], warning["SeverityNumber"]) == ("WARN", 13)
    assert warning["LogAttributes"]["disk"] == "/var"
    assert warning["LogAttributes"]["free_mb"] == "120"
    assert by_body["task failed"]["TraceId"] != ""
    event = by_body['{"items":[1,2],"user":"u1"}']
    assert event["EventName"] == "checkout.completed"
    assert event["ns"] == 1_700_000_000_123_456_789
    assert event["ScopeAttributes"] == {"scope.kind": "x"}
    assert event["LogAttributes"] == {"amount": "9.5"}
    assert base64.b64encode(b"\x00\x01binary").decode() in by_body


def test_every_metric_type_round_trips(store_path: Path, database: str, engine: Any) -> None:
    data = sample_metrics()
    exporter = ClickHouseMetricExporter(f"chdb://{store_path}", database=database)
    assert exporter.export(data).name == "SUCCESS"
    exporter.shutdown()
    assert exporter.export(data).name == "FAILURE"
    assert exporter.force_flush()
    produced = {
        metric.name: metric
        for rm in data.resource_metrics
        for sm in rm.scope_metrics
        for metric in sm.metrics
    }
    table = f"`{database}`.otel_metrics"

    def select(kind: str, name: str) -> list[dict[str, Any]]:
        return rows(
            engine,
            # the collector's current layout keeps metric times in seconds (DateTime)
            "SELECT *, toUnixTimestamp(TimeUnix) AS t, toUnixTimestamp(StartTimeUnix) AS st "
            f"FROM {table}_{kind} WHERE MetricName = '{name}' ORDER BY toString(Attributes)",
        )

    requests = select("sum", "requests")
    points = sorted(produced["requests"].data.data_points, key=lambda p: str(p.attributes))
    assert [row["Value"] for row in requests] == [p.value for p in points] == [3, 2]
    first = requests[0]
    assert first["Attributes"] == {"route": "/a"}
    assert (first["t"], first["st"]) == (
        points[0].time_unix_nano // 10**9,
        points[0].start_time_unix_nano // 10**9,
    )
    assert first["AggregationTemporality"] == AggregationTemporality.CUMULATIVE.value == 2
    assert first["IsMonotonic"] is True
    assert (first["MetricUnit"], first["MetricDescription"]) == ("1", "handled")
    assert first["ScopeName"] == "forge.metrics"
    assert first["ScopeVersion"] == "0.3"
    assert first["ScopeSchemaUrl"] == "https://opentelemetry.io/s/1"
    assert first["ServiceName"] == "forge"
    assert first["ResourceAttributes"]["service.version"] == "1.4.0"
    exemplar = points[0].exemplars[0]
    assert first["Exemplars.Value"] == [exemplar.value]
    assert first["Exemplars.TraceId"] == [format(exemplar.trace_id, "032x")]
    assert first["Exemplars.SpanId"] == [format(exemplar.span_id, "016x")]
    assert first["Exemplars.FilteredAttributes"] == [{}]
    second = requests[1]  # recorded outside a span, with an attribute the view drops
    assert second["Exemplars.Value"] == [2]
    assert (second["Exemplars.TraceId"], second["Exemplars.SpanId"]) == ([""], [""])
    assert second["Exemplars.FilteredAttributes"] == [{"user": "u1"}]
    assert second["Attributes"] == {"route": "/b"}
    depth = select("sum", "queue.depth")[0]
    assert (depth["Value"], depth["IsMonotonic"]) == (-4, False)

    assert [(r["Value"], r["Attributes"]) for r in select("gauge", "temperature")] == [
        (21.5, {"room": "lab"})
    ]
    assert [r["Value"] for r in select("gauge", "cpu")] == [0.75]

    histogram = select("histogram", "latency")[0]
    point = produced["latency"].data.data_points[0]
    assert histogram["Count"] == point.count == 1
    assert histogram["Sum"] == point.sum == 12.5
    assert histogram["BucketCounts"] == list(point.bucket_counts)
    assert histogram["ExplicitBounds"] == list(point.explicit_bounds)
    assert (histogram["Min"], histogram["Max"]) == (point.min, point.max)
    assert histogram["AggregationTemporality"] == 2
    assert histogram["Exemplars.Value"] == [12.5]

    exp = select("exponential_histogram", "latency.exp")[0]
    point = produced["latency.exp"].data.data_points[0]
    assert (exp["Count"], exp["Sum"], exp["Scale"]) == (point.count, point.sum, point.scale)
    assert exp["ZeroCount"] == point.zero_count
    assert exp["PositiveOffset"] == point.positive.offset
    assert exp["PositiveBucketCounts"] == list(point.positive.bucket_counts)
    assert exp["NegativeOffset"] == point.negative.offset
    assert exp["NegativeBucketCounts"] == list(point.negative.bucket_counts)
    assert (exp["Min"], exp["Max"]) == (0.0, 1000.0)
    assert exp["ZeroCount"] == 1
    assert exp["Flags"] == point.flags


def test_summary_points_round_trip(store_path: Path, database: str, engine: Any) -> None:
    """The SDK never makes summaries; OTLP-shaped ones (a replayed batch) are stored too."""
    point = SummaryDataPoint(
        attributes={"endpoint": "/x"},
        start_time_unix_nano=1_700_000_000_000_000_000,
        time_unix_nano=1_700_000_060_000_000_001,
        count=10,
        sum=123.5,
        quantile_values=(ValueAtQuantile(0.5, 10.0), ValueAtQuantile(0.99, 40.25)),
        flags=1,
    )
    data = MetricsData(
        [
            ResourceMetrics(
                Resource(RESOURCE.attributes, "https://opentelemetry.io/schemas/1.21.0"),
                [
                    ScopeMetrics(
                        InstrumentationScope("legacy", None, "https://scope/1"),
                        [Metric("rpc.duration", None, None, Summary([point]))],  # type: ignore[arg-type]
                        "",
                    )
                ],
                "",
            )
        ]
    )
    exporter = ClickHouseMetricExporter(f"chdb://{store_path}", database=database)
    assert exporter.export(data).name == "SUCCESS"
    exporter.shutdown()
    [row] = rows(
        engine,
        f"SELECT *, toUnixTimestamp(TimeUnix) AS t FROM `{database}`.otel_metrics_summary",
    )
    assert (row["Count"], row["Sum"], row["Flags"]) == (10, 123.5, 1)
    assert row["ValueAtQuantiles.Quantile"] == [0.5, 0.99]
    assert row["ValueAtQuantiles.Value"] == [10.0, 40.25]
    assert row["t"] == 1_700_000_060  # seconds: the collector's current layout
    assert row["ResourceSchemaUrl"] == "https://opentelemetry.io/schemas/1.21.0"
    assert row["ScopeSchemaUrl"] == "https://scope/1"
    assert (row["MetricDescription"], row["MetricUnit"], row["ScopeVersion"]) == ("", "", "")
    assert not math.isnan(row["Sum"])


def test_unknown_metric_types_are_skipped_with_a_warning(
    store_path: Path, database: str, caplog: Any
) -> None:
    data = MetricsData(
        [
            ResourceMetrics(
                RESOURCE,
                [
                    ScopeMetrics(
                        InstrumentationScope("x"), [Metric("odd", None, None, object())], ""
                    )
                ],  # type: ignore[arg-type]
                "",
            )
        ]
    )
    exporter = ClickHouseMetricExporter(f"chdb://{store_path}", database=database)
    assert exporter.export(data).name == "SUCCESS"
    exporter.shutdown()
    assert "odd" in caplog.text
    assert "skipped" in caplog.text
