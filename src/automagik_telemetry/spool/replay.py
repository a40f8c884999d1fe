"""Replay of spooled batches, in the background, until the backend takes them.

Oldest batch first; after a failure, capped exponential backoff with jitter, or longer if the
backend said ``Retry-After`` (up to ``MAX_RETRY_AFTER``). A failed live attempt starts the same
backoff (``defer``): the backend counts as down at once, the live path spools without trying,
and the replayer's next attempt is the probe that finds it back. Consent is checked before every
send: with consent off the spool is emptied, never sent; at the ``errors`` level only error
spans and error log records go (metrics are usage data and are discarded). A file that is
damaged, or that the backend rejects for good (a 400), is quarantined instead of being retried
forever.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

from ..config.level import ConsentLevel
from ..consent.runtime import ConsentState
from ..delivery.backend import Backend
from ..delivery.outcome import MAX_RETRY_AFTER, Delivery
from ..diagnostics import internal_log
from ..engine.threads import run_guarded, wait_at_most
from .codec import encode_batch
from .store import ClaimedBatch, CorruptBatchError, SpoolStore

__all__ = ["Replayer"]

IDLE = -1.0  # replay_one()'s answer for "nothing to send": wait for a nudge (or max_delay)


class Replayer:
    def __init__(
        self,
        store: SpoolStore,
        backend: Backend,
        consent: ConsentState,
        *,
        timeout: float,
        first_delay: float = 1.0,
        max_delay: float = 30.0,
        start_delay: float = 0.0,
    ) -> None:
        self.start_delay = start_delay
        """Seconds before the first look at batches already on disk (new data wakes it)."""
        self.store = store
        self.backend = backend
        self.consent = consent
        self.timeout = timeout
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.failures = 0
        """Consecutive failed attempts: while > 0 the backend counts as down."""
        self._not_before = 0.0
        """``time.monotonic()`` before which no attempt is made (backoff, ``Retry-After``)."""
        self._lock = threading.Lock()  # failures and _not_before: the live path sets them too
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.store.recover_stale_claims()
        self._thread = threading.Thread(target=self._run, name=self._thread_name, daemon=True)
        self._thread.start()

    def nudge(self) -> None:
        """New data was spooled: look at it now (unless backing off after a failure)."""
        self._wake.set()

    def defer(self, retry_after: float | None = None) -> None:
        """A live attempt failed: count the backend as down now (the live path spools without
        trying) and make the next attempt wait out a backoff, at least ``retry_after``."""
        self._backoff(retry_after)
        self._wake.set()  # an idle replayer starts waiting out the backoff

    def stop(self, timeout: float) -> None:
        self._stopped = True
        self._wake.set()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        # A moment's grace first: a short run's exit may hand the spool to a sender process.
        wait_at_most(self._wake, self.start_delay)
        self._wake.clear()
        run_guarded(self._thread_name, self._step, lambda: self._stopped)

    @property
    def _thread_name(self) -> str:
        return f"automagik-spool-{self.backend.name}"

    def _step(self) -> None:
        backing_off = self._not_before - time.monotonic()
        if backing_off > 0:
            wait_at_most(self._stop, backing_off)  # only stop wakes: nudges do not hammer
            return
        if self.replay_one() == IDLE and not self._stopped:
            # New data of this process wakes us, and every max_delay we look for batches
            # other processes (forked workers) spooled.
            wait_at_most(self._wake, self.max_delay)
            self._wake.clear()

    def replay_one(self) -> float:
        """One step: send (or discard) the oldest batch. Returns the seconds to wait before
        the next step: 0 to go on, the backoff after a failure, ``IDLE`` when empty."""
        try:
            return self._replay_one()
        except Exception:
            internal_log.error("spool.replay", "spool replay failed", exc_info=True)
            return self._backoff(None)

    def _replay_one(self) -> float:
        level = self.consent.level
        if level is ConsentLevel.OFF:
            self.store.purge("consent_revoked")
            return IDLE
        batch = self.store.claim_next()
        if batch is None:
            with self._lock:
                if time.monotonic() >= self._not_before:  # not a live failure just now
                    self.failures = 0
            return IDLE
        try:
            payload = batch.read()
        except (CorruptBatchError, OSError) as error:
            batch.quarantine(str(error))
            return 0.0
        if level is ConsentLevel.ERRORS:
            filtered = errors_only(batch.signal, payload)
            if filtered is None:
                batch.done()
                return 0.0
            payload = filtered
        try:
            delivery = self.backend.send_request(
                batch.signal, payload, self.timeout, batch_id=batch.batch_id
            )
        except BaseException:
            batch.release()  # not this process's to keep: another attempt, or process, may send it
            raise
        return self._settle(batch, delivery)

    def _settle(self, batch: ClaimedBatch, delivery: Delivery) -> float:
        if delivery.delivered:
            batch.done()
            self.failures = 0
            return 0.0
        if delivery.status == "rejected":
            batch.quarantine(f"{self.backend.name} rejected it: {delivery.detail}")
            return 0.0
        batch.release()
        internal_log.warning(
            f"spool.retry.{self.backend.name}",
            "spooled telemetry not delivered yet (%s); retrying with backoff",
            delivery.detail,
        )
        return self._backoff(delivery.retry_after)

    def _backoff(self, retry_after: float | None) -> float:
        """Capped exponential backoff with full jitter; ``Retry-After`` is a lower bound, up to
        ``MAX_RETRY_AFTER`` (or ``max_delay`` if that is longer). Starts the wait."""
        with self._lock:
            self.failures += 1
            ceiling = min(self.max_delay, self.first_delay * 2 ** min(self.failures - 1, 30))
            delay = random.uniform(ceiling / 2, ceiling)
            delay = min(max(delay, retry_after or 0.0), max(self.max_delay, MAX_RETRY_AFTER))
            self._not_before = max(self._not_before, time.monotonic() + delay)
            return delay


def errors_only(signal: str, payload: bytes) -> bytes | None:
    """The batch reduced to errors (for the ``errors`` consent level); ``None`` if nothing
    is left (metrics never are). Decoding needs the protobuf runtime and the SDK: imported
    here, when a batch is filtered, not by every program (or detached sender) that sends."""
    from ..delivery.consent_gate import is_error_log, is_error_span
    from .decode import decode_logs, decode_spans

    filters: dict[str, tuple[Callable[[bytes], list[object]], Callable[[object], bool]]] = {
        "traces": (decode_spans, is_error_span),  # type: ignore[dict-item]
        "logs": (decode_logs, is_error_log),  # type: ignore[dict-item]
    }
    if signal not in filters:
        return None
    decode, keep = filters[signal]
    kept = [item for item in decode(payload) if keep(item)]
    return encode_batch(signal, kept) if kept else None
