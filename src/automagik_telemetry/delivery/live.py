"""``LiveSender``: the live attempt runs on a thread of its own; the export thread waits for it
at most ``patience``.

An endpoint that accepts connections and never answers holds an attempt for the whole
``timeout`` (10 s by default). If the export thread waited that long, everything the app made
meanwhile would pile up in the memory queue: 200,000 spans over 20 s lost 67,720 that way, all
during the first timeout. So the export thread waits ``patience`` (1 s) at most. After that the
attempt carries on without it and settles its own batch when it ends (delivered; or spooled and
the backend marked down; or logged as rejected), and batches that come while it is in flight go
straight to the spool. A slow endpoint is never asked twice for the same batch by this: the
attempt in flight is not repeated, only left to finish.

At shutdown ``finish`` waits for the attempt in flight until its deadline, then spools the batch
itself (if the endpoint took it after all, it gets it once more from the spool: at least once).
"""

from __future__ import annotations

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
"""Longest wait of the export thread for one live attempt (the attempt itself may take up to
``timeout``)."""

Settle = Callable[[Delivery], object]


@dataclass
class _Attempt:
    work: Callable[[], Delivery]
    settle_late: Settle
    """What to do with the outcome if nobody waits for it any more."""
    done: threading.Event = field(default_factory=threading.Event)
    delivery: Delivery | None = None
    owner: str = "caller"
    """``caller`` waits for it; ``sender`` settles it when it ends; ``shutdown`` spooled it."""


class LiveSender:
    def __init__(self, name: str, patience: float = PATIENCE) -> None:
        self.name = name
        self.patience = patience
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
        """An attempt is in flight that nobody waits for: do not queue another behind it."""
        return any(attempt.owner != "caller" for attempt in self._pending)

    def run(self, work: Callable[[], Delivery], settle_late: Settle) -> Delivery | None:
        """``work()`` on the sender's thread. Its outcome if it ends within ``patience``;
        ``None`` if it is still in flight (``settle_late`` gets the outcome when it ends)."""
        attempt = _Attempt(work, settle_late)
        with self._lock:
            self._pending.append(attempt)
        self._jobs.put(attempt)
        attempt.done.wait(self.patience)
        with self._lock:
            if attempt.delivery is None:
                attempt.owner = "sender"
            return attempt.delivery

    def finish(self, timeout: float) -> None:
        """Shutdown: wait up to ``timeout`` for the attempts in flight, then settle those still
        in flight as not taken (their batches go to the spool) instead of leaving them to a
        thread about to die."""
        deadline = time.monotonic() + timeout
        for attempt in list(self._pending):
            attempt.done.wait(max(0.0, deadline - time.monotonic()))
            with self._lock:
                if attempt.delivery is not None or attempt.owner != "sender":
                    continue
                attempt.owner = "shutdown"
            attempt.settle_late(Delivery.retry("still in flight at shutdown"))

    def _step(self) -> None:
        attempt = self._jobs.get()
        delivery = Delivery.retry("the attempt failed")
        try:
            delivery = attempt.work()
        finally:
            with self._lock:
                attempt.delivery = delivery
                attempt.done.set()
                owner = attempt.owner
            try:
                if owner == "sender":
                    attempt.settle_late(delivery)
            finally:
                # Busy until settled: a batch must not slip past between the attempt's end and
                # the spool hearing that the backend is down.
                with self._lock:
                    self._pending.remove(attempt)
