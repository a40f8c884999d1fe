"""Bounded flush and shutdown: telemetry must never hold up the host app or its exit.

Flushing and shutting down call exporters that may hang on a dead endpoint. The work runs on a
daemon thread that the caller waits for at most ``timeout`` seconds. At interpreter exit no new
thread may be started on some Python versions (3.12 refuses), so ``ExitFlusher`` starts its
thread when telemetry is set up and only wakes it at exit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from ..diagnostics import internal_log
from .forking import after_fork_in_child

__all__ = ["SHORT_RUN", "ExitFlusher", "Runner", "hands_off", "run_bounded"]

Work = Callable[[], bool]
Runner = Callable[[Work, float], bool]

SHORT_RUN = 60.0
"""A process that ran less than this many seconds is a short program (a CLI command): with
``exit_mode="auto"`` its exit hands pending telemetry to the spool and a detached sender. A
longer-running one (a service) flushes at exit, bounded by ``shutdown_timeout``: a service is
often stopped with its container, where a detached sender would die with it."""


def hands_off(exit_mode: str, ran_for: float) -> bool:
    """Whether interpreter exit hands off (``True``) or flushes (``False``)."""
    if exit_mode == "auto":
        return ran_for < SHORT_RUN
    return exit_mode == "handoff"


def run_bounded(work: Work, timeout: float) -> bool:
    """Run ``work`` on a new daemon thread and wait at most ``timeout`` seconds for it.
    Returns ``False`` on timeout or error."""
    outcome: list[bool] = []
    thread = threading.Thread(
        target=_guarded, args=(work, outcome), name="automagik-telemetry-flush", daemon=True
    )
    thread.start()
    thread.join(timeout)
    return _finished(thread.is_alive(), outcome, timeout)


class ExitFlusher:
    """A parked daemon thread, started with the pipeline, that runs one piece of work at exit.

    Called like :func:`run_bounded`; after a fork the child gets a parked thread of its own.
    """

    def __init__(self) -> None:
        self._start()
        after_fork_in_child(self._start)

    def _start(self) -> None:
        self._go = threading.Event()
        self._done = threading.Event()
        self._work: Work = lambda: True
        self._outcome: list[bool] = []
        thread = threading.Thread(
            target=self._wait_and_run, name="automagik-telemetry-exit", daemon=True
        )
        thread.start()

    def _wait_and_run(self) -> None:
        self._go.wait()
        _guarded(self._work, self._outcome)
        self._done.set()

    def __call__(self, work: Work, timeout: float) -> bool:
        if self._go.is_set():
            return run_bounded(work, timeout)  # already used once: not at exit any more
        self._work = work
        self._go.set()
        self._done.wait(timeout)
        return _finished(not self._done.is_set(), self._outcome, timeout)


def _guarded(work: Work, outcome: list[bool]) -> None:
    try:
        outcome.append(work())
    except Exception:
        internal_log.error("bounded", "telemetry flush/shutdown failed", exc_info=True)


def _finished(still_running: bool, outcome: list[bool], timeout: float) -> bool:
    if still_running:
        internal_log.warning(
            "bounded.timeout", "telemetry flush/shutdown did not finish within %.1fs", timeout
        )
        return False
    return bool(outcome and outcome[0])
