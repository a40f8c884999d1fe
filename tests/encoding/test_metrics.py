"""The direct metrics encoder writes what the stock encoder writes; one point that cannot be
encoded never costs the export."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.exporter.otlp.proto.common._internal.metrics_encoder import (
    encode_metrics as stock,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.sdk.metrics._internal.exemplar import Exemplar
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    Buckets,
    ExponentialHistogram,
    ExponentialHistogramDataPoint,
    Gauge,
    Histogram,
    HistogramDataPoint,
    Metric,
    MetricsData,
    NumberDataPoint,
    ResourceMetrics,
    ScopeMetrics,
    Sum,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope

from automagik_telemetry.encoding import counts, encode
from automagik_telemetry.encoding.stock import stock_encode

from .strategies import FLOATS, INT64, TEXT, attributes

TIME = st.integers(min_value=0, max_value=(1 << 64) - 1)
COUNT = st.integers(min_value=0, max_value=(1 << 64) - 1)
NUMBER = st.one_of(INT64, FLOATS)
TEMPORALITY = st.sampled_from([AggregationTemporality.DELTA, AggregationTemporality.CUMULATIVE])
SINT32 = st.integers(min_value=-(1 << 31), max_value=(1 << 31) - 1)

EXEMPLARS = st.lists(
    st.builds(
        Exemplar,
        filtered_attributes=attributes(),
        value=st.one_of(INT64, FLOATS),
        time_unix_nano=TIME,
        span_id=st.one_of(st.none(), st.integers(min_value=0, max_value=(1 << 64) - 1)),
        trace_id=st.one_of(st.none(), st.integers(min_value=0, max_value=(1 << 128) - 1)),
    ),
    max_size=2,
)
NUMBER_POINTS = st.builds(
    NumberDataPoint,
    attributes=attributes(),
    start_time_unix_nano=TIME,
    time_unix_nano=TIME,
    value=NUMBER,
    exemplars=EXEMPLARS,
)
HISTOGRAM_POINTS = st.builds(
    HistogramDataPoint,
    attributes=attributes(),
    start_time_unix_nano=TIME,
    time_unix_nano=TIME,
    count=COUNT,
    sum=st.one_of(st.none(), FLOATS, INT64),
    bucket_counts=st.lists(COUNT, max_size=4),
    explicit_bounds=st.lists(FLOATS, max_size=3),
    min=st.one_of(st.none(), FLOATS, INT64),
    max=st.one_of(st.none(), FLOATS, INT64),
    exemplars=EXEMPLARS,
)
BUCKETS = st.builds(Buckets, offset=SINT32, bucket_counts=st.lists(COUNT, max_size=4))
EXPONENTIAL_POINTS = st.builds(
    ExponentialHistogramDataPoint,
    attributes=attributes(),
    start_time_unix_nano=TIME,
    time_unix_nano=TIME,
    count=COUNT,
    sum=FLOATS,
    scale=SINT32,
    zero_count=COUNT,
    positive=BUCKETS,
    negative=BUCKETS,
    flags=st.integers(min_value=0, max_value=(1 << 32) - 1),
    min=FLOATS,
    max=FLOATS,
    exemplars=EXEMPLARS,
)
DATA = st.one_of(
    st.builds(Gauge, data_points=st.lists(NUMBER_POINTS, max_size=3)),
    st.builds(
        Sum,
        data_points=st.lists(NUMBER_POINTS, max_size=3),
        aggregation_temporality=TEMPORALITY,
        is_monotonic=st.booleans(),
    ),
    st.builds(
        Histogram,
        data_points=st.lists(HISTOGRAM_POINTS, max_size=2),
        aggregation_temporality=TEMPORALITY,
    ),
    st.builds(
        ExponentialHistogram,
        data_points=st.lists(EXPONENTIAL_POINTS, max_size=2),
        aggregation_temporality=TEMPORALITY,
    ),
)
METRICS = st.builds(Metric, name=TEXT, description=TEXT, unit=TEXT, data=DATA)


@st.composite
def metrics_data(draw: st.DrawFn) -> MetricsData:
    # The SDK never repeats a resource, nor a scope within a resource (the stock encoder
    # would keep only the last of two equal ones).
    resources = []
    for index in range(draw(st.integers(min_value=0, max_value=2))):
        scopes = [
            ScopeMetrics(
                scope=InstrumentationScope(f"scope{i}", draw(st.one_of(st.none(), TEXT))),
                metrics=draw(st.lists(METRICS, max_size=3)),
                schema_url="",
            )
            for i in range(draw(st.integers(min_value=0, max_value=2)))
        ]
        resource = Resource({"service.name": f"svc{index}"}, draw(st.sampled_from(["", "s"])))
        resources.append(ResourceMetrics(resource, scopes, ""))
    return MetricsData(resources)


def _parsed(payload: bytes) -> ExportMetricsServiceRequest:
    return ExportMetricsServiceRequest.FromString(payload)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(metrics_data())
def test_every_shape_of_metric_encodes_to_the_stock_message(data: MetricsData) -> None:
    reference = stock(data)
    ours = encode("metrics", data)
    assert _parsed(ours) == reference
    assert ours == stock_encode("metrics", data)


def _data(*metrics: Metric) -> MetricsData:
    scope = ScopeMetrics(InstrumentationScope("app"), list(metrics), "")
    return MetricsData([ResourceMetrics(Resource({"service.name": "s"}), [scope], "")])


def _sum(name: str, *values: Any) -> Metric:
    points = [NumberDataPoint({"i": i}, 1, 2, value) for i, value in enumerate(values)]
    return Metric(name, "", "", Sum(points, AggregationTemporality.CUMULATIVE, True))


def test_a_point_beyond_int64_is_dropped_and_counted_every_other_point_goes() -> None:
    before = counts.items
    request = _parsed(encode("metrics", _data(_sum("big", 10**100, 5), _sum("good", 1))))
    sent = request.resource_metrics[0].scope_metrics[0].metrics
    assert [(m.name, [p.as_int for p in m.sum.data_points]) for m in sent] == [
        ("big", [5]),
        ("good", [1]),
    ]
    assert counts.items == before + 1


def test_a_metric_whose_every_point_fails_is_left_out() -> None:
    request = _parsed(encode("metrics", _data(_sum("big", 10**100), _sum("good", 1))))
    sent = request.resource_metrics[0].scope_metrics[0].metrics
    assert [m.name for m in sent] == ["good"]


def test_a_metric_of_a_kind_otlp_does_not_know_is_sent_without_data_as_the_stock_one() -> None:
    odd = Metric("odd", "d", "u", object())  # type: ignore[arg-type]
    data = _data(odd, _sum("good", 1))
    assert _parsed(encode("metrics", data)) == stock(data)


def test_a_metric_that_cannot_be_encoded_at_all_is_dropped_and_counted() -> None:
    before = counts.items
    broken = Metric(b"not text", "", "", Gauge([]))  # type: ignore[arg-type]
    request = _parsed(encode("metrics", _data(broken, _sum("good", 1))))
    assert [m.name for m in request.resource_metrics[0].scope_metrics[0].metrics] == ["good"]
    assert counts.items == before + 1


def test_points_with_values_the_wire_cannot_carry_are_dropped_and_counted() -> None:
    before = counts.items
    odd_exemplar = Exemplar({}, "high", 1, None, None)  # type: ignore[arg-type]
    gauge = Metric("g", "", "", Gauge([NumberDataPoint({}, 0, 1, 1.5, [odd_exemplar])]))
    empty = Buckets(0, [])
    too_fine = ExponentialHistogramDataPoint({}, 0, 1, 1, 1.0, 1 << 40, 0, empty, empty, 0, 1, 1)
    exponential = ExponentialHistogram([too_fine], AggregationTemporality.DELTA)
    request = _parsed(
        encode("metrics", _data(gauge, Metric("e", "", "", exponential), _sum("good", 1)))
    )
    assert [m.name for m in request.resource_metrics[0].scope_metrics[0].metrics] == ["good"]
    assert counts.items == before + 2


def test_what_the_sdk_records_encodes_as_the_stock_encoder_writes_it() -> None:
    """Real SDK output, every instrument kind, with an exponential histogram at scale 0 and
    exemplars from a sampled span — independent of what the property test happens to draw."""
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation, View
    from opentelemetry.sdk.trace import TracerProvider

    reader = InMemoryMetricReader()
    view = View(
        instrument_name="latency.exp",
        aggregation=ExponentialBucketHistogramAggregation(max_scale=0),
    )
    provider = MeterProvider(metric_readers=[reader], views=[view])
    meter = provider.get_meter("app", "1.0")
    tracer = TracerProvider(shutdown_on_exit=False).get_tracer("app")
    with tracer.start_as_current_span("request"):
        meter.create_counter("requests").add(3, {"route": "/a"})
        meter.create_up_down_counter("inflight").add(-2)
        meter.create_histogram("latency").record(12.5, {"route": "/a"})
        meter.create_histogram("latency.exp").record(0.3)
        meter.create_gauge("temperature").set(21.5)
    data = reader.get_metrics_data()
    assert data is not None
    assert _parsed(encode("metrics", data)) == stock(data)
    assert encode("metrics", data) == stock_encode("metrics", data)
    provider.shutdown()


def test_zero_and_non_zero_fields_of_every_point_kind_encode_as_the_stock_ones() -> None:
    """Each optional field both absent (zero) and present, whatever the property test draws."""
    exemplars = [
        Exemplar({"a": 1}, 1.5, 0, None, None),
        Exemplar({}, 7, 5, 0xAB, 0xCD),
    ]
    metrics = []
    for zero in (True, False):
        n = 0 if zero else 3
        bucket = Buckets(n, [] if zero else [1, 2])
        metrics += [
            _sum("s", 1),
            Metric("g", "", "", Gauge([NumberDataPoint({}, n, n, 2.5, exemplars)])),
            Metric(
                "h",
                "",
                "",
                Histogram(
                    [
                        HistogramDataPoint(
                            {}, n, n, n, None if zero else 1.0, [n] * n, [1.0] * n, 0.5, 2.0, []
                        )
                    ],
                    AggregationTemporality.DELTA,
                ),
            ),
            Metric(
                "e",
                "",
                "",
                ExponentialHistogram(
                    [
                        ExponentialHistogramDataPoint(
                            {}, n, n, n, 1.0, -n, n, bucket, bucket, n, 0.5, 2.0, exemplars
                        )
                    ],
                    AggregationTemporality.CUMULATIVE,
                ),
            ),
        ]
    data = _data(*metrics)
    assert encode("metrics", data) == stock_encode("metrics", data)
