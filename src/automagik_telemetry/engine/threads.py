"""Background loops that no input can kill.

A telemetry thread that dies stops delivery for the rest of the process without a word: a
replayer killed by ``Retry-After: 1e10`` (``Event.wait`` raises ``OverflowError`` past
``threading.TIMEOUT_MAX``) left a process backlogged until restart. So every background loop
runs through :func:`run_guarded` (an unexpected error is logged, rate-limited, and the loop goes
on after a pause) and waits through :func:`wait_at_most` (no wait is longer than an hour; the
loop re-checks what it waits for).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable

from ..diagnostics import internal_log

__all__ = ["LONGEST_WAIT", "run_guarded", "wait_at_most"]

LONGEST_WAIT = 3600.0
"""One wait at most; loops wait again if they must (far below ``threading.TIMEOUT_MAX``)."""
ERROR_PAUSE = 1.0
"""After an unexpected error, so a loop that fails at once every time cannot spin."""


def wait_at_most(event: threading.Event, seconds: float) -> bool:
    """``event.wait(seconds)`` for any ``seconds``: negative or NaN waits not at all, huge or
    infinite waits ``LONGEST_WAIT``."""
    if math.isnan(seconds):
        seconds = 0.0
    return event.wait(min(max(seconds, 0.0), LONGEST_WAIT))


def run_guarded(name: str, step: Callable[[], object], stopped: Callable[[], bool]) -> None:
    """Call ``step`` until ``stopped()``. An exception is logged (once a minute at most) and the
    loop goes on after ``ERROR_PAUSE``: a background thread of ours never dies."""
    pause = threading.Event()
    while not stopped():
        try:
            step()
        except Exception:
            internal_log.error(
                f"thread.{name}", "%s hit an unexpected error; carrying on", name, exc_info=True
            )
            pause.wait(ERROR_PAUSE)
