"""Who holds a claim, and whether it still lives.

Each process that claims from a spool directory gets an owner id there (its pid and a random
token) and holds a lock on ``owners/<owner id>.lock`` for its whole life (``files.py``). A claim
whose owner's lock is free belongs to a process that is gone, however it ended: liveness that
survives pid reuse (an app running as pid 1 in a container restarts as pid 1). Claims written by
an older version carry a bare pid and are judged by the pid alone.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

from .files import is_held, make_private_dir, try_lock

__all__ = ["forget_owners", "mine", "owner_alive", "owner_id", "pid_alive"]

_OWNERS: dict[Path, tuple[str, int]] = {}
"""Per spool directory: this process's owner id and the fd holding its life-long lock."""


def owner_id(directory: Path) -> str:
    """This process's owner id in the spool ``directory``; takes its life-long lock on first
    use (raises ``OSError`` if the ``owners/`` directory cannot be used)."""
    held = _OWNERS.get(directory)
    if held is None:
        owners = directory / "owners"
        make_private_dir(owners)
        owner = f"{os.getpid()}x{os.urandom(4).hex()}"
        fd = try_lock(owners / f"{owner}.lock")
        if fd is None:  # pragma: no cover - a fresh random name nobody else has
            raise OSError(errno.EAGAIN, "cannot lock a new owner file")
        held = _OWNERS.setdefault(directory, (owner, fd))
    return held[0]


def mine(directory: Path) -> str | None:
    """This process's owner id in ``directory``, if it has claimed anything there."""
    held = _OWNERS.get(directory)
    return None if held is None else held[0]


def owner_alive(directory: Path, owner: str) -> bool:
    """Whether the process behind ``owner`` (an owner id, or a bare pid) still lives."""
    if owner.isdigit():  # a claim of an older version: by pid only
        return pid_alive(int(owner))
    return is_held(directory / "owners" / f"{owner}.lock")


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists. One we may not signal (EPERM) exists: its claims are
    not ours to take."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except OSError as error:
        return error.errno != errno.ESRCH
    return True


def forget_owners() -> None:
    """In a forked child: the parent's owner locks are not ours (close our copies, so the
    parent's claims are judged by the parent's life alone)."""
    for _, fd in _OWNERS.values():
        with contextlib.suppress(OSError):
            os.close(fd)
    _OWNERS.clear()


if hasattr(os, "register_at_fork"):  # pragma: no branch - absent on Windows only
    os.register_at_fork(after_in_child=forget_owners)
