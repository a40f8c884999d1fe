"""``LiveSender``: the live attempt runs on a thread of its own, so the export thread can stop
waiting for it when the memory queue needs it.

An endpoint that accepts connections and never answers holds an attempt for the whole
``timeout`` (10 s by default). If the export thread waited that long while the app kept
producing, the memory queue would overflow: 200,000 spans over 20 s lost 67,720 that way, all
during the first timeout. So once ``patience`` (1 s) has passed and a memory queue is half full
(``pressure``), the export thread stops waiting: the attempt carries on and settles its own batch
when it ends (delivered; or spooled and the backend marked down; or logged as rejected), and
batches that come while it is in flight go straight to the spool. Without pressure a slow
endpoint is waited for, as before (a flush still means "delivered"). The attempt in flight is
never repeated, only left to finish.

At shutdown ``finish`` waits for the attempt in flight until its deadline; the spool has kept a
copy of its batch (``spool/inflight.py``), which the attempt settles if it ends in time and which
is replayed after the process is gone if it does not.
"""

from __future__ import annotations

import contextvars
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..engine.forking import after_fork_in_child
from ..engine.threads import run_guarded
from .outcome import Delivery

__all__ = ["PATIENCE", "LiveSender"]

PATIENCE = 1.0
"""Longest wait of the export thread for one live attempt while the memory queue is filling
(the attempt itself may take up to ``timeout``)."""

Settle = Callable[[Delivery], object]
_POLL = 0.05


@dataclass
class _Attempt:
    work: Callable[[], Delivery]
    settle_late: Settle
    """What to do with the outcome if nobody waits for it any more."""
    context: contextvars.Context = field(default_factory=contextvars.copy_context)
    """The caller's: its "suppress instrumentation" flag keeps the HTTP client's own log lines
    and spans out of our telemetry, as if the attempt ran on the caller's thread."""
    done: threading.Event = field(default_factory=threading.Event)
    delivery: Delivery | None = None
    owner: str = "caller"
    """``caller`` waits for it; ``sender`` settles it when it ends."""


class LiveSender:
    def __init__(self, name: str, patience: float = PATIENCE) -> None:
        self.name = name
        self.patience = patience
        self.pressure: Callable[[], bool] = lambda: True
        """Whether the export thread is needed elsewhere (the stage says: a memory queue is
        half full). By default it always is: the wait ends after ``patience``."""
        self._start()
        after_fork_in_child(self._start)  # the parent's thread does not exist in a child

    def _start(self) -> None:
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue[_Attempt] = queue.SimpleQueue()
        self._pending: list[_Attempt] = []
        thread = threading.Thread(
            target=run_guarded,
            args=(f"automagik-send-{self.name}", self._step, lambda: False),
            name=f"automagik-send-{self.name}",
            daemon=True,
        )
        thread.start()

    @property
    def busy(self) -> bool:
        """An attempt is in flight (or being settled): do not queue another behind it."""
        return bool(self._pending)

    def run(self, work: Callable[[], Delivery], settle_late: Settle) -> Delivery | None:
        """``work()`` on the sender's thread. Its outcome if it ends in time; ``None`` if it is
        still in flight (``settle_late`` gets the outcome when it ends, or ``finish`` spooled
        it). In time: within ``patience``, or later as long as ``pressure()`` says the memory
        queue can wait (a slow endpoint is then waited for, as without this sender)."""
        attempt = _Attempt(work, settle_late)
        with self._lock:
            self._pending.append(attempt)
        self._jobs.put(attempt)
        if not attempt.done.wait(self.patience):
            while attempt.owner == "caller" and not self.pressure():
                if attempt.done.wait(_POLL):
                    break
        with self._lock:
            if attempt.owner != "caller":
                return None  # left to settle itself by finish() meanwhile
            if attempt.delivery is None:
                attempt.owner = "sender"
            return attempt.delivery

    def finish(self, timeout: float) -> None:
        """Shutdown: wait up to ``timeout`` for the attempts in flight. One still in flight then
        is left to settle its own batch if it ends before the process does; the spool has kept
        a copy of it as this process's claim meanwhile (``spool/inflight.py``), so it is sent
        once: deleted if the attempt is taken, replayed after this process is gone if not."""
        deadline = time.monotonic() + timeout
        for attempt in list(self._pending):
            attempt.done.wait(max(0.0, deadline - time.monotonic()))
            with self._lock:
                if attempt.delivery is None:
                    attempt.owner = "sender"  # its caller stops waiting; it settles itself

    def _step(self) -> None:
        attempt = self._jobs.get()
        delivery = Delivery.retry("the attempt failed")
        try:
            delivery = attempt.context.run(attempt.work)
        finally:
            with self._lock:
                attempt.delivery = delivery
                late = attempt.owner == "sender"
                if not late:  # its caller (or finish) has it: no longer in flight
                    self._pending.remove(attempt)
                attempt.done.set()
            if late:
                self._settle_late(attempt, delivery)

    def _settle_late(self, attempt: _Attempt, delivery: Delivery) -> None:
        try:
            attempt.settle_late(delivery)
        finally:
            # Busy until settled: a batch must not slip past between the attempt's end and the
            # spool hearing that the backend is down.
            with self._lock:
                self._pending.remove(attempt)
