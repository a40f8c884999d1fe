"""``Spool``: one backend's durable buffer — the store on disk plus its replayer.

The live path asks ``backlogged`` first: while the backend is known to be down (the last
attempt, live or replayed, failed) batches go straight to disk instead of waiting on a dead
endpoint, so the in-memory queue keeps draining. Once the backend takes data again, live sends
resume and the replayer empties the spool in the background.

A spool that cannot be used (read-only, full, a file in the way) never takes live traffic: the
live path delivers as if there were no spool, and what could not be kept is counted. At exit a
short-lived program *hands off* (``begin_handoff``): every export goes to disk, the batches in
flight are kept (``inflight.py``), and a detached sender delivers them (``sender.py``).
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from ..consent.runtime import ConsentState
from ..delivery.backend import Backend
from ..delivery.live import LiveSender
from .codec import encode_batch
from .files import make_private_dir
from .inflight import InFlight
from .replay import Replayer
from .store import SpoolStore

__all__ = ["START_DELAY", "Spool"]

START_DELAY = 2.0
"""Seconds before a program's replayer first looks at batches earlier runs left (its own new
batches wake it at once). A short run (a CLI command) leaves them to the detached sender, so
it does not end in the middle of replaying one — which, over OTLP, could deliver it twice."""


class Spool:
    def __init__(
        self,
        directory: Path,
        backend: Backend,
        consent: ConsentState,
        *,
        max_bytes: int,
        max_age: float,
        timeout: float,
        first_delay: float = 1.0,
        max_delay: float = 30.0,
    ) -> None:
        self.store = SpoolStore(directory, max_bytes=max_bytes, max_age=max_age)
        self.replayer = Replayer(
            self.store,
            backend,
            consent,
            timeout=timeout,
            first_delay=first_delay,
            max_delay=max_delay,
            start_delay=START_DELAY,
        )
        self.live = LiveSender(backend.name)
        """The live path's attempt in flight (see ``delivery/exporters.deliver``)."""
        consent.add_listener(lambda decision: self.replayer.nudge())
        self.in_flight = InFlight(self.store, encode_batch)
        self.handoff = False
        """Exiting: every export goes to disk, for the detached sender."""

    @property
    def backlogged(self) -> bool:
        """Batches go straight to disk: the backend failed its last attempt, live or replayed
        (do not make the app's data wait on it), or the program is exiting — unless the spool
        cannot keep them (then live delivery goes on as if there were no spool)."""
        return (self.handoff or self.replayer.failures > 0) and self.store.usable

    def start(self) -> None:
        if self.store.prepare():
            with contextlib.suppress(OSError):
                make_private_dir(self.store.directory.parent)
        self.replayer.start()

    def backend_failed(self, retry_after: float | None = None) -> None:
        """A live attempt was not taken: the backend counts as down from now on (one timeout
        of a black-holed endpoint is enough), until the replayer's probe, made after a backoff
        of at least ``retry_after``, gets through."""
        self.replayer.defer(retry_after)

    def begin_handoff(self) -> None:
        """From now on write to disk only, and send nothing more from this process."""
        self.handoff = True
        self.replayer.stop(0.0)

    def put(self, signal: str, payload: bytes) -> bool:
        """Keep one batch on disk for later; ``False`` if it could not be kept (counted)."""
        stored = self.store.write(signal, payload)
        self.replayer.nudge()
        return stored

    def stop(self, timeout: float) -> None:
        """Spool the live batch still in flight (after half of ``timeout``), stop replaying."""
        deadline = time.monotonic() + timeout
        self.live.finish(timeout / 2)
        self.replayer.stop(max(0.0, deadline - time.monotonic()))
