"""One clickhouse-connect client per destination: HTTP(S) to a server, or chDB in-process.

``clickhouse_connect`` (and, for ``chdb://`` URLs, chDB with its ~0.2 s import and ~300 MB)
is imported on first use, never when this package is imported. The client is opened lazily on
the exporters' background threads, so ``configure_automagik()`` never waits for a network or
an engine. Table names are always qualified (``db.table``): the client itself is not bound to
a database, which may not exist until the schema is created.
"""

from __future__ import annotations

import importlib
import math
import os
import threading
from collections.abc import Mapping, Sequence
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
        self._lock = threading.Lock()
        self._owner = os.getpid()
        after_fork_in_child(self._after_fork)

    def _after_fork(self) -> None:
        """A forked worker opens connections of its own; the parent's are not touched."""
        self._lock = threading.Lock()
        self._client = None

    @property
    def client(self) -> Any:
        """The clickhouse-connect client, opened on first use."""
        with self._lock:
            if self.closing.is_set():
                raise StoreUnavailableError("the ClickHouse exporter was shut down")
            if self._client is None:
                if self.settings.url.embedded and os.getpid() != self._owner:
                    raise EmbeddedStoreOwnedError(self.settings.url.path, self._owner)
                self._client = self._open()
            return self._client

    def _open(self) -> Any:
        settings = self.settings
        url = settings.url
        clickhouse_connect = importlib.import_module("clickhouse_connect")
        if url.embedded:
            return _open_embedded(clickhouse_connect, url.path, dict(url.settings))
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
        self.client.command(sql, settings=dict(settings or {}))

    def describe(self, table: str) -> list[tuple[str, str, str]]:
        """``(name, type, default kind)`` of each column, from ``DESCRIBE TABLE``."""
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
        if client is not None:
            client.close()


def _open_embedded(clickhouse_connect: Any, path: str, settings: dict[str, str]) -> Any:
    Path(path).mkdir(parents=True, exist_ok=True)
    try:
        return clickhouse_connect.get_client(interface="chdb", path=path, settings=settings)
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
