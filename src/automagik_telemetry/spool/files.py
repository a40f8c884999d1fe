"""Private files and process locks for the spool.

Spooled batches are the user's telemetry: nobody else on the machine may read them. Directories
are created ``0700`` and files ``0600`` *at creation* (``mkdir``/``open`` with that mode, which
a umask can only narrow), then set exactly, so there is no moment when another user could open
them, whatever the umask.

Liveness is judged by ``flock``, not by pid: a process holds an exclusive lock on a file for as
long as it lives, and the kernel drops it when the process dies — however it dies. A pid can be
reused (an app running as pid 1 in a container restarts as pid 1); a lock cannot be inherited
by a stranger. On platforms without ``fcntl`` (Windows) locks are no-ops and liveness falls back
to the pid.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "HAVE_LOCKS",
    "exclusive",
    "is_held",
    "make_private_dir",
    "open_private",
    "try_lock",
    "write_private",
]

HAVE_LOCKS = fcntl is not None
_DIR_MODE = 0o700
_FILE_MODE = 0o600


def make_private_dir(path: Path) -> None:
    """Create ``path`` and any missing parents ``0700``. If ``path`` exists, belongs to us
    and is open to others (a spool made by an older version), take their access away; owner
    bits are never added (a directory made read-only on purpose stays so)."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:  # pragma: no cover - the root always exists
            break
        current = current.parent
    for directory in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process was faster
            os.mkdir(directory, _DIR_MODE)
            os.chmod(directory, _DIR_MODE)  # the umask may have taken owner bits away
    if not missing:
        info = path.stat()
        if info.st_mode & 0o077 and info.st_uid == _uid():
            os.chmod(path, info.st_mode & 0o700)


def open_private(path: Path, flags: int = os.O_WRONLY | os.O_CREAT | os.O_EXCL) -> int:
    """Open (normally: create) ``path`` as ``0600`` from the first moment; returns the fd."""
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0), _FILE_MODE)
    if hasattr(os, "fchmod"):  # pragma: no branch - absent on Windows only
        try:
            os.fchmod(fd, _FILE_MODE)  # the umask may have taken owner bits away
        except OSError:  # pragma: no cover - our own new file
            os.close(fd)
            raise
    return fd


def write_private(path: Path, data: bytes, *, sync: bool = True) -> None:
    """Write a new file ``path`` (``0600``), fsync'ed unless ``sync`` is false."""
    fd = open_private(path)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


def try_lock(path: Path) -> int | None:
    """An fd holding an exclusive lock on ``path`` (created ``0600`` if missing), or ``None``
    if another process holds it. The lock lasts until the fd is closed or the process ends."""
    fd = open_private(path, os.O_RDWR | os.O_CREAT)
    if fcntl is None:  # pragma: no cover - Windows: no locks
        return fd
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def is_held(path: Path) -> bool:
    """Whether some live process holds the lock on ``path`` (a missing file: nobody)."""
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return False
    try:
        if fcntl is None:  # pragma: no cover - Windows: no locks
            return True
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        return False
    finally:
        os.close(fd)


@contextlib.contextmanager
def exclusive(path: Path) -> Iterator[None]:
    """Hold the lock on ``path`` for the block, waiting for other processes (short critical
    sections only: the stats counters)."""
    fd = open_private(path, os.O_RDWR | os.O_CREAT)
    try:
        if fcntl is not None:  # pragma: no branch - Windows: no locks
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _uid() -> int:
    return os.getuid() if hasattr(os, "getuid") else -1
