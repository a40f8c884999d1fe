"""Finding the processes a test started indirectly (detached senders), by the files they hold.

A detached sender is started by the program under test, not by the test: the test finds it by
the lock file it holds (``/proc/<pid>/fd``), which is also how "at most one sender per spool
directory" is observed, and ends exactly those processes when it is done.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

__all__ = ["cmdline", "holders", "kill_holders"]


def holders(path: Path) -> set[int]:
    """Pids of the processes with ``path`` open (Linux ``/proc``)."""
    target = str(path)
    found: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) == target:
                        found.add(int(entry.name))
                        break
    return found


def cmdline(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def kill_holders(root: Path) -> None:
    """SIGKILL every process holding a ``sender.lock`` below ``root``."""
    for lock in root.rglob("sender.lock"):
        for pid in holders(lock):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
