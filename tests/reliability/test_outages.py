"""Fault tests over real sockets: whatever the backend does, nothing that fit the spool budget
is lost, nothing is sent twice, and the app is never held up."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

from tests.reliability.conftest import (
    all_once,
    arrived,
    arrived_logs,
    produce,
    reliable,
    wait_until,
)
from tests.support.otlp_receiver import OTLPReceiver, Received, running_receiver
from tests.support.raw_server import raw_server, reset, truncated_answer


def test_receiver_down_from_the_start(receiver: OTLPReceiver, spool_dir: Path) -> None:
    receiver.stop()
    handle = reliable(receiver, spool_dir)
    names = produce("down", 2000, logs=300)
    assert handle.force_flush(10)
    status = handle.status()
    assert sum(spool["batches"] for spool in status.spool.values()) > 0
    assert arrived(receiver) == {}

    receiver.restart()
    assert wait_until(lambda: all_once(arrived(receiver), names))
    assert wait_until(lambda: sum(arrived_logs(receiver).values()) == 300)
    assert max(arrived(receiver).values()) == 1
    assert max(arrived_logs(receiver).values()) == 1
    assert wait_until(
        lambda: (
            handle.status().spool
            and all(spool["batches"] == 0 for spool in handle.status().spool.values())
        )
    )


def test_receiver_down_mid_run_then_back(receiver: OTLPReceiver, spool_dir: Path) -> None:
    handle = reliable(receiver, spool_dir)
    before = produce("before", 500)
    handle.force_flush(10)
    assert wait_until(lambda: all_once(arrived(receiver), before))
    receiver.stop()
    during = produce("during", 500)
    handle.force_flush(10)
    receiver.restart()
    after = produce("after", 500)
    handle.force_flush(10)
    everything = before + during + after
    assert wait_until(lambda: all_once(arrived(receiver), everything))
    assert sum(arrived(receiver).values()) == 1500


def test_server_errors_for_a_while(spool_dir: Path) -> None:
    failing = {"left": 6}

    def flaky(_: Received) -> tuple[int, dict[str, str], bytes] | None:
        if failing["left"] > 0:
            failing["left"] -= 1
            return 500, {}, b"Code: 999. overloaded"
        return None

    with running_receiver(behaviour=flaky) as receiver:
        handle = reliable(receiver, spool_dir)
        names = produce("flaky", 3000)
        handle.force_flush(10)
        assert wait_until(lambda: all_once(arrived(receiver), names))
    assert failing["left"] == 0
    assert sum(arrived(receiver).values()) == 3000


def test_429_with_retry_after_is_honoured(spool_dir: Path) -> None:
    started = time.monotonic()
    answers: list[tuple[float, int]] = []

    def busy(_: Received) -> tuple[int, dict[str, str], bytes] | None:
        elapsed = time.monotonic() - started
        if elapsed < 1.0:
            answers.append((elapsed, 429))
            return 429, {"Retry-After": "1"}, b"slow down"
        answers.append((elapsed, 200))
        return None

    with running_receiver(behaviour=busy) as receiver:
        handle = reliable(receiver, spool_dir)
        names = produce("busy", 100)
        handle.force_flush(10)
        assert wait_until(lambda: all_once(arrived(receiver), names))
    refused = [at for at, status in answers if status == 429]
    assert len(refused) <= 3  # told to wait, we waited: no hammering
    first_accepted = min(at for at, status in answers if status == 200)
    assert first_accepted >= 1.0


def test_the_first_429_of_a_live_send_is_honoured(spool_dir: Path) -> None:
    """The live attempt's ``Retry-After`` holds back the spooled batch (it used to be re-sent
    0.06 s later), and the backend counts as down meanwhile: nothing else is sent either."""
    requests_at: list[float] = []

    def first_busy(_: Received) -> tuple[int, dict[str, str], bytes] | None:
        requests_at.append(time.monotonic())
        if len(requests_at) == 1:
            return 429, {"Retry-After": "2"}, b"slow down"
        return None

    with running_receiver(behaviour=first_busy) as receiver:
        handle = reliable(receiver, spool_dir)
        names = produce("first-busy", 100)
        assert handle.force_flush(10)
        more = produce("while-waiting", 100)
        assert handle.force_flush(10)
        assert wait_until(lambda: all_once(arrived(receiver), names + more))
    assert requests_at[1] - requests_at[0] >= 1.9
    assert sum(arrived(receiver).values()) == 200


def test_a_receiver_that_accepts_and_never_answers(spool_dir: Path) -> None:
    """Requests held past the client's timeout are answered 503 later and never recorded (a
    server that did not process them); the client spooled them and replays once it answers."""
    answering = threading.Event()

    def hanging(_: Received) -> tuple[int, dict[str, str], bytes] | None:
        if answering.is_set():
            return None
        answering.wait(30)
        return 503, {}, b"too late"

    with running_receiver(behaviour=hanging) as receiver:
        handle = reliable(receiver, spool_dir, timeout=0.3)
        names = produce("hang", 1000)
        started = time.monotonic()
        produce("hang-extra", 0)
        handle.force_flush(3)
        time.sleep(0.5)
        answering.set()
        assert wait_until(lambda: all_once(arrived(receiver), names))
        assert time.monotonic() - started < 20
    assert sum(arrived(receiver).values()) == 1000


def test_connection_reset_mid_body(receiver: OTLPReceiver, spool_dir: Path) -> None:
    receiver.stop(hold=False)  # the raw server below takes its port
    handle = reliable(receiver, spool_dir)
    with raw_server(reset_after_a_read, receiver.port) as server:
        names = produce("reset", 1500)
        handle.force_flush(10)
        assert wait_until(lambda: server.connections >= 1)
    receiver.restart()
    assert wait_until(lambda: all_once(arrived(receiver), names))
    assert sum(arrived(receiver).values()) == 1500


def reset_after_a_read(conn: socket.socket) -> None:
    conn.recv(100)
    reset(conn)


def test_a_truncated_503_then_a_reset_loses_nothing(
    receiver: OTLPReceiver, spool_dir: Path
) -> None:
    """``HTTP/1.1 503``, ``Content-Length: 100``, 10 bytes, then a reset: a fault on the way,
    not a refusal. Every batch is kept and arrives once the endpoint answers properly."""
    receiver.stop(hold=False)  # the raw server below takes its port
    handle = reliable(receiver, spool_dir)
    with raw_server(truncated_answer(503, promised=100, sent=10), receiver.port) as server:
        names = produce("truncated", 2000)
        assert handle.force_flush(10)
        assert wait_until(lambda: server.connections >= 1)
    assert sum(spool["batches"] for spool in handle.status().spool.values()) > 0  # kept
    receiver.restart()
    assert wait_until(lambda: all_once(arrived(receiver), names))
    assert sum(arrived(receiver).values()) == 2000


def test_a_burst_far_faster_than_export_loses_nothing(
    receiver: OTLPReceiver, spool_dir: Path
) -> None:
    """The stock BatchSpanProcessor keeps 2,048 spans: 30,000 in a tight loop lost 16,176 here."""
    handle = reliable(receiver, spool_dir, schedule_delay=5.0)
    names = produce("burst", 30_000)
    assert handle.force_flush(60)
    assert wait_until(lambda: sum(arrived(receiver).values()) >= 30_000, timeout=60)
    assert all_once(arrived(receiver), names)
    assert handle.status().queue_dropped == {"traces": 0, "logs": 0}


def test_over_the_disk_budget_the_oldest_go_and_are_counted(
    receiver: OTLPReceiver, spool_dir: Path
) -> None:
    receiver.stop()
    handle = reliable(receiver, spool_dir, spool_max_bytes=40_000, batch_size=100)
    produce("old", 2000)
    handle.force_flush(10)
    newest = produce("new", 100)
    handle.force_flush(10)
    status = handle.status()
    (spool,) = status.spool.values()
    assert spool["bytes"] <= 40_000
    dropped = spool["dropped"]["over_budget"]["batches"]
    assert dropped > 0
    assert f"dropped (over_budget): {dropped} batches" in status.render()

    receiver.restart()
    assert wait_until(lambda: all_once(arrived(receiver), newest))  # the newest fit
    received = arrived(receiver)
    assert max(received.values()) == 1
    # The oldest went: the old spans that arrived are the newest of them, with no gap.
    kept = sorted(int(name.removeprefix("old-")) for name in received if name.startswith("old-"))
    assert kept == list(range(2000 - len(kept), 2000))
    # Every missing span is in a counted batch (a batch holds 1 to batch_size=100 spans; how
    # many depends on when the worker woke).
    assert dropped <= 2000 - len(kept) <= dropped * 100


def test_when_the_memory_budget_is_exhausted_the_oldest_go_and_status_says_so(
    spool_dir: Path,
) -> None:
    release = threading.Event()

    def stuck(_: Received) -> tuple[int, dict[str, str], bytes]:
        release.wait(30)
        return 503, {}, b""

    with running_receiver(behaviour=stuck) as receiver:
        handle = reliable(receiver, spool_dir, queue_size=50, batch_size=10, timeout=5.0)
        produce("flood", 1000)  # the worker is stuck on the first batch: the queue overflows
        status = handle.status()
        release.set()
    assert status.queue_dropped["traces"] >= 900
    assert (
        f"{status.queue_dropped['traces']} traces dropped (memory budget full)" in status.render()
    )
