"""Our OTLP goes through rotel, an independent collector (Rust), and arrives intact."""

from __future__ import annotations

from pathlib import Path

from opentelemetry import _logs, metrics, trace
from opentelemetry._logs import SeverityNumber
from opentelemetry.trace import SpanKind, Status, StatusCode

from automagik_telemetry import configure_automagik
from tests.support.otlp_receiver import OTLPReceiver, attributes
from tests.support.rotel import running_rotel


def test_spans_metrics_and_logs_survive_a_round_trip_through_rotel(
    receiver: OTLPReceiver, tmp_path: Path
) -> None:
    exporter_args = [
        "--exporter",
        "otlp",
        "--otlp-exporter-endpoint",
        receiver.url,
        "--otlp-exporter-protocol",
        "http",
    ]
    with running_rotel(tmp_path, exporter_args) as rotel_url:
        handle = configure_automagik(
            service_name="peer-test", service_version="2.0", enabled=True, endpoint=rotel_url
        )
        tracer = trace.get_tracer("peer.scope", "0.1")
        with tracer.start_as_current_span("parent", kind=SpanKind.SERVER) as parent:
            parent.set_attributes({"s": "text", "i": 42, "f": 3.5, "b": True, "l": ["a", "b"]})
            with tracer.start_as_current_span("child") as child:
                child.add_event("cache.miss", {"key.size": 12})
                child.set_status(Status(StatusCode.ERROR, "boom"))
        metrics.get_meter("peer.scope").create_histogram("latency", unit="ms").record(12.5)
        _logs.get_logger("peer.scope").emit(
            body="hello from python", severity_number=SeverityNumber.WARN, attributes={"n": 1}
        )
        assert handle.force_flush(5)
        assert receiver.wait_for(
            lambda: len(receiver.spans()) == 2 and receiver.metrics() and receiver.log_records(),
            timeout=15,
        ), (tmp_path / "rotel.log").read_text() if (tmp_path / "rotel.log").exists() else ""

    spans = {span.name: (resource, span) for resource, span in receiver.spans()}
    resource, parent_span = spans["parent"]
    _, child_span = spans["child"]
    assert resource["service.name"] == "peer-test"
    assert resource["service.version"] == "2.0"
    assert attributes(parent_span.attributes) == {
        "s": "text",
        "i": 42,
        "f": 3.5,
        "b": True,
        "l": ["a", "b"],
    }
    assert parent_span.kind == parent_span.SPAN_KIND_SERVER
    assert child_span.parent_span_id == parent_span.span_id
    assert child_span.trace_id == parent_span.trace_id
    assert child_span.status.code == child_span.status.STATUS_CODE_ERROR
    assert child_span.status.message == "boom"
    assert child_span.events[0].name == "cache.miss"
    assert attributes(child_span.events[0].attributes) == {"key.size": 12}
    ((_, metric),) = receiver.metrics()
    assert (metric.name, metric.unit) == ("latency", "ms")
    assert metric.histogram.data_points[0].sum == 12.5
    ((_, record),) = receiver.log_records()
    assert record.body.string_value == "hello from python"
    assert record.severity_number == SeverityNumber.WARN.value
    assert attributes(record.attributes) == {"n": 1}
