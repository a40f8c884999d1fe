"""``Spool``: one backend's durable buffer — the store on disk plus its replayer.

The live path asks ``backlogged`` first: while the backend is known to be down (the last
attempt, live or replayed, failed) batches go straight to disk instead of waiting on a dead
endpoint, so the in-memory queue keeps draining. Once the backend takes data again, live sends
resume and the replayer empties the spool in the background.
"""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

import platformdirs

from ..consent.runtime import ConsentState
from ..delivery.backend import Backend
from ..delivery.live import LiveSender
from .replay import Replayer
from .store import SpoolStats, SpoolStore

__all__ = ["Spool", "purge_spools", "service_spool_root", "spool_directory", "spooled_stats"]


def service_spool_root(base: Path | None, service_name: str) -> Path:
    """``<base>/<service>``: everything spooled for one tool. Default base: the user's cache
    dir."""
    root = base if base is not None else Path(platformdirs.user_cache_dir("automagik")) / "spool"
    service = re.sub(r"[^A-Za-z0-9._-]+", "_", service_name).strip("._") or "service"
    return root / service


def spool_directory(base: Path | None, service_name: str, backend: Backend) -> Path:
    """``<base>/<service>/<backend>-<hash of destination>``: per service (a tool's data never
    replays into another's) and per destination (a batch ClickHouse refused is not replayed to
    the OTLP endpoint)."""
    digest = hashlib.sha256(backend.destination.encode()).hexdigest()[:10]
    return service_spool_root(base, service_name) / f"{backend.name}-{digest}"


def spooled_stats(base: Path | None, service_name: str) -> dict[str, SpoolStats]:
    """What is spooled for a service, per backend directory (for ``status``, from any
    process: nothing here needs the backend)."""
    root = service_spool_root(base, service_name)
    try:
        directories = sorted(path for path in root.iterdir() if path.is_dir())
    except OSError:
        return {}
    return {
        path.name: SpoolStore(path, max_bytes=1, max_age=float("inf")).stats()
        for path in directories
    }


def purge_spools(base: Path | None, service_name: str, reason: str) -> int:
    """Delete everything spooled for a service (the user opted out); returns the batches."""
    root = service_spool_root(base, service_name)
    try:
        directories = [path for path in root.iterdir() if path.is_dir()]
    except OSError:
        return 0
    return sum(
        SpoolStore(path, max_bytes=1, max_age=float("inf")).purge(reason) for path in directories
    )


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
