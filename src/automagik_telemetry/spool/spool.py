"""``Spool``: one backend's durable buffer — the store on disk plus its replayer.

The live path asks ``backlogged`` first: while the backend is known to be down (the replayer's
last attempt failed) batches go straight to disk instead of waiting on a dead endpoint, so the
in-memory queue keeps draining. Once the backend takes data again, live sends resume and the
replayer empties the spool in the background.

A spool that cannot be used (read-only, full, a file in the way) never takes live traffic: the
live path delivers as if there were no spool, and what could not be kept is counted. At exit a
short-lived program *hands off* (``begin_handoff``): every export goes to disk, the batches in
flight are kept (``inflight.py``), and a detached sender delivers them (``sender.py``).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from pathlib import Path

import platformdirs

from ..consent.runtime import ConsentState
from ..delivery.backend import Backend
from .codec import encode_batch
from .files import make_private_dir, write_private
from .inflight import InFlight
from .replay import Replayer
from .store import SpoolStats, SpoolStore

__all__ = [
    "REVOKED_MARKER",
    "START_DELAY",
    "Spool",
    "purge_spools",
    "revoked_since",
    "service_spool_root",
    "spool_directory",
    "spooled_stats",
]

START_DELAY = 2.0
"""Seconds before a program's replayer first looks at batches earlier runs left (its own new
batches wake it at once). A short run (a CLI command) leaves them to the detached sender, so
it does not end in the middle of replaying one — which, over OTLP, could deliver it twice."""

REVOKED_MARKER = ".revoked"
"""Touched in a service's spool root when a start without consent purges it, so that a sender
still running from an earlier run deletes instead of sending (it cannot see that run's
``DO_NOT_TRACK``)."""


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
    with contextlib.suppress(OSError):
        marker = root / REVOKED_MARKER
        marker.unlink(missing_ok=True)
        write_private(marker, str(time.time_ns()).encode(), sync=False)
    return sum(
        SpoolStore(path, max_bytes=1, max_age=float("inf")).purge(reason) for path in directories
    )


def revoked_since(directory: Path, since_ns: int) -> bool:
    """Whether a start without consent purged ``directory``'s service after ``since_ns``."""
    try:
        marker = (directory.parent / REVOKED_MARKER).read_text(encoding="ascii")
        return int(marker) >= since_ns
    except (OSError, ValueError):
        return False


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
        consent.add_listener(lambda decision: self.replayer.nudge())
        self.in_flight = InFlight(self.store, encode_batch)
        self.handoff = False
        """Exiting: every export goes to disk, for the detached sender."""

    @property
    def backlogged(self) -> bool:
        """Batches go straight to disk: the backend failed its last replay attempt (do not
        make the app's data wait on it) or the program is exiting — unless the spool cannot
        keep them (then live delivery goes on as if there were no spool)."""
        return (self.handoff or self.replayer.failures > 0) and self.store.usable

    def start(self) -> None:
        if self.store.prepare():
            with contextlib.suppress(OSError):
                make_private_dir(self.store.directory.parent)
        self.replayer.start()

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
        self.replayer.stop(timeout)
