"""One connection per destination: HTTP(S) to a server, or chDB in-process.

``clickhouse_connect`` (and, for ``chdb://`` URLs, chDB with its ~0.2 s import and ~300 MB)
is imported on first use, never when this package is imported. The client is opened lazily on
the exporters' background threads, so ``configure_automagik()`` never waits for a network or
an engine. Table names are always qualified (``db.table``): the client itself is not bound to
a database, which may not exist until the schema is created.

The embedded store's write path (``command``, ``describe``, ``insert``, ``server_version``)
talks to chDB's own connection instead of clickhouse-connect's chdb client: importing
clickhouse-connect (numpy, pyarrow, asyncio, ssl, urllib3: 255 modules) and its client's
start-up queries cost ~0.2 s of CPU under the GIL, in the program's own process, before the
first row; chDB takes the same SQL and the same Native bytes directly. ``client`` (reads: the
report, doctor) stays clickhouse-connect's, for its typed results.
"""

from __future__ import annotations

import importlib
import math
import os
import re
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ...engine.forking import after_fork_in_child
from .errors import EmbeddedStoreOwnedError, StoreLockedError, StoreUnavailableError
from .settings import ClickHouseSettings

__all__ = ["ClickHouseConnection", "compress"]

_LOCK_HINT = (
    "The embedded store is for one process at a time. To send telemetry from several "
    "processes, run a ClickHouse server and set clickhouse_url to its http(s):// URL, or give "
    "each process its own chdb:// directory."
)


def compress(data: bytes, method: str) -> bytes:
    """A request body in ``Content-Encoding: method`` (clickhouse-connect's compressors)."""
    from clickhouse_connect.driver.compression import get_compressor

    compressor: Any = get_compressor(method)
    body = bytes(compressor.compress_block(data))
    return body + bytes(compressor.flush() or b"")


class ClickHouseConnection:
    """The client of one destination, shared by the exporters built for it (thread-safe)."""

    def __init__(self, settings: ClickHouseSettings) -> None:
        self.settings = settings
        self.closing = threading.Event()
        """Set on close: retries waiting on it stop at once."""
        self._client: Any = None
        self._store: Any = None
        self._lock = threading.Lock()
        self._owner = os.getpid()
        after_fork_in_child(self._after_fork)

    def _after_fork(self) -> None:
        """A forked worker opens connections of its own; the parent's are not touched."""
        self._lock = threading.Lock()
        self._client = None
        self._store = None

    @property
    def client(self) -> Any:
        """The clickhouse-connect client, opened on first use."""
        with self._lock:
            if self.closing.is_set():
                raise StoreUnavailableError("the ClickHouse exporter was shut down")
            if self._client is None:
                self._check_owner()
                self._client = self._open()
            return self._client

    def _embedded_store(self) -> Any:
        """chDB's own connection to the embedded store, opened on first use (see above)."""
        with self._lock:
            if self.closing.is_set():
                raise StoreUnavailableError("the ClickHouse exporter was shut down")
            if self._store is None:
                url = self.settings.url
                self._check_owner()
                self._store = _open_embedded(lambda: _ChdbStore(url.path), url.path)
                for key, value in url.settings.items():
                    self._store.query(f"SET {key} = {_literal(value)}")
            return self._store

    def _check_owner(self) -> None:
        """A forked worker must not open the embedded store its parent holds."""
        if self.settings.url.embedded and os.getpid() != self._owner:
            raise EmbeddedStoreOwnedError(self.settings.url.path, self._owner)

    def server_version(self) -> str:
        if self.settings.url.embedded:
            version: str = self._embedded_store().query("SELECT version()")
            return version.strip()
        return str(self.client.server_version)

    def _open(self) -> Any:
        settings = self.settings
        url = settings.url
        clickhouse_connect = importlib.import_module("clickhouse_connect")
        if url.embedded:
            return _open_embedded(
                lambda: clickhouse_connect.get_client(
                    interface="chdb", path=url.path, settings=dict(url.settings)
                ),
                url.path,
            )
        seconds = max(1, math.ceil(settings.timeout))  # the driver takes whole seconds
        client = clickhouse_connect.get_client(
            interface=url.scheme,
            host=url.host,
            port=url.port,
            username=settings.user,
            password=settings.password,
            secure=url.scheme == "https",
            verify=settings.verify,
            ca_cert=str(settings.ca_cert) if settings.ca_cert else None,
            compress=False if settings.compression == "none" else settings.compression,
            connect_timeout=seconds,
            send_receive_timeout=seconds,
            query_retries=0,
            autogenerate_session_id=False,
            settings=dict(url.settings),
            client_name="automagik-telemetry",
        )
        client.http_retries = 0  # retries are ours: backoff, jitter and a deadline
        return client

    def command(self, sql: str, settings: Mapping[str, object] | None = None) -> None:
        if self.settings.url.embedded:
            store = self._embedded_store()
            for key, value in (settings or {}).items():  # our own session: set, not restored
                store.query(f"SET {key} = {_literal(value)}")
            store.query(sql)
            return
        self.client.command(sql, settings=dict(settings or {}))

    def describe(self, table: str) -> list[tuple[str, str, str]]:
        """``(name, type, default kind)`` of each column, from ``DESCRIBE TABLE``."""
        if self.settings.url.embedded:
            text = self._embedded_store().query(f"DESCRIBE TABLE {table}")
            fields = [line.split("\t") for line in text.splitlines()]
            return [(row[0], row[1], row[2]) for row in fields]
        result = self.client.query(f"DESCRIBE TABLE {table}")
        return [(row[0], row[1], row[2]) for row in result.result_rows]

    def insert(
        self, table: str, names: Sequence[str], data: bytes, *, token: str | None = None
    ) -> None:
        """Insert one Native block; compressed with the configured method for a server (the
        embedded engine reads it from memory, compression would only cost CPU there).

        ``token`` becomes ``insert_deduplication_token``: the same batch sent again (a retry
        after a lost answer, a replay after a crash) is stored once. On a cluster the insert
        into the ``Distributed`` table returns once the shards have the rows
        (``insert_distributed_sync``), so an acknowledged batch is never only in a node's
        forwarding queue."""
        settings = self.settings
        method = (
            None
            if settings.url.embedded or settings.compression == "none"
            else (settings.compression)
        )
        insert_settings: dict[str, object] = {}
        if settings.async_insert:
            insert_settings.update(async_insert=1, wait_for_async_insert=1)
            if token:
                insert_settings["async_insert_deduplicate"] = 1
        if settings.cluster_name:
            insert_settings["insert_distributed_sync"] = 1
        if token:
            insert_settings["insert_deduplication_token"] = token
        if settings.url.embedded:
            self._embedded_store().insert(table, names, data, insert_settings)
            return
        self.client.raw_insert(
            table,
            column_names=list(names),
            insert_block=compress(data, method) if method else data,
            settings=insert_settings,
            fmt="Native",
            compression=method,
        )

    def close(self) -> None:
        with self._lock:
            self.closing.set()
            client, self._client = self._client, None
            store, self._store = self._store, None
        for each in (client, store):
            if each is not None:
                each.close()


