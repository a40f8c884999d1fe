"""Starting the detached sender at exit: at most one per spool directory, its settings over a
pipe.

* **One sender per directory.** The sender holds ``sender.lock`` for its whole life. The
  exiting program takes that lock *before* starting the sender and hands the locked file to
  it (an inherited descriptor), so two programs exiting at the same moment cannot both start
  one: the second finds the lock held and only *nudges* the running sender (``nudge``), which
  then retries at once instead of finishing its backoff.
* **No secrets on the command line.** ``ps`` shows every user the arguments of every process;
  headers and passwords travel in a pipe on the sender's stdin, never in ``argv`` or a file.
* **Detached and quiet.** ``posix_spawn`` with a new session (no terminal, no ``Ctrl-C``),
  stdout and stderr on ``/dev/null``; the exiting program does not wait for it.
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..config import TelemetryConfig
from ..diagnostics import internal_log
from .files import try_lock, write_private

__all__ = ["NUDGE", "SENDER_LOCK", "config_from_json", "config_to_json", "start_sender"]

SENDER_LOCK = "sender.lock"
NUDGE = "nudge"
_BOOT = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from automagik_telemetry.spool.sender import main; sys.exit(main())"
)
_NOT_SENT = frozenset({"scrubbing", "sources"})  # the data is scrubbed already


def start_sender(directory: Path, backend: str, config: TelemetryConfig) -> bool:
    """Start the detached sender for ``directory`` unless one runs (then nudge it).
    Returns whether a sender was started. Never raises."""
    if getattr(sys, "frozen", False) or not sys.executable or not hasattr(os, "posix_spawn"):
        return False  # pragma: no cover - frozen apps and Windows: the next start replays
    try:
        lock = try_lock(directory / SENDER_LOCK)
        if lock is None:
            nudge(directory)
            return False
        try:
            _spawn(directory, backend, config, lock)
        finally:
            os.close(lock)  # the sender holds it now (same open file)
    except OSError as error:
        internal_log.warning(
            "handoff.spawn", "cannot start the telemetry sender for %s: %s", directory, error
        )
        return False
    return True


def nudge(directory: Path) -> None:
    """Tell a running sender that new batches wait: it retries now."""
    path = directory / NUDGE
    try:
        os.utime(path)
    except FileNotFoundError:
        write_private(path, b"", sync=False)


def _spawn(directory: Path, backend: str, config: TelemetryConfig, lock: int) -> None:
    request = {
        "directory": str(directory),
        "backend": backend,
        "lock_fd": lock,
        "lifetime": config.sender_lifetime,
        "started_ns": time.time_ns(),
        "settings": config_to_json(config),
        "sources": dict(config.sources),
    }
    package_root = str(Path(__file__).resolve().parents[2])
    read, write = os.pipe()
    try:
        os.set_inheritable(lock, True)
        os.posix_spawn(
            sys.executable,
            [sys.executable, "-c", _BOOT, package_root],
            dict(os.environ),
            file_actions=[
                (os.POSIX_SPAWN_DUP2, read, 0),
                (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
            ],
            setsid=True,
        )
    finally:
        os.close(read)
    with os.fdopen(write, "wb") as pipe, contextlib.suppress(BrokenPipeError):
        pipe.write(json.dumps(request).encode())


def config_to_json(config: TelemetryConfig) -> dict[str, Any]:
    """The settings a sender needs, as JSON values its ``TelemetryConfig`` accepts."""
    settings: dict[str, Any] = {}
    for name, value in vars(config).items():
        if name in _NOT_SENT or value is None:
            continue
        if isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, Path):
            value = str(value)
        elif isinstance(value, Mapping):
            value = dict(value)
        elif isinstance(value, tuple):
            value = list(value)
        settings[name] = value
    return settings


def config_from_json(settings: Mapping[str, Any], sources: Mapping[str, str]) -> TelemetryConfig:
    return TelemetryConfig(**settings, sources=sources)
