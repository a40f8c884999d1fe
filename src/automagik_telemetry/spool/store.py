"""The on-disk spool: one file per batch a backend did not take, safe against crashes and
against several processes sharing the directory.

* **Atomic writes.** A batch is written to a temporary name, fsync'ed, then renamed into
  ``ready/``: a crash mid-write leaves a temporary file (ignored, cleaned up later), never a
  half batch that would be replayed.
* **Integrity.** Each file carries a header with the payload length and a CRC-32; a file that
  fails the check is moved to ``quarantine/`` with a log line and never retried.
* **Claims.** A sender takes a file by renaming it into ``claimed/`` under its owner id before
  sending, an atomic step only one process can win. A claim whose owner is gone
  (``owners.py``: a life-long lock, not a pid) is returned to ``ready/``; so is a claim older
  than ``CLAIM_EXPIRY``, whatever its owner.
* **Private.** Directories ``0700``, files ``0600`` from creation, whatever the umask.
* **Unusable directories never raise.** A read-only or full spool is reported (rate-limited),
  remembered (``problem``) so the live path does not divert batches to it, and what could not
  be kept is counted in memory when ``stats.json`` cannot be written either.
* **Budgets.** Total bytes and maximum age; when over, the oldest batches go first, and what
  was dropped is counted (``drops.py``; ``automagik-telemetry status`` shows it).
"""

from __future__ import annotations

import contextlib
import os
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import internal_log
from .drops import DropLedger
from .files import is_held, make_private_dir, write_private
from .owners import mine, owner_alive, owner_id, pid_alive

__all__ = [
    "CLAIM_EXPIRY",
    "HEADER_SIZE",
    "SIGNALS",
    "ClaimedBatch",
    "CorruptBatchError",
    "SpoolStats",
    "SpoolStore",
]

SIGNALS = ("traces", "metrics", "logs")
_MAGIC = b"AMSP"
_HEADER = struct.Struct("<4sBBII")  # magic, format version, signal index, length, crc32
_VERSION = 1
HEADER_SIZE = _HEADER.size
CLAIM_EXPIRY = 900.0
"""Seconds after which a claim goes back to ``ready/`` even if its owner lives: no single send
takes that long (requests are bounded by ``timeout``), so such a claim was abandoned."""
_PROBLEM_RETRY = 30.0  # seconds before an unusable spool is tried again


@dataclass(frozen=True)
class SpoolStats:
    batches: int
    bytes: int
    oldest_age: float | None
    dropped: dict[str, dict[str, int]]
    """reason -> {"batches": n, "bytes": n}, since the spool directory was created."""


class CorruptBatchError(Exception):
    """A spool file whose header or checksum does not match its content."""


@dataclass
class ClaimedBatch:
    """A batch this process claimed; exactly one of ``done``/``release``/``quarantine``."""

    store: SpoolStore
    path: Path
    signal: str
    created_ns: int

    def read(self) -> bytes:
        """The payload; raises ``CorruptBatchError`` if the file was damaged."""
        data = self.path.read_bytes()
        if len(data) < _HEADER.size:
            raise CorruptBatchError("truncated header")
        magic, version, signal_index, length, crc = _HEADER.unpack_from(data)
        payload = data[_HEADER.size :]
        if magic != _MAGIC or version != _VERSION or signal_index >= len(SIGNALS):
            raise CorruptBatchError("not a spool file of this version")
        if len(payload) != length or zlib.crc32(payload) != crc:
            raise CorruptBatchError("length or checksum mismatch")
        return payload

    @property
    def batch_id(self) -> str:
        """A stable id of this batch: the same across claims, releases, retries and
        processes (a backend that can deduplicate uses it)."""
        return _ready_name(self.path.name)

    def done(self) -> None:
        """Sent (or deliberately discarded): delete it."""
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)

    def release(self) -> None:
        """Not sent this time: put it back for a later attempt."""
        with self.store._lock, contextlib.suppress(OSError):
            os.replace(self.path, self.store.ready / self.batch_id)

    def quarantine(self, reason: str) -> None:
        with contextlib.suppress(OSError):
            make_private_dir(self.store.quarantine_dir)
            os.replace(self.path, self.store.quarantine_dir / self.batch_id)
        internal_log.error(
            "spool.quarantine", "spool file %s quarantined: %s", self.path.name, reason
        )


