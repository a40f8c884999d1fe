"""The export buffer: a bounded in-memory queue drained by one background thread.

It replaces the SDK's batch processors in our pipeline for three reasons:

* **Bursts.** The SDK drops everything past 2,048 queued items. Here the limit is a memory
  budget (``max_queue`` items, default 32,768 spans ≈ 30 MB), spans are kept compact
  (``QueuedSpan``), and when the budget is exhausted the *oldest* items go and are counted.
* **The app's thread never waits.** ``put`` is an ``append`` on a deque; encoding, network and
  disk I/O all happen on the worker, which hands each batch to ``export`` (in our pipeline a
  spooling exporter that returns promptly even when the backend is down).
* **Bounded shutdown without loss.** ``shutdown(timeout)`` exports what it can, keeping time
  for the spill; whatever is still queued then is handed to ``spill`` (the spool) in chunks of
  ``batch_size``, oldest first, each checked against the deadline — never one huge batch that
  the exiting interpreter kills mid-write. ``shutdown(timeout, flush=False)`` (a short program
  at exit) spills at once, without waiting on the network or on an export in progress.

Fork-safe like the SDK's processor: a child process starts with an empty queue and a worker
thread of its own.
"""

from __future__ import annotations

import collections
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY, attach, detach, set_value

from ..diagnostics import internal_log
from ..engine.forking import after_fork_in_child
from ..engine.threads import run_guarded, wait_at_most

__all__ = ["Buffer"]

T = TypeVar("T")
Export = Callable[[Sequence[T]], object]
Spill = Callable[[Sequence[T]], object]

_SPILL_COST = 60e-6
"""Seconds to encode and write one queued item to the spool, with a margin (measured ~21 µs
per span on the 2-core development machine): the share of a flush's time kept for spilling."""


class Buffer(Generic[T]):
    def __init__(
        self,
        name: str,
        export: Export[T],
        *,
        max_queue: int,
        batch_size: int,
        schedule_delay: float,
        spill: Spill[T] | None = None,
    ) -> None:
        self.name = name
        self._export = export
        self._spill = spill
        self.max_queue = max_queue
        self.batch_size = min(batch_size, max_queue)
        self._delay = schedule_delay
        self.dropped = 0
        self._start()
        after_fork_in_child(self._start)

    def _start(self) -> None:
        # Bounded: appending to a full deque discards the oldest item, atomically.
        self._queue: collections.deque[T] = collections.deque(maxlen=self.max_queue)
        self._wake = threading.Event()
        self._export_lock = threading.Lock()  # one export at a time
        self._take_lock = threading.Lock()  # one taker at a time (worker, flush, shutdown)
        self._closed = False
        self._pid = os.getpid()
        self._worker = threading.Thread(
            target=self._run, name=f"automagik-{self.name}", daemon=True
        )
        self._worker.start()

    # -- the app's side -----------------------------------------------------------------------

    def put(self, item: T) -> None:
        """Queue ``item``; never blocks, never raises. Over budget, the oldest item goes."""
        if self._closed:
            return
        queue = self._queue
        if len(queue) == self.max_queue:
            self.dropped += 1  # the append below pushes the oldest item out
        queue.append(item)
        if len(queue) >= self.batch_size and not self._wake.is_set():
            self._wake.set()  # once per batch: setting an Event takes a lock

    def __len__(self) -> int:
        return len(self._queue)

    @property
    def closed(self) -> bool:
        """``shutdown`` has begun: an export must not wait on a slow endpoint any more."""
        return self._closed

    # -- the worker ---------------------------------------------------------------------------

    def _run(self) -> None:
        run_guarded(f"automagik-{self.name}", self._step, lambda: self._closed)

    def _step(self) -> None:
        woken = wait_at_most(self._wake, self._delay)
        self._wake.clear()
        # Woken by a full batch, while the app is producing: full batches only. The rest waits
        # for the next full batch or the schedule delay, as in the SDK's batch processor. Each
        # request costs the same again whatever its size (HTTP client, gzip, envelopes; an insert
        # into the embedded ClickHouse store ~20 ms and a part), and draining to empty sent
        # 124-151 requests of ~200 spans for a 30,000-span burst, not 59.
        self._export_queued(time.monotonic() + 3600.0, full_only=woken)

    def _export_queued(self, deadline: float, *, full_only: bool = False) -> bool:
        """Export queued items batch by batch until none is left (``True``), or with
        ``full_only`` until less than a batch is left, or the deadline passes (``False``).
        One export at a time: exporters need not be thread-safe."""
        if not self._export_lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            return False
        least = self.batch_size if full_only else 1
        try:
            while len(self._queue) >= least:
                if time.monotonic() >= deadline:
                    return False
                self._call(self._export, self._take(self.batch_size), "export")
            return True
        finally:
            self._export_lock.release()

    def _take(self, limit: int) -> list[T]:
        """Up to ``limit`` of the oldest items. Only takers pop (the app only appends, which
        never empties the deque), so a non-empty queue stays non-empty until we pop."""
        with self._take_lock:
            queue = self._queue
            return [queue.popleft() for _ in range(min(limit, len(queue)))]

    def _call(self, function: Callable[[Sequence[T]], object], batch: list[T], what: str) -> None:
        token = attach(set_value(_SUPPRESS_INSTRUMENTATION_KEY, True))
        try:
            function(batch)
        except Exception:
            internal_log.error(
                f"buffer.{self.name}.{what}",
                "%s failed for %d %s",
                what,
                len(batch),
                self.name,
                exc_info=True,
            )
        finally:
            detach(token)

    # -- flush and shutdown -------------------------------------------------------------------

    def force_flush(self, timeout: float) -> bool:
        """Export everything queued now; ``False`` if that did not finish within ``timeout``."""
        return self._export_queued(time.monotonic() + timeout)

    def shutdown(self, timeout: float, *, flush: bool = True) -> bool:
        """Stop accepting; export (unless ``flush`` is false) while keeping time to spill the
        rest, then spill in chunks until the deadline. ``True`` if everything was exported."""
        if self._closed:
            return True
        self._closed = True
        self._wake.set()
        deadline = time.monotonic() + timeout
        exported = not self._queue
        if flush:
            # Keep time for the spill: writing to disk is what makes data survive.
            reserve = min(timeout / 2, 0.05 + len(self._queue) * _SPILL_COST)
            exported = self._export_queued(deadline - (reserve if self._spill else 0.0))
        while self._queue and self._spill is not None and time.monotonic() < deadline:
            self._call(self._spill, self._take(self.batch_size), "spill")
        leftover = self._take(len(self._queue))
        if leftover:
            self.dropped += len(leftover)
            internal_log.warning(
                f"buffer.{self.name}.shutdown",
                "%d %s not exported before the shutdown timeout, nor spooled: dropped",
                len(leftover),
                self.name,
            )
        return exported
