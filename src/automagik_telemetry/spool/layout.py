"""Where spools live, and what can be done to them without the engine.

``status`` (from any process, consent or not) and a refusal at start-up (delete what a user who
said no had spooled) need the spool's directories and files but nothing that sends: this module
imports the standard library and the on-disk store only, so neither pulls in
the SDK, the encoders or an HTTP client.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from pathlib import Path
from typing import Protocol

from ..config.dirs import user_cache_dir
from .files import write_private
from .store import SpoolStats, SpoolStore

__all__ = [
    "REVOKED_MARKER",
    "purge_spools",
    "revoked_since",
    "service_spool_root",
    "spool_directory",
    "spooled_stats",
]

REVOKED_MARKER = ".revoked"
"""Touched in a service's spool root when a start without consent purges it, so that a sender
still running from an earlier run deletes instead of sending (it cannot see that run's
``DO_NOT_TRACK``)."""


class Destination(Protocol):
    """What names a backend's spool: its kind and where it sends (no secrets)."""

    name: str
    destination: str


def service_spool_root(base: Path | None, service_name: str) -> Path:
    """``<base>/<service>``: everything spooled for one tool. Default base: the user's cache
    dir."""
    root = base if base is not None else user_cache_dir() / "spool"
    service = re.sub(r"[^A-Za-z0-9._-]+", "_", service_name).strip("._") or "service"
    return root / service


def spool_directory(base: Path | None, service_name: str, backend: Destination) -> Path:
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
