"""track_event / track_error / track_metric end to end, to the real OTLP receiver."""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import logging
import time

import pytest
from opentelemetry import trace

from automagik_telemetry import (
    METRIC_KINDS,
    ConsentLevel,
    StandardEvents,
    TelemetryHandle,
    configure_automagik,
    track_error,
    track_error_async,
    track_event,
    track_event_async,
    track_metric,
    track_metric_async,
)
from automagik_telemetry import events as events_module
from automagik_telemetry.consent import ConsentStore
from tests.support.otlp_receiver import OTLPReceiver, attributes


def start(receiver: OTLPReceiver, **settings: object) -> TelemetryHandle:
    return configure_automagik(
        **{"enabled": True, "endpoint": receiver.url, "service_name": "forge", **settings}
    )


def events(receiver: OTLPReceiver) -> list[tuple[str, dict[str, object]]]:
    return [(r.event_name, attributes(r.attributes)) for _, r in receiver.log_records()]


def metric_points(receiver: OTLPReceiver) -> dict[str, tuple[str, object]]:
    """metric name -> (data kind, last point) for every metric received."""
    found: dict[str, tuple[str, object]] = {}
    for _, metric in receiver.metrics():
        kind = metric.WhichOneof("data")
        found[metric.name] = (kind, getattr(metric, kind).data_points[-1])
    return found


class Workers(enum.IntEnum):
    EXTRA = 1


class Shouting:
    def __str__(self) -> str:
        return "SHOUT"


class Broken:
    def __str__(self) -> str:
        raise RuntimeError("bug in __str__")


def test_standard_event_names_match_the_seed_sdk() -> None:
    assert StandardEvents.FEATURE_USED == "automagik.feature.used"
    assert StandardEvents.COMMAND_EXECUTED == "automagik.cli.command"
    assert StandardEvents.API_REQUEST == "automagik.api.request"
    assert StandardEvents.OPERATION_LATENCY == "automagik.performance.latency"
    assert StandardEvents.ERROR_OCCURRED == "automagik.error"
    assert StandardEvents.SERVICE_HEALTH == "automagik.health"


def test_track_event_sends_a_named_log_record_in_the_current_trace(
    receiver: OTLPReceiver,
) -> None:
    handle = start(receiver)
    before = time.time_ns()
    with trace.get_tracer("t").start_as_current_span("command") as span:
        track_event(
            StandardEvents.FEATURE_USED,
            {
                "feature_name": "export",
                "count": 3,
                "tags": ("a", "b"),
                "obj": Shouting(),
                "x": None,
            },
        )
    track_event("automagik.health")
    assert handle.force_flush(5)
    assert receiver.wait_for(lambda: len(receiver.log_records()) == 2)

    (resource, first), (_, second) = receiver.log_records()
    assert first.event_name == "automagik.feature.used"
    assert attributes(first.attributes) == {
        "feature_name": "export",
        "count": 3,
        "tags": ["a", "b"],
        "obj": "SHOUT",
    }
    assert first.severity_text == "INFO"
    assert first.time_unix_nano >= before
    assert first.span_id == span.get_span_context().span_id.to_bytes(8, "big")
    assert resource["service.name"] == "forge"
    assert (second.event_name, list(second.attributes)) == ("automagik.health", [])


def test_track_error_records_on_the_span_and_sends_an_error_record(
    receiver: OTLPReceiver,
) -> None:
    handle = start(receiver)
    with trace.get_tracer("t").start_as_current_span("sync-contacts"):
        try:
            raise ConnectionError("upstream closed")
        except ConnectionError as error:
            track_error(error, {"error_code": "OMNI-1001", "operation": "sync"})
    track_error("not an exception")  # type: ignore[arg-type]  # the seed accepted anything
    assert handle.force_flush(5)
    assert receiver.wait_for(lambda: len(receiver.log_records()) == 2 and receiver.spans())

    (_, span), *_ = receiver.spans()
    (event,) = span.events
    assert event.name == "exception"
    assert attributes(event.attributes)["error_code"] == "OMNI-1001"
    (_, record), (_, odd) = receiver.log_records()
    assert (record.event_name, record.severity_text) == ("automagik.error", "ERROR")
    assert record.body.string_value == "ConnectionError: upstream closed"
    details = attributes(record.attributes)
    assert details["exception.type"] == "ConnectionError"
    assert details["exception.message"] == "upstream closed"
    assert "raise ConnectionError" in details["exception.stacktrace"]
    assert details["operation"] == "sync"
    assert record.span_id == span.span_id
    assert attributes(odd.attributes) == {
        "exception.type": "str",
        "exception.message": "not an exception",
    }


class QuotaExceededError(Exception):
    pass


