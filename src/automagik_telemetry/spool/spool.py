"""``Spool``: one backend's durable buffer — the store on disk plus its replayer.

The live path asks ``backlogged`` first: while the backend is known to be down (the last
attempt, live or replayed, failed) batches go straight to disk instead of waiting on a dead
endpoint, so the in-memory queue keeps draining. Once the backend takes data again, live sends
resume and the replayer empties the spool in the background.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..consent.runtime import ConsentState
from ..delivery.backend import Backend
from ..delivery.live import LiveSender
from .replay import Replayer
from .store import SpoolStore

__all__ = ["Spool"]


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
        )
        self.live = LiveSender(backend.name)
        """The live path's attempt in flight (see ``delivery/exporters.deliver``)."""
        consent.add_listener(lambda decision: self.replayer.nudge())

    @property
    def backlogged(self) -> bool:
        """The backend failed its last attempt: do not make the app's data wait on it."""
        return self.replayer.failures > 0

    def start(self) -> None:
        self.replayer.start()

    def backend_failed(self, retry_after: float | None = None) -> None:
        """A live attempt was not taken: the backend counts as down from now on (one timeout
        of a black-holed endpoint is enough), until the replayer's probe, made after a backoff
        of at least ``retry_after``, gets through."""
        self.replayer.defer(retry_after)

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
