"""The export buffer: never blocks the app, drops the oldest over budget, bounded shutdown
that spills instead of losing, fork-safe."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Sequence

import pytest

from automagik_telemetry.delivery.buffer import Buffer
from tests.support.polling import wait_until


class Recorder:
    """Where batches go in these tests: a list, optionally slow or stuck."""

    def __init__(self, delay: float = 0.0, stuck: threading.Event | None = None) -> None:
        self.batches: list[list[int]] = []
        self.delay = delay
        self.stuck = stuck

    def __call__(self, batch: Sequence[int]) -> None:
        if self.stuck is not None:
            self.stuck.wait(30)
        time.sleep(self.delay)
        self.batches.append(list(batch))

    @property
    def items(self) -> list[int]:
        return [item for batch in self.batches for item in batch]


def buffer(export: Recorder, **options: object) -> Buffer[int]:
    settings: dict[str, object] = {"max_queue": 1000, "batch_size": 10, "schedule_delay": 0.05}
    settings.update(options)
    return Buffer("items", export, **settings)  # type: ignore[arg-type]


def test_items_are_exported_in_order_in_batches_of_the_batch_size() -> None:
    export = Recorder()
    buf = buffer(export)
    for item in range(35):
        buf.put(item)
    assert buf.force_flush(5)
    assert export.items == list(range(35))
    assert max(len(batch) for batch in export.batches) <= 10


def test_a_burst_goes_out_in_full_batches_and_the_rest_waits() -> None:
    """As the SDK's batch processor: a burst is exported in full batches; what is left (less
    than a batch) waits for the next batch or the schedule delay instead of trickling out in
    small exports (each insert into ClickHouse has a cost of its own)."""
    export = Recorder()
    buf = buffer(export, schedule_delay=3600)
    for item in range(25):
        buf.put(item)
    assert wait_until(lambda: len(export.items) == 20, timeout=10)
    time.sleep(0.2)  # nothing else wakes the worker: the five left stay queued
    assert [len(batch) for batch in export.batches] == [10, 10]
    assert len(buf) == 5
    assert buf.force_flush(5)
    assert export.items == list(range(25))


def test_while_items_keep_coming_only_full_batches_go_out() -> None:
    """A burst is sent in full batches (one request each), not drained to the last item after
    every wake-up: the remainder waits for the next full batch, the schedule delay or a flush."""
    export = Recorder()
    buf = buffer(export, schedule_delay=60)
    for item in range(35):
        buf.put(item)
    assert wait_until(lambda: len(export.items) == 30, timeout=10)
    assert [len(batch) for batch in export.batches] == [10, 10, 10]
    assert len(buf) == 5  # not sent on its own
    for item in range(35, 40):
        buf.put(item)  # completes a batch: it goes with the next wake-up
    assert wait_until(lambda: len(export.items) == 40, timeout=10)
    assert export.items == list(range(40))
    assert [len(batch) for batch in export.batches] == [10, 10, 10, 10]


def test_a_partial_batch_goes_out_after_the_schedule_delay() -> None:
    export = Recorder()
    buf = buffer(export, schedule_delay=0.05)
    buf.put(1)
    deadline = time.monotonic() + 2
    while not export.items and time.monotonic() < deadline:
        time.sleep(0.01)
    assert export.items == [1]


def test_force_flush_says_when_it_ran_out_of_time() -> None:
    export = Recorder(delay=0.1)
    buf = buffer(export, schedule_delay=60)
    for item in range(100):
        buf.put(item)
    assert buf.force_flush(0.15) is False
    assert 0 < len(export.items) < 100
    assert buf.force_flush(5) is True


def test_put_never_waits_on_a_stuck_exporter() -> None:
    release = threading.Event()
    export = Recorder(stuck=release)
    buf = buffer(export, max_queue=100_000)
    started = time.perf_counter()
    for item in range(20_000):
        buf.put(item)
    elapsed = time.perf_counter() - started
    release.set()
    assert elapsed < 2.0  # 20k appends; an exporter stuck on I/O does not slow them down
    assert buf.force_flush(10)
    assert export.items == list(range(20_000))


def test_over_budget_the_oldest_items_are_dropped_and_counted() -> None:
    release = threading.Event()
    export = Recorder(stuck=release)
    buf = buffer(export, max_queue=100, batch_size=10)
    for item in range(500):
        buf.put(item)
    release.set()
    assert buf.force_flush(5)
    assert buf.dropped >= 300
    assert export.items[-100:] == list(range(400, 500))  # the newest survive
    assert len(export.items) + buf.dropped == 500


def test_an_exporter_that_raises_is_logged_and_the_buffer_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[int] = []

    def flaky(batch: Sequence[int]) -> None:
        calls.append(len(batch))
        if len(calls) == 1:
            raise RuntimeError("exporter bug")

    buf = Buffer("items", flaky, max_queue=100, batch_size=5, schedule_delay=60)
    for item in range(10):
        buf.put(item)
    assert buf.force_flush(5)
    assert calls == [5, 5]
    assert "exporter bug" in caplog.text


def test_a_huge_schedule_delay_does_not_kill_the_worker() -> None:
    """``Event.wait(1e10)`` raises ``OverflowError``: the worker used to die on its first wait,
    and nothing was exported again until a flush."""
    export = Recorder()
    buf = buffer(export, schedule_delay=1e10)
    time.sleep(0.2)
    for item in range(10):  # a full batch wakes the worker
        buf.put(item)
    assert wait_until(lambda: export.items == list(range(10)), 5)


def test_shutdown_exports_what_it_can_and_spills_the_rest_within_the_timeout() -> None:
    release = threading.Event()
    export = Recorder(stuck=release)
    spilled: list[int] = []
    buf = buffer(export, spill=spilled.extend, schedule_delay=60)
    for item in range(50):
        buf.put(item)
    time.sleep(0.05)  # let the worker take a first batch and get stuck on it
    started = time.monotonic()
    assert buf.shutdown(1.0) is False
    assert time.monotonic() - started < 1.5
    release.set()
    assert len(spilled) >= 40
    buf.put(99)  # after shutdown: ignored
    assert 99 not in spilled
    assert buf.shutdown(1.0) is True  # a second shutdown is a no-op


def test_shutdown_without_a_spill_counts_what_it_had_to_drop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    release = threading.Event()
    buf = buffer(Recorder(stuck=release), schedule_delay=60)
    for item in range(30):
        buf.put(item)
    time.sleep(0.05)
    buf.shutdown(0.3)
    release.set()
    assert buf.dropped >= 20
    assert "not exported before the shutdown timeout" in caplog.text


def test_a_healthy_shutdown_exports_everything() -> None:
    export = Recorder()
    buf = buffer(export, schedule_delay=60)
    for item in range(25):
        buf.put(item)
    assert len(buf) == 25
    assert buf.shutdown(5) is True
    assert export.items == list(range(25))


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_gets_an_empty_queue_and_a_worker_of_its_own() -> None:
    export = Recorder()
    buf = buffer(export, schedule_delay=60)
    release = threading.Event()
    export.stuck = release  # the parent's queue holds items when the fork happens
    for item in range(5):
        buf.put(item)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        export.stuck = None
        export.batches.clear()
        inherited = len(buf)
        buf.put(100)
        flushed = buf.force_flush(5)
        os.write(write_end, f"{inherited} {flushed} {export.items}".encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        report = pipe.read()
    os.waitpid(pid, 0)
    release.set()
    assert report == "0 True [100]"
    assert buf.force_flush(5)
    assert export.items == [0, 1, 2, 3, 4]
