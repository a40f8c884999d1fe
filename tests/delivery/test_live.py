"""The live sender: the export thread waits for an attempt at most ``patience``; an attempt
left in flight settles its own batch, or is settled as not taken at shutdown."""

from __future__ import annotations

import threading
import time

import pytest

from automagik_telemetry import TelemetryConfig
from automagik_telemetry.delivery.live import LiveSender
from automagik_telemetry.delivery.outcome import Delivery
from automagik_telemetry.exporters.otlp import OTLPBackend
from automagik_telemetry.spool.codec import encode_batch
from tests.support.otlp_receiver import OTLPReceiver, Received, running_receiver
from tests.support.polling import wait_until
from tests.support.raw_server import black_hole, raw_server

PAYLOAD = encode_batch("traces", [])


class Outcomes:
    """What ``settle_late`` was given, in order."""

    def __init__(self) -> None:
        self.late: list[Delivery] = []

    def __call__(self, delivery: Delivery) -> None:
        self.late.append(delivery)


def send(url: str, timeout: float) -> Delivery:
    return OTLPBackend(TelemetryConfig(endpoint=url)).send_request("traces", PAYLOAD, timeout)


def test_an_attempt_that_ends_within_the_patience_is_answered_directly(
    receiver: OTLPReceiver,
) -> None:
    sender, late = LiveSender("t", patience=5.0), Outcomes()
    delivery = sender.run(lambda: send(receiver.url, 5), late)
    assert delivery is not None
    assert delivery.delivered
    assert not sender.busy
    assert late.late == []


def test_an_attempt_past_the_patience_settles_itself_when_it_ends() -> None:
    release = threading.Event()

    def slow(_: Received) -> tuple[int, dict[str, str], bytes] | None:
        release.wait(10)
        return None

    with running_receiver(behaviour=slow) as receiver:
        sender, late = LiveSender("t", patience=0.2), Outcomes()
        assert sender.run(lambda: send(receiver.url, 10), late) is None  # still in flight
        assert sender.busy  # the next batch must not queue behind it
        release.set()
        sender.finish(10)  # ends by itself meanwhile: nothing to settle at shutdown
        assert wait_until(lambda: len(late.late) == 1, 10)
    assert late.late[0].delivered  # taken after all, and sent once
    assert len(receiver.received) == 1
    assert wait_until(lambda: not sender.busy, 5)  # busy until settled, then free


def test_an_attempt_still_in_flight_at_shutdown_settles_its_own_batch_when_it_ends() -> None:
    """Shutdown waits for it (bounded), then leaves it: the spool holds a copy as this
    process's claim (spool/inflight.py), which the attempt's own outcome settles: settling it
    as "not taken" at shutdown would put the copy in ready/ while the request may still land,
    and the batch would arrive twice."""
    with raw_server(black_hole) as server:
        sender, late = LiveSender("t", patience=0.2), Outcomes()
        assert sender.run(lambda: send(server.url, 30), late) is None
        started = time.monotonic()
        sender.finish(0.3)
        assert 0.2 < time.monotonic() - started < 5  # it waited, bounded
        assert late.late == []  # not settled by the shutdown
    # The attempt then fails (the black hole closed): settled once, by its own outcome.
    assert wait_until(lambda: len(late.late) == 1, 10)
    assert late.late[0].status == "retry"
    assert not sender.busy


def test_an_attempt_that_raises_counts_as_not_taken(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> Delivery:
        raise RuntimeError("sender bug")

    sender = LiveSender("t", patience=5.0)
    delivery = sender.run(broken, Outcomes())
    assert delivery is not None
    assert delivery.status == "retry"
    assert wait_until(lambda: "sender bug" in caplog.text, 5)
    # and the sender's thread goes on
    assert wait_until(lambda: sender.run(lambda: Delivery.ok(), Outcomes()) is not None, 10)


def test_without_pressure_a_slow_endpoint_is_waited_for() -> None:
    """Nothing needs the export thread: it waits past ``patience`` for the answer, as it did
    without a sender (a flush still means "delivered")."""

    def slow(_: Received) -> tuple[int, dict[str, str], bytes] | None:
        threading.Event().wait(0.8)
        return None

    with running_receiver(behaviour=slow) as receiver:
        sender, late = LiveSender("t", patience=0.1), Outcomes()
        sender.pressure = lambda: False
        delivery = sender.run(lambda: send(receiver.url, 10), late)
    assert delivery is not None
    assert delivery.delivered
    assert late.late == []


def test_a_caller_still_waiting_at_shutdown_stops_and_the_attempt_settles_itself() -> None:
    with raw_server(black_hole) as server:
        sender, late = LiveSender("t", patience=0.1), Outcomes()
        sender.pressure = lambda: False
        answers: list[Delivery | None] = []
        caller = threading.Thread(
            target=lambda: answers.append(sender.run(lambda: send(server.url, 30), late))
        )
        caller.start()
        assert wait_until(lambda: server.connections == 1, 10)
        sender.finish(0.2)
        caller.join(10)
        assert not caller.is_alive()
        assert answers == [None]  # not for the caller to settle any more
        assert late.late == []  # nor for the shutdown: the attempt's own outcome settles it
    assert wait_until(lambda: len(late.late) == 1, 10)  # the black hole closed: not taken
    assert late.late[0].status == "retry"
