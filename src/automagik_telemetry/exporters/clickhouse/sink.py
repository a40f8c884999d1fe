"""``ClickHouseSink``: puts encoded blocks into tables, with the error policy of ``errors.py``.

Shared by the span, log and metric exporters of one destination: one connection, one schema
check per table, one place that decides to retry or to give up. It never raises: a failed
write is logged (rate-limited, with the server's message) and reported as ``False``, which the
exporters turn into the SDK's FAILURE result.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable

from ...delivery.outcome import Delivery
from ...diagnostics import internal_log
from ...engine.forking import after_fork_in_child
from .connection import ClickHouseConnection
from .ddl import table_ref
from .errors import Backoff, ClickHouseError, is_transient
from .native import NativeBlock
from .schema import prepare_table, prepare_tables
from .settings import ClickHouseSettings

__all__ = ["ClickHouseSink"]

_MISSING_TABLE_CODES = frozenset({60, 81})  # UNKNOWN_TABLE, UNKNOWN_DATABASE


class ClickHouseSink:
    def __init__(self, connection: ClickHouseConnection, backoff: Backoff | None = None) -> None:
        self.connection = connection
        self.backoff = backoff or Backoff()
        self._absent: dict[str, frozenset[str]] = {}
        self._started = False
        self._lock = threading.Lock()
        self._prepare_lock = threading.Lock()  # the start-up thread and the first write
        self._users = 0
        after_fork_in_child(self._after_fork)

    def _after_fork(self) -> None:
        """A child forked while the start-up thread (which it does not have) held the lock
        must not wait for it forever: its writes go to the spool for the store's owner."""
        self._prepare_lock = threading.Lock()

    @classmethod
    def open(cls, settings: ClickHouseSettings) -> ClickHouseSink:
        return cls(ClickHouseConnection(settings))

    @property
    def settings(self) -> ClickHouseSettings:
        return self.connection.settings

    def acquire(self) -> None:
        """One more exporter uses this sink (the last ``release`` closes the connection)."""
        with self._lock:
            self._users += 1

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            last = self._users <= 0
        if last:
            self.connection.close()

    def start(self) -> None:
        """Open the destination and prepare every table now, ahead of the first write (the
        embedded store's start-up, on a thread of its own). Never raises: a failure here is
        met again, retried and reported by the first write."""
        with contextlib.suppress(Exception):  # the first write meets it again and reports it
            self._prepared("traces")

    def write(self, kind: str, block: NativeBlock) -> bool:
        """Insert ``block`` into the table of ``kind``, retrying transient failures within
        ``timeout``; ``True`` once the server took it (the standalone exporters' policy)."""
        return self._retrying(kind, block.rows, self._inserter(kind, block))

    def write_once(self, kind: str, block: NativeBlock, token: str | None = None) -> Delivery:
        """One attempt, classified: the durable spool decides about retries. ``token`` (the
        spooled batch's id) makes a re-sent batch stored once."""
        try:
            self._inserter(kind, block, token)()
        except Exception as error:
            if is_transient(error) or self._lost_table(kind, error):
                return Delivery.retry(f"ClickHouse table {self.settings.tables[kind]}: {error}")
            self._report(kind, block.rows, error, transient=False)
            return Delivery.rejected(str(error))
        return Delivery.ok()

    def _inserter(
        self, kind: str, block: NativeBlock, token: str | None = None
    ) -> Callable[[], None]:
        payloads: dict[frozenset[str], bytes] = {}

        def attempt() -> None:
            absent = self._prepared(kind)
            if absent not in payloads:
                payloads[absent] = block.to_bytes(skip=absent)
            names = [name for name in block.names if name not in absent]
            table = table_ref(self.settings, self.settings.tables[kind])
            self.connection.insert(table, names, payloads[absent], token=token)

        return attempt

    def _lost_table(self, kind: str, error: Exception) -> bool:
        """The table (or its database) disappeared under us: with ``create_schema`` the next
        attempt recreates it, so this batch is worth keeping."""
        if getattr(error, "code", None) not in _MISSING_TABLE_CODES:
            return False
        self._absent.pop(kind, None)
        return self.settings.create_schema

    def _prepared(self, kind: str) -> frozenset[str]:
        """The optional columns the table of ``kind`` lacks, once it is ready. The first call
        creates and checks every table (the collector's start-up); later calls re-prepare a
        table that was dropped or did not fit. One thread at a time (the start-up thread and
        the first write may meet here)."""
        with self._prepare_lock:
            return self._prepare(kind)

    def _prepare(self, kind: str) -> frozenset[str]:
        absent = self._absent.get(kind)
        if absent is not None:
            return absent
        if not self._started:
            prepared = prepare_tables(self.connection)
            self._started = True
            for each, outcome in prepared.items():
                if not isinstance(outcome, Exception):
                    self._remember(each, outcome)
            outcome = prepared[kind]
            if isinstance(outcome, Exception):
                raise outcome
            return outcome
        return self._remember(kind, prepare_table(self.connection, kind))

    def _remember(self, kind: str, absent: frozenset[str]) -> frozenset[str]:
        if absent:
            internal_log.warning(
                f"clickhouse.{kind}.optional",
                "ClickHouse table %s has no column %s (added by newer OpenTelemetry "
                "collectors); those values are not stored until it is added",
                table_ref(self.settings, self.settings.tables[kind]),
                ", ".join(sorted(absent)),
            )
        self._absent[kind] = absent
        return absent

    def _retrying(self, kind: str, rows: int, attempt: Callable[[], None]) -> bool:
        deadline = time.monotonic() + self.settings.timeout
        delays = self.backoff.delays()
        while True:
            try:
                attempt()
                return True
            except Exception as error:
                if not is_transient(error):
                    self._report(kind, rows, error, transient=False)
                    return False
                delay = next(delays)
                if time.monotonic() + delay > deadline or self.connection.closing.wait(delay):
                    self._report(kind, rows, error, transient=True)
                    return False

    def _report(self, kind: str, rows: int, error: Exception, *, transient: bool) -> None:
        where = self.settings.describe()
        table = self.settings.tables[kind]
        if transient:
            internal_log.warning(
                f"clickhouse.{kind}.unreachable",
                "could not write %d rows to ClickHouse table %s (%s) within %.0fs, giving up on "
                "this batch: %s",
                rows,
                table,
                where,
                self.settings.timeout,
                error,
            )
        else:
            internal_log.error(
                f"clickhouse.{kind}.rejected",
                "ClickHouse table %s (%s) did not take %d rows, dropped: %s",
                table,
                where,
                rows,
                error,
                exc_info=not isinstance(error, ClickHouseError) and not hasattr(error, "code"),
            )
