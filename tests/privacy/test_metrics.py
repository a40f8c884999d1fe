"""PiiRedactingMetricExporter with the real SDK: what the metric exporter receives."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from opentelemetry.sdk.metrics import Counter, MeterProvider
from opentelemetry.sdk.metrics._internal.exemplar import Exemplar
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    Gauge,
    Metric,
    MetricExporter,
    MetricExportResult,
    MetricsData,
    NumberDataPoint,
    PeriodicExportingMetricReader,
    ResourceMetrics,
    ScopeMetrics,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope

from automagik_telemetry.privacy import REDACTED_ATTRIBUTE, PiiRedactingMetricExporter


class Capture(MetricExporter):
    """The wrapped exporter: keeps every batch it is given."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.batches: list[MetricsData] = []

    def export(
        self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any
    ) -> MetricExportResult:
        self.batches.append(metrics_data)
        return MetricExportResult.SUCCESS

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return True

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        pass


def points(data: MetricsData) -> dict[str, list[dict[str, Any]]]:
    return {
        metric.name: [dict(point.attributes or {}) for point in metric.data.data_points]
        for rm in data.resource_metrics
        for sm in rm.scope_metrics
        for metric in sm.metrics
    }


def test_data_point_attributes_and_resource_are_scrubbed() -> None:
    capture = Capture()
    reader = PeriodicExportingMetricReader(
        PiiRedactingMetricExporter(capture), export_interval_millis=3_600_000
    )
    resource = Resource.create({"service.name": "svc", "owner": "ana@example.com"})
    provider = MeterProvider(resource=resource, metric_readers=[reader])
    meter = provider.get_meter("app")
    logins = meter.create_counter("logins")
    logins.add(1, {"user": "maria@example.com", "route": "/login"})
    logins.add(2, {"route": "/health"})
    meter.create_histogram("latency").record(12.5, {"client": "203.0.113.7"})
    meter.create_up_down_counter("clean").add(1, {"queue": "default"})
    assert provider.force_flush()
    provider.shutdown()
    data = capture.batches[0]
    seen = points(data)
    assert {"user": "<email>", "route": "/login", REDACTED_ATTRIBUTE: '{"email":1}'} in seen[
        "logins"
    ]
    assert {"route": "/health"} in seen["logins"]
    assert seen["latency"] == [{"client": "<ip>", REDACTED_ATTRIBUTE: '{"ip":1}'}]
    assert seen["clean"] == [{"queue": "default"}]
    resource_out = data.resource_metrics[0].resource
    assert resource_out.attributes["owner"] == "<email>"
    assert json.loads(resource_out.attributes[REDACTED_ATTRIBUTE]) == {"email": 1}  # type: ignore[arg-type]


def _data(*metrics: Metric, resource: Resource | None = None) -> MetricsData:
    scope = ScopeMetrics(InstrumentationScope("app"), list(metrics), "")
    return MetricsData(
        [ResourceMetrics(resource or Resource({"service.name": "svc"}), [scope], "")]
    )


def _gauge(name: str, *data_points: NumberDataPoint) -> Metric:
    return Metric(name, None, None, Gauge(list(data_points)))


def test_exemplar_attributes_are_scrubbed() -> None:
    exemplar = Exemplar({"user": "maria@example.com"}, 1.0, 1, span_id=1, trace_id=2)
    clean_exemplar = Exemplar({"k": "v"}, 2.0, 2)
    second = Exemplar({"ip": "203.0.113.7"}, 3.0, 3)
    point = NumberDataPoint(
        {"route": "/x"}, 0, 1, 3.0, exemplars=[clean_exemplar, exemplar, second]
    )
    capture = Capture()
    assert PiiRedactingMetricExporter(capture).export(_data(_gauge("g", point))) is (
        MetricExportResult.SUCCESS
    )
    (out,) = capture.batches[0].resource_metrics[0].scope_metrics[0].metrics[0].data.data_points
    assert out.exemplars[0] is clean_exemplar
    assert dict(out.exemplars[1].filtered_attributes or {}) == {"user": "<email>"}
    assert out.exemplars[1].trace_id == 2
    assert dict(out.exemplars[2].filtered_attributes or {}) == {"ip": "<ip>"}
    assert dict(out.attributes or {}) == {"route": "/x", REDACTED_ATTRIBUTE: '{"email":1,"ip":1}'}


def test_clean_batches_are_handed_on_as_they_are() -> None:
    clean = _data(_gauge("g", NumberDataPoint({"queue": "q"}, 0, 1, 1)), _gauge("empty"))
    capture = Capture()
    PiiRedactingMetricExporter(capture).export(clean)
    assert capture.batches[0] is clean


def test_preferred_temporality_comes_from_the_wrapped_exporter() -> None:
    delta = {Counter: AggregationTemporality.DELTA}
    wrapper = PiiRedactingMetricExporter(Capture(preferred_temporality=delta))
    assert wrapper._preferred_temporality[Counter] is AggregationTemporality.DELTA


def test_a_batch_that_cannot_be_scrubbed_is_not_sent(caplog: pytest.LogCaptureFixture) -> None:
    capture = Capture()
    broken = MetricsData([None])  # type: ignore[list-item]
    with caplog.at_level(logging.ERROR, "automagik_telemetry"):
        result = PiiRedactingMetricExporter(capture).export(broken)
    assert result is MetricExportResult.FAILURE
    assert capture.batches == []
    assert "could not scrub metrics; the batch was dropped" in caplog.text


def test_a_failing_exporter_never_reaches_the_app(caplog: pytest.LogCaptureFixture) -> None:
    class Failing(Capture):
        def export(self, metrics_data: MetricsData, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("export")

        def force_flush(self, timeout_millis: float = 10_000) -> bool:
            raise RuntimeError("flush")

        def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
            raise RuntimeError("shutdown")

    wrapper = PiiRedactingMetricExporter(Failing())
    with caplog.at_level(logging.ERROR, "automagik_telemetry"):
        assert wrapper.export(_data()) is MetricExportResult.FAILURE
        assert wrapper.force_flush() is False
        wrapper.shutdown()
    assert len([r for r in caplog.records if "metric exporter failed" in r.message]) == 3


def test_delegates_flush_and_shutdown() -> None:
    wrapper = PiiRedactingMetricExporter(Capture())
    assert wrapper.force_flush() is True
    wrapper.shutdown()
