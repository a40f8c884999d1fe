"""One item that cannot be encoded costs only itself, through the whole pipeline to a real
OTLP receiver."""

from __future__ import annotations

from opentelemetry._logs import SeverityNumber

from automagik_telemetry import TelemetryHandle, configure_automagik, track_metric
from automagik_telemetry.encoding import counts
from tests.support.otlp_receiver import OTLPReceiver


def start(receiver: OTLPReceiver) -> TelemetryHandle:
    return configure_automagik(enabled=True, endpoint=receiver.url, service_name="forge")


def test_200_log_records_arrive_when_one_in_their_batch_cannot_be_encoded(
    receiver: OTLPReceiver,
) -> None:
    handle = start(receiver)
    assert handle.pipeline is not None
    logger = handle.pipeline.logger_provider.get_logger("app")
    before = counts.items
    for index in range(201):
        # The SDK takes whatever it is given: an event name that is not a string is what
        # ``track_event(123)`` used to make, and it made its whole batch fail to encode.
        name = 123 if index == 100 else "app.step"
        logger.emit(
            event_name=name,  # type: ignore[arg-type]
            body=f"step {index}",
            severity_number=SeverityNumber.INFO,
        )
    assert handle.force_flush(10)
    assert receiver.wait_for(lambda: len(receiver.log_records()) >= 200)
    bodies = [record.body.string_value for _, record in receiver.log_records()]
    assert bodies == [f"step {index}" for index in range(201) if index != 100]
    assert counts.items == before + 1


def test_a_metric_value_beyond_int64_does_not_break_later_metric_exports(
    receiver: OTLPReceiver,
) -> None:
    handle = start(receiver)
    assert handle.pipeline is not None
    assert handle.pipeline.meter_provider is not None
    meter = handle.pipeline.meter_provider.get_meter("app")
    # What ``track_metric("m", 10**100)`` recorded before the call checked its value.
    meter.create_counter("huge").add(10**100)
    track_metric("requests", 1)
    assert handle.force_flush(10)
    track_metric("requests", 2)
    assert handle.force_flush(10)

    def requests_seen() -> list[int]:
        return [
            point.as_int
            for _, metric in receiver.metrics()
            if metric.name == "requests"
            for point in metric.sum.data_points
        ]

    assert receiver.wait_for(lambda: 3 in requests_seen())
    assert requests_seen()[-1] == 3
    assert counts.items >= 1
