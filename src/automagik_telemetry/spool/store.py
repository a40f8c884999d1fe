"""The on-disk spool: one file per batch a backend did not take, safe against crashes and
against several processes sharing the directory.

* **Atomic writes.** A batch is written to a temporary name, fsync'ed, then renamed into
  ``ready/``: a crash mid-write leaves a temporary file (ignored, cleaned up later), never a
  half batch that would be replayed.
* **Integrity.** Each file carries a header with the payload length and a CRC-32; a file that
  fails the check is moved to ``quarantine/`` with a log line and never retried.
* **Claims.** A sender takes a file by renaming it into ``claimed/`` under its pid before
  sending, an atomic step only one process can win: a batch is never sent twice. Claims of
  processes that died are returned to ``ready/``.
* **Budgets.** Total bytes and maximum age; when over, the oldest batches go first, and
  ``stats.json`` counts what was dropped and why (``automagik-telemetry status`` shows it).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import struct
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import internal_log

__all__ = [
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

    def done(self) -> None:
        """Sent (or deliberately discarded): delete it."""
        self.path.unlink(missing_ok=True)

    def release(self) -> None:
        """Not sent this time: put it back for a later attempt."""
        with self.store._lock, contextlib.suppress(FileNotFoundError):
            os.replace(self.path, self.store.ready / _ready_name(self.path.name))

    def quarantine(self, reason: str) -> None:
        self.store.quarantine_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.replace(self.path, self.store.quarantine_dir / _ready_name(self.path.name))
        internal_log.error(
            "spool.quarantine", "spool file %s quarantined: %s", self.path.name, reason
        )


class SpoolStore:
    """A spool directory: ``ready/``, ``claimed/``, ``quarantine/`` and ``stats.json``."""

    def __init__(self, directory: Path, *, max_bytes: int, max_age: float) -> None:
        self.directory = directory
        self.ready = directory / "ready"
        self.claimed = directory / "claimed"
        self.quarantine_dir = directory / "quarantine"
        self.max_bytes = max_bytes
        self.max_age = max_age
        self._lock = threading.Lock()

    # -- writing ----------------------------------------------------------------------------

    def write(self, signal: str, payload: bytes) -> bool:
        """Store one batch; returns ``False`` (and counts it) if it cannot be kept."""
        size = _HEADER.size + len(payload)
        if size > self.max_bytes:
            self._count_drop("too_large", 1, size)
            return False
        header = _HEADER.pack(
            _MAGIC, _VERSION, SIGNALS.index(signal), len(payload), zlib.crc32(payload)
        )
        name = f"{time.time_ns():020d}-{os.getpid()}-{uuid.uuid4().hex[:8]}.{signal}"
        try:
            self.ready.mkdir(parents=True, exist_ok=True)
            with self._lock:
                self._make_room(size)
                tmp = self.ready / f".tmp-{name}"
                with open(tmp, "wb") as handle:
                    handle.write(header)
                    handle.write(payload)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, self.ready / name)
                _fsync_dir(self.ready)
        except OSError as error:
            internal_log.error("spool.write", "cannot write to the spool %s: %s", self.ready, error)
            with contextlib.suppress(OSError, UnboundLocalError):
                tmp.unlink(missing_ok=True)
            self._count_drop("write_failed", 1, size)
            return False
        return True

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
        """Claim the oldest ready batch of ``signals`` (atomic rename), or ``None``.

        Only names are listed (the creation time is in the name), so claiming from a large
        spool costs one directory listing, not a ``stat`` per file."""
        self.claimed.mkdir(parents=True, exist_ok=True)
        for path in self._ready_paths():
            signal = path.suffix.lstrip(".")
            if signal not in signals:
                continue
            if self._age(path) > self.max_age:
                self._drop_expired(path)
                continue
            target = self.claimed / f"{path.name}.{os.getpid()}"
            try:
                with self._lock:
                    os.replace(path, target)
            except FileNotFoundError:
                continue  # another process claimed it first
            return ClaimedBatch(self, target, signal, _created_ns(path.name))
        return None

    def _drop_expired(self, path: Path) -> None:
        try:
            size = path.stat().st_size
            path.unlink()
        except FileNotFoundError:
            return
        self._count_drop("expired", 1, size)

    def recover_stale_claims(self) -> int:
        """Return claims of processes that no longer exist to ``ready/``; remove leftover
        temporary files of crashed writes. Returns how many claims were recovered."""
        recovered = 0
        for path in _list(self.claimed):
            pid = path.suffix.lstrip(".")
            if pid.isdigit() and not _alive(int(pid)):
                with contextlib.suppress(FileNotFoundError):
                    os.replace(path, self.ready / _ready_name(path.name))
                    recovered += 1
        for path in _list(self.ready):
            if path.name.startswith(".tmp-") and not _alive(_writer_pid(path.name)):
                path.unlink(missing_ok=True)
        return recovered

    def purge(self, reason: str) -> int:
        """Delete every ready batch (e.g. the user opted out); returns how many."""
        files = self._ready_files()
        for path, _ in files:
            path.unlink(missing_ok=True)
        if files:
            self._count_drop(reason, len(files), sum(size for _, size in files))
        return len(files)

    def stats(self) -> SpoolStats:
        """Batches on disk waiting to be sent: ready ones and ones a sender holds right now."""
        files = self._ready_files() + self._claimed_files()
        oldest = min((self._age(path) for path, _ in files), default=None)
        return SpoolStats(len(files), sum(size for _, size in files), oldest, self._read_drops())

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
    def _stats_path(self) -> Path:
        return self.directory / "stats.json"

    def _read_drops(self) -> dict[str, dict[str, int]]:
        try:
            data = json.loads(self._stats_path.read_text(encoding="utf-8"))
            return {
                str(k): {"batches": int(v["batches"]), "bytes": int(v["bytes"])}
                for k, v in data.items()
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}

    def _count_drop(self, reason: str, batches: int, size: int) -> None:
        internal_log.warning(
            f"spool.drop.{reason}",
            "spool dropped %d batch(es), %d bytes: %s",
            batches,
            size,
            reason,
        )
        drops = self._read_drops()
        entry = drops.setdefault(reason, {"batches": 0, "bytes": 0})
        entry["batches"] += batches
        entry["bytes"] += size
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = self._stats_path.with_name(f".stats-{uuid.uuid4().hex}")
            tmp.write_text(json.dumps(drops, indent=2, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self._stats_path)
        except OSError as error:
            internal_log.error("spool.stats", "cannot update %s: %s", self._stats_path, error)


def _list(directory: Path) -> Iterator[Path]:
    try:
        yield from (Path(entry.path) for entry in os.scandir(directory))
    except FileNotFoundError:
        return


def _created_ns(name: str) -> int:
    head = name.split("-", 1)[0]
    return int(head) if head.isdigit() else 0


def _writer_pid(tmp_name: str) -> int:
    parts = tmp_name.removeprefix(".tmp-").split("-")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def _ready_name(name: str) -> str:
    """``<created>-<pid>-<rand>.<signal>[.<claimer pid>]`` -> the ready-file name."""
    stem, _, suffix = name.rpartition(".")
    return stem if suffix.isdigit() else name


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists. One we may not signal (EPERM) exists: its claims are
    not ours to take."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except OSError as error:
        return error.errno != errno.ESRCH
    return True


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