def test_an_error_type_outside_builtins_is_fully_qualified(receiver: OTLPReceiver) -> None:
    handle = start(receiver)
    track_error(QuotaExceededError("over quota"))
    handle.force_flush(5)
    assert receiver.wait_for(lambda: receiver.log_records())
    (_, record), *_ = receiver.log_records()
    assert attributes(record.attributes)["exception.type"] == "tests.test_events.QuotaExceededError"
    assert "exception.stacktrace" not in attributes(record.attributes)  # never raised


def test_track_metric_creates_each_kind_once_per_name(receiver: OTLPReceiver) -> None:
    handle = start(receiver, metric_export_interval=60)
    for _ in range(3):
        track_metric("forge.tasks", 1, attributes={"plan": "pro"})
    track_metric("forge.queue", 7, kind="gauge")
    track_metric("forge.queue", 4, kind="gauge")
    track_metric("forge.latency", 12.5, kind="histogram")
    track_metric("forge.workers", 3, kind="updown_counter")
    track_metric("forge.workers", -1, kind="updown_counter")
    track_metric("forge.workers", Workers.EXTRA, kind="updown_counter")  # an int subclass
    assert handle.force_flush(5)
    assert receiver.wait_for(lambda: len(metric_points(receiver)) == 4)

    points = metric_points(receiver)
    assert points["forge.tasks"][0] == "sum"
    assert points["forge.tasks"][1].as_int == 3
    assert attributes(points["forge.tasks"][1].attributes) == {"plan": "pro"}
    assert points["forge.queue"][0] == "gauge"
    assert points["forge.queue"][1].as_int == 4
    assert points["forge.latency"][0] == "histogram"
    assert points["forge.latency"][1].sum == 12.5
    assert points["forge.workers"][1].as_int == 3
    assert set(METRIC_KINDS) == {"counter", "gauge", "histogram", "updown_counter"}