class SpoolStore:
    """A spool directory: ``ready/``, ``claimed/``, ``quarantine/``, ``owners/`` and
    ``stats.json``."""

    def __init__(self, directory: Path, *, max_bytes: int, max_age: float) -> None:
        self.directory = directory
        self.ready = directory / "ready"
        self.claimed = directory / "claimed"
        self.quarantine_dir = directory / "quarantine"
        self.owners = directory / "owners"
        self.max_bytes = max_bytes
        self.max_age = max_age
        self._lock = threading.Lock()
        self.problem: str | None = None
        """Why the directory could not be used last time (``None``: it could)."""
        self._problem_at = 0.0
        self.drops = DropLedger(directory)

    # -- health -----------------------------------------------------------------------------

    @property
    def usable(self) -> bool:
        """Whether batches can be kept here; after a failure, tried again every 30 s."""
        return self.problem is None or time.monotonic() - self._problem_at > _PROBLEM_RETRY

    def prepare(self) -> bool:
        """Create the directories (``0700``); ``False`` (reported) if that is impossible."""
        try:
            for directory in (self.directory, self.ready, self.claimed):
                make_private_dir(directory)
        except OSError as error:
            self._failed("cannot create the spool", error)
            return False
        return True

    def _failed(self, what: str, error: OSError) -> None:
        self.problem = f"{what} {self.directory}: {error.strerror or error}"
        self._problem_at = time.monotonic()
        internal_log.error(
            "spool.unusable",
            "%s; telemetry the backend does not take cannot be kept (live delivery goes on)",
            self.problem,
        )

    # -- writing ----------------------------------------------------------------------------

    def write(self, signal: str, payload: bytes) -> bool:
        """Store one batch; returns ``False`` (and counts it) if it cannot be kept."""
        return self._write(signal, payload, claim=False) is not None

    def keep_claimed(self, signal: str, payload: bytes) -> ClaimedBatch | None:
        """Store one batch as claimed by this process (the batch it is sending right now):
        nobody sends it while we live; once we are gone it is recovered like any claim."""
        return self._write(signal, payload, claim=True)

    def _write(self, signal: str, payload: bytes, *, claim: bool) -> ClaimedBatch | None:
        size = _HEADER.size + len(payload)
        if size > self.max_bytes:
            self._count_drop("too_large", 1, size)
            return None
        header = _HEADER.pack(
            _MAGIC, _VERSION, SIGNALS.index(signal), len(payload), zlib.crc32(payload)
        )
        name = f"{time.time_ns():020d}-{os.getpid()}-{os.urandom(4).hex()}.{signal}"
        tmp = self.ready / f".tmp-{name}"
        try:
            if not self.ready.is_dir() or (claim and not self.claimed.is_dir()):
                for directory in (self.directory, self.ready, self.claimed):
                    make_private_dir(directory)
            target = self.claimed / f"{name}.{self._owner()}" if claim else self.ready / name
            with self._lock:
                self._make_room(size)
                write_private(tmp, header + payload)
                os.replace(tmp, target)
                _fsync_dir(target.parent)
        except OSError as error:
            self._failed("cannot write to the spool", error)
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            self._count_drop("write_failed", 1, size)
            return None
        self.problem = None
        return ClaimedBatch(self, target, signal, _created_ns(name))

    def _make_room(self, incoming: int) -> None:
        """Expire old batches, then drop the oldest until ``incoming`` fits the budget.

        Batches a sender holds count too: they are on disk, and one that is not taken comes
        back. Only ready ones can be dropped. Called under the lock that also guards this
        process's claims and releases, so no batch is between the two lists meanwhile."""
        files = self._ready_files()
        total = sum(size for _, size in files + self._claimed_files())
        for path, size in files:
            expired = self._age(path) > self.max_age
            if not expired and total + incoming <= self.max_bytes:
                break
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                total -= size
                self._count_drop("expired" if expired else "over_budget", 1, size)

    # -- reading ----------------------------------------------------------------------------

    def claim_next(self, signals: tuple[str, ...] = SIGNALS) -> ClaimedBatch | None:
        """Claim the oldest ready batch of ``signals`` (atomic rename), or ``None`` (also
        when the spool cannot be used: that is reported, never raised).

        Only names are listed (the creation time is in the name), so claiming from a large
        spool costs one directory listing, not a ``stat`` per file."""
        paths = self._ready_paths()
        if not paths:
            return None
        try:
            make_private_dir(self.claimed)
            owner = self._owner()
        except OSError as error:
            self._failed("cannot claim from the spool", error)
            return None
        for path in paths:
            signal = path.suffix.lstrip(".")
            if signal not in signals:
                continue
            if self._age(path) > self.max_age:
                self._drop_expired(path)
                continue
            target = self.claimed / f"{path.name}.{owner}"
            try:
                with self._lock:
                    os.replace(path, target)
                    os.utime(target)  # the claim's time, for CLAIM_EXPIRY
            except FileNotFoundError:
                continue  # another process claimed it first
            except OSError as error:
                self._failed("cannot claim from the spool", error)
                return None
            return ClaimedBatch(self, target, signal, _created_ns(path.name))
        return None

    def _drop_expired(self, path: Path) -> None:
        try:
            size = path.stat().st_size
            path.unlink()
        except OSError:
            return
        self._count_drop("expired", 1, size)

    def recover_stale_claims(self) -> int:
        """Return claims whose owner is gone (its lock is free) or that are older than
        ``CLAIM_EXPIRY`` to ``ready/``; remove leftover temporary files of crashed writes and
        the lock files of dead owners. Returns how many claims were recovered. Never raises."""
        recovered = 0
        me = mine(self.directory)
        alive: dict[str, bool] = {}
        for path in _list(self.claimed):
            owner = path.name.rpartition(".")[2]
            if owner in SIGNALS or owner == me:
                continue
            if owner not in alive:
                alive[owner] = owner_alive(self.directory, owner)
            if alive[owner] and not _older_than(path, CLAIM_EXPIRY):
                continue
            with contextlib.suppress(OSError):
                os.replace(path, self.ready / _ready_name(path.name))
                recovered += 1
        for path in _list(self.owners):
            owner = path.name.removesuffix(".lock")
            # a lock file with no claims is removed only once it is old: its owner may be
            # between creating it and locking it
            if not alive.get(owner, True) or (
                owner not in alive and _older_than(path, 60.0) and not is_held(path)
            ):
                with contextlib.suppress(OSError):
                    path.unlink()
        for path in _list(self.ready):
            if path.name.startswith(".tmp-") and (
                not pid_alive(_writer_pid(path.name)) or _older_than(path, CLAIM_EXPIRY)
            ):
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)
        return recovered

    def _owner(self) -> str:
        return owner_id(self.directory)

    def has_ready(self) -> bool:
        """Whether any batch waits to be claimed."""
        return any(path.suffix.lstrip(".") in SIGNALS for path in self._ready_paths())

    def has_foreign_claims(self) -> bool:
        """Whether batches are claimed by other processes (still sending, or gone)."""
        me = mine(self.directory)
        return any(me is None or not path.name.endswith(f".{me}") for path in _list(self.claimed))

    def purge(self, reason: str) -> int:
        """Delete every ready batch (e.g. the user opted out); returns how many."""
        deleted = []
        for path, size in self._ready_files():
            with contextlib.suppress(OSError):
                path.unlink()
                deleted.append(size)
        if deleted:
            self._count_drop(reason, len(deleted), sum(deleted))
        return len(deleted)

    def stats(self) -> SpoolStats:
        """Batches on disk waiting to be sent: ready ones and ones a sender holds right now."""
        files = self._ready_files() + self._claimed_files()
        oldest = min((self._age(path) for path, _ in files), default=None)
        return SpoolStats(len(files), sum(size for _, size in files), oldest, self.drops.read())

    # -- internals --------------------------------------------------------------------------

    def _ready_paths(self) -> list[Path]:
        """Ready batches, oldest first (names start with the creation time)."""
        return sorted(
            (path for path in _list(self.ready) if not path.name.startswith(".tmp-")),
            key=lambda path: path.name,
        )

    def _ready_files(self) -> list[tuple[Path, int]]:
        """Ready batches with their sizes, oldest first."""
        return self._sized(self._ready_paths())

    def _claimed_files(self) -> list[tuple[Path, int]]:
        return self._sized(sorted(_list(self.claimed)))

    @staticmethod
    def _sized(paths: list[Path]) -> list[tuple[Path, int]]:
        files = []
        for path in paths:
            try:
                files.append((path, path.stat().st_size))
            except FileNotFoundError:
                continue
        return files

    @staticmethod
    def _age(path: Path) -> float:
        return max(0.0, (time.time_ns() - _created_ns(path.name)) / 1e9)

    @property
    def unsaved_drops(self) -> dict[str, dict[str, int]]:
        """Drops this process counted but could not record in ``stats.json``."""
        return self.drops.unsaved

    def _count_drop(self, reason: str, batches: int, size: int) -> None:
        # a failure to record is not reported again when the spool's problem already was
        self.drops.count(reason, batches, size, quiet=self.problem is not None)


def _older_than(path: Path, seconds: float) -> bool:
    try:
        return time.time() - path.stat().st_mtime > seconds
    except OSError:
        return False


def _list(directory: Path) -> Iterator[Path]:
    try:
        yield from (Path(entry.path) for entry in os.scandir(directory))
    except OSError:
        return


def _created_ns(name: str) -> int:
    head = name.split("-", 1)[0]
    return int(head) if head.isdigit() else 0


def _writer_pid(tmp_name: str) -> int:
    parts = tmp_name.removeprefix(".tmp-").split("-")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def _ready_name(name: str) -> str:
    """``<created>-<pid>-<rand>.<signal>[.<owner>]`` -> the ready-file name."""
    stem, _, suffix = name.rpartition(".")
    return name if suffix in SIGNALS or not stem else stem


def _fsync_dir(directory: Path) -> None:
    """Make a rename durable (POSIX); directories cannot be opened on Windows."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
