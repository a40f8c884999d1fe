from __future__ import annotations

import os
import threading
import time

import pytest
from opentelemetry import trace

from automagik_telemetry import configure_automagik
from automagik_telemetry.engine.shutdown import ExitFlusher, run_bounded
from tests.support.otlp_receiver import OTLPReceiver


def test_run_bounded_returns_the_result_of_quick_work() -> None:
    assert run_bounded(lambda: True, 1.0) is True
    assert run_bounded(lambda: False, 1.0) is False


def test_run_bounded_gives_up_after_the_timeout(caplog: pytest.LogCaptureFixture) -> None:
    release = threading.Event()
    started = time.monotonic()
    assert run_bounded(lambda: release.wait(10), 0.2) is False
    assert time.monotonic() - started < 1.0
    assert "did not finish within 0.2s" in caplog.text
    release.set()


def test_run_bounded_reports_failures_instead_of_raising(caplog: pytest.LogCaptureFixture) -> None:
    def broken() -> bool:
        raise RuntimeError("exporter exploded")

    assert run_bounded(broken, 1.0) is False
    assert "exporter exploded" in caplog.text


def test_exit_flusher_runs_on_its_parked_thread_without_starting_a_new_one() -> None:
    flusher = ExitFlusher()
    ran_on: list[str] = []
    threads_before = threading.active_count()

    def work() -> bool:
        ran_on.append(threading.current_thread().name)
        return True

    assert flusher(work, 1.0) is True
    assert ran_on == ["automagik-telemetry-exit"]
    assert threading.active_count() <= threads_before


def test_exit_flusher_is_bounded_and_falls_back_once_used() -> None:
    flusher = ExitFlusher()
    release = threading.Event()
    assert flusher(lambda: release.wait(10), 0.2) is False
    release.set()
    assert flusher(lambda: True, 1.0) is True  # second use: a fresh bounded thread


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_flushes_its_own_data_at_exit(receiver: OTLPReceiver) -> None:
    handle = configure_automagik(enabled=True, endpoint=receiver.url)
    trace.get_tracer("t").start_span("parent-span").end()
    handle.force_flush(5)
    assert receiver.wait_for(lambda: len(receiver.spans()) == 1)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: a pre-forked worker that handles a request, then exits
        os.close(read_end)
        trace.get_tracer("t").start_span("child-span").end()
        handle._shutdown_at_exit()
        os.write(write_end, b"done")
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        assert pipe.read() == b"done"
    assert os.waitpid(pid, 0)[1] == 0
    assert receiver.wait_for(lambda: len(receiver.spans()) == 2)
    assert sorted(span.name for _, span in receiver.spans()) == ["child-span", "parent-span"]