def test_misuse_is_logged_once_and_dropped_never_raised(
    receiver: OTLPReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    handle = start(receiver)
    with caplog.at_level(logging.ERROR, logger="automagik_telemetry"):
        track_metric("jobs", 1)
        for _ in range(3):
            track_metric("jobs", 5, kind="gauge")  # reused with another kind
        track_metric("jobs", 2)
        track_metric("jobs", -1)  # counters only go up
        track_metric("jobs", "many")  # type: ignore[arg-type]
        track_metric("flags", True)  # type: ignore[arg-type]
        track_metric("other", 1, kind="summary")  # type: ignore[arg-type]
        track_metric("other", 1, attributes={"bad": Broken()})
        track_event("evt", {"bad": Broken()})
        track_error(ValueError("x"), {"bad": Broken()})
    assert handle.force_flush(5)
    assert receiver.wait_for(lambda: "jobs" in metric_points(receiver))

    assert metric_points(receiver)["jobs"][1].as_int == 3
    assert "other" not in metric_points(receiver)
    assert caplog.text.count("this name is a counter, not a gauge") == 1
    assert "a counter only goes up" in caplog.text
    assert "value must be a number, got str" in caplog.text
    assert "value must be a number, got bool" in caplog.text
    assert "unknown kind 'summary'" in caplog.text
    assert "track_metric('other') failed" in caplog.text
    assert "track_event('evt') failed" in caplog.text
    assert "track_error() failed" in caplog.text
    assert receiver.log_records() == []


def test_at_the_errors_level_only_errors_leave(receiver: OTLPReceiver) -> None:
    ConsentStore().write_preference(ConsentLevel.ERRORS, via="test")
    handle = configure_automagik(endpoint=receiver.url, metric_export_interval=0.05)
    track_event(StandardEvents.FEATURE_USED)
    track_metric("jobs", 1)
    track_error(ValueError("broken"))
    assert handle.force_flush(5)
    assert receiver.wait_for(lambda: receiver.log_records())
    time.sleep(0.2)
    assert [name for name, _ in events(receiver)] == ["automagik.error"]
    assert receiver.metrics() == []


def test_without_consent_or_before_configure_nothing_is_recorded(
    receiver: OTLPReceiver,
) -> None:
    track_event("early")  # configure_automagik() not called yet
    track_metric("early", 1)
    track_error(ValueError("early"))
    handle = configure_automagik(endpoint=receiver.url)  # nobody opted in
    assert not handle.enabled
    track_event("off")
    track_metric("off", 1)
    track_error(ValueError("off"))
    handle.force_flush(1)
    assert receiver.connections == 0


def test_after_an_opt_out_or_shutdown_nothing_more_is_recorded(receiver: OTLPReceiver) -> None:
    handle = start(receiver, metric_export_interval=0.05)
    handle.consent.revoke("test")
    track_event("revoked")
    track_error(ValueError("revoked"))
    track_metric("revoked", 1)
    handle.shutdown()
    track_event("after shutdown")
    track_error(ValueError("after shutdown"))
    assert receiver.log_records() == []
    assert "revoked" not in metric_points(receiver)


def test_a_configuration_keeps_its_own_recorder(receiver: OTLPReceiver) -> None:
    handle = start(receiver)
    assert handle.recorder is None  # built on the first call, not at configure time
    track_metric("first", 1)
    recorder = handle.recorder
    assert recorder is not None
    assert events_module._recorder(handle) is recorder


def test_async_variants_record_without_blocking_the_loop(receiver: OTLPReceiver) -> None:
    handle = start(receiver)
    # The first record of a process builds the recorder and compiles the privacy engine's
    # tables (once, lazily); what is timed below is the steady state of the async calls.
    track_event("warm-up", {"step": "first"})

    async def main() -> float:
        started = time.perf_counter()
        await track_event_async(StandardEvents.API_REQUEST, {"method": "GET"})
        await track_metric_async("requests", 1)
        await track_error_async(ValueError("async failure"))
        return time.perf_counter() - started

    assert asyncio.run(main()) < 0.05
    handle.force_flush(5)
    assert receiver.wait_for(lambda: len(receiver.log_records()) == 3)
    assert [name for name, _ in events(receiver)] == [
        "warm-up",
        "automagik.api.request",
        "automagik.error",
    ]
    assert receiver.wait_for(lambda: "requests" in metric_points(receiver))


def test_a_bad_call_is_dropped_and_counted_and_never_costs_the_batch(
    receiver: OTLPReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 11: ``track_event(123)`` used to make its whole log batch fail to encode, and
    ``track_metric("m", 10**100)`` broke every later metric export."""
    handle = start(receiver, metric_export_interval=0.05)
    with caplog.at_level(logging.ERROR, logger="automagik_telemetry"):
        for index in range(200):
            track_event("good", {"index": index})
            if index == 100:
                track_event(123)  # type: ignore[arg-type]
                track_event("", {"empty": "name"})
                track_event("listed", ["not", "a", "mapping"])  # type: ignore[arg-type]
                track_metric("huge", 10**100)
                track_metric("nan", float("nan"), kind="gauge")
                track_metric(None, 1)  # type: ignore[arg-type]
                track_metric("listed", 1, attributes=["x"])  # type: ignore[arg-type]
                track_error(ValueError("listed"), ["x"])  # type: ignore[arg-type]
        track_event("wide", {"big": 10**30, 7: "seven", "ok": 2**63 - 1})
        track_event("bare", {})
        track_metric("jobs", 3, attributes={"big": -(10**40)})
    assert handle.force_flush(5)
    assert receiver.wait_for(lambda: len(events(receiver)) == 202)
    assert receiver.wait_for(lambda: "jobs" in metric_points(receiver))
    time.sleep(0.2)  # a few more metric exports: none may fail
    track_metric("later", 1)
    assert handle.force_flush(5)
    assert receiver.wait_for(lambda: "later" in metric_points(receiver))

    names = [name for name, _ in events(receiver)]
    assert names.count("good") == 200
    assert dict(events(receiver))["bare"] == {}
    wide = dict(events(receiver))["wide"]
    assert wide == {"big": str(10**30), "7": "seven", "ok": 2**63 - 1}
    assert attributes(metric_points(receiver)["jobs"][1].attributes) == {"big": str(-(10**40))}
    assert not {"huge", "nan"} & set(metric_points(receiver))
    assert handle.status().invalid_calls == {
        "track_error": 1,
        "track_event": 3,
        "track_metric": 4,
    }
    assert "track_event(<int>): the name must be a non-empty string (dropped)" in caplog.text
    assert "track_metric('huge'): an integer value must fit in 64 bits" in caplog.text
    assert "track_metric('nan'): value must be finite" in caplog.text
    assert "attributes must be a mapping, got list" in caplog.text
    assert "calls:        4 track_metric() dropped (invalid arguments)" in handle.status().render()


def test_status_counts_what_the_encoders_had_to_leave_out(receiver: OTLPReceiver) -> None:
    """The OTel API takes any integer as an attribute; OTLP carries 64 bits: the attribute is
    left out (the span still goes), and ``status`` says so."""
    handle = start(receiver)
    before = handle.status().unencodable["attributes"]
    with trace.get_tracer("test").start_as_current_span("wide") as span:
        span.set_attribute("huge", 10**30)
        span.set_attribute("fine", 7)
    assert handle.force_flush(5)
    assert receiver.wait_for(lambda: len(receiver.spans()) == 1)
    _, received = receiver.spans()[0]
    assert attributes(received.attributes) == {"fine": 7}
    status = handle.status()
    assert status.unencodable["attributes"] == before + 1
    assert f"encoding:     {before + 1} attributes left out" in status.render()
    # what was never left out is not listed (the counts are per process, since start)
    quiet = dataclasses.replace(status, unencodable={"items": 0, "attributes": 2})
    assert "encoding:     2 attributes left out" in quiet.render()
    assert "items left out" not in quiet.render()