class EmbeddedQueryError(Exception):
    """A query the embedded engine refused, with ClickHouse's error ``code`` (what
    ``is_transient`` and the schema check read), as clickhouse-connect's errors carry it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        found = re.search(r"Code: (\d+)\.", message)
        self.code = int(found.group(1)) if found else None


class _ChdbStore:
    """chDB's connection to one store: SQL in, text out; a Native block inserted from a
    temporary file (``INSERT ... FROM INFILE``, as clickhouse-connect's chdb client does).
    One call at a time (the signals' export threads share it; a chDB connection is not meant
    for concurrent calls, and clickhouse-connect's client serializes them the same way)."""

    def __init__(self, path: str) -> None:
        self._lock = threading.Lock()
        try:
            self._connection: Any = _engine_connect()(os.path.realpath(path))
        except RuntimeError as error:  # the engine's own reason, with what we were doing
            raise EmbeddedQueryError(f"cannot open the chdb engine at {path}: {error}") from None

    def query(self, sql: str) -> str:
        try:
            with self._lock:
                if self._connection is None:  # closed by a shutdown meanwhile
                    raise StoreUnavailableError("the ClickHouse exporter was shut down")
                result = self._connection.query(sql, "TabSeparated")
        except RuntimeError as error:  # chDB's ChdbError: "Code: 60. DB::Exception: ..."
            message = str(error)
            raise EmbeddedQueryError(message[message.find("Code: ") :].strip()) from None
        return str(result.bytes().decode())

    def insert(
        self, table: str, names: Sequence[str], data: bytes, settings: Mapping[str, object]
    ) -> None:
        with tempfile.NamedTemporaryFile(suffix=".native") as block:
            block.write(data)
            block.flush()
            clause = ", ".join(f"{key} = {_literal(value)}" for key, value in settings.items())
            self.query(
                f"INSERT INTO {table} ({', '.join(f'`{name}`' for name in names)}) "
                f"FROM INFILE {_literal(block.name)}"
                f"{' SETTINGS ' + clause if clause else ''} FORMAT Native"
            )

    def close(self) -> None:
        with self._lock:
            connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


def _engine_connect() -> Callable[[str], Any]:
    """chDB's engine connection class (``chdb._chdb.connect``: ``query(sql, format)``,
    ``close()``, errors as ``RuntimeError``), which ``chdb.connect`` wraps.

    The wrapper's module imports pyarrow when it is installed (it is, with chDB): ~0.1 s, most
    of it holding the GIL, on the start-up thread while the app makes its first spans, for
    Arrow results we never ask for. The wrapper adds nothing else our plain SQL-in, text-out
    calls use. Should a chDB release move the class, the public ``chdb.connect`` is used."""
    import chdb

    engine = getattr(getattr(chdb, "_chdb", None), "connect", None)
    return engine if callable(engine) else chdb.connect


def _literal(value: object) -> str:
    """A setting value or file name as an SQL string literal (quoted: ClickHouse converts it
    to the setting's type)."""
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def _open_embedded(open_store: Callable[[], Any], path: str) -> Any:
    Path(path).mkdir(parents=True, exist_ok=True)
    try:
        return open_store()
    except Exception as error:
        message = str(error)
        if "already initialized with path" in message:
            raise StoreUnavailableError(
                f"cannot open the embedded ClickHouse store at {path}: this process already "
                f"uses another chDB store, and chDB holds one directory per process ({message})"
            ) from error
        if _locked_by_another_process(path):
            raise StoreLockedError(
                f"the embedded ClickHouse store at {path} is in use by another process: chDB "
                f"locks its directory ({os.path.join(path, 'status')}; ClickHouse error 76, "
                f'"Cannot lock file"); the data waits and is written once it is free. '
                f"{_LOCK_HINT}"
            ) from error
        raise


def _locked_by_another_process(path: str) -> bool:
    """Whether another process holds the engine's lock on ``<path>/status``.

    chDB reports a held lock only on stderr; the exception says "Error initializing
    EmbeddedServer". Probing the ``flock`` (what ClickHouse's status file uses) tells the two
    apart. chDB runs on Linux and macOS only, so ``fcntl`` is always there."""
    import fcntl

    try:
        descriptor = os.open(os.path.join(path, "status"), os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        return False
    finally:
        os.close(descriptor)
