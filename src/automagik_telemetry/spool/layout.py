"""Where spools live, and what can be done to them without the engine.

``status`` (from any process, consent or not) and a refusal at start-up (delete what a user who
said no had spooled) need the spool's directories and files but nothing that sends: this module
imports the standard library and the on-disk store only, so neither pulls in
the SDK, the encoders or an HTTP client.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Protocol

from ..config.dirs import user_cache_dir
from .store import SpoolStats, SpoolStore

__all__ = ["purge_spools", "service_spool_root", "spool_directory", "spooled_stats"]


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
    return sum(
        SpoolStore(path, max_bytes=1, max_age=float("inf")).purge(reason) for path in directories
    )
