"""Which failures are worth retrying, and the errors this package raises itself.

A telemetry exporter must neither give up on a server that is restarting nor hammer one that
rejects every insert: transient failures (connection refused, timeouts, HTTP 5xx, ClickHouse's
"try again" codes) are retried with capped exponential backoff and jitter; everything else is
reported once, with the server's message, and the batch is dropped.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "RETRYABLE_CODES",
    "Backoff",
    "ClickHouseError",
    "EmbeddedStoreOwnedError",
    "SchemaMismatchError",
    "StoreLockedError",
    "StoreUnavailableError",
    "is_transient",
]

RETRYABLE_CODES = frozenset(
    {
        3,  # UNEXPECTED_END_OF_FILE: the request body was cut off
        32,  # ATTEMPT_TO_READ_AFTER_EOF
        159,  # TIMEOUT_EXCEEDED
        202,  # TOO_MANY_SIMULTANEOUS_QUERIES
        203,  # NO_FREE_CONNECTION
        209,  # SOCKET_TIMEOUT
        210,  # NETWORK_ERROR
        236,  # ABORTED
        241,  # MEMORY_LIMIT_EXCEEDED
        242,  # TABLE_IS_READ_ONLY (a replica lost its keeper session)
        252,  # TOO_MANY_PARTS: merges are behind, the server asks to slow down
        285,  # TOO_FEW_LIVE_REPLICAS
        319,  # UNKNOWN_STATUS_OF_INSERT
        425,  # SYSTEM_ERROR
        439,  # CANNOT_SCHEDULE_TASK
        999,  # KEEPER_EXCEPTION
        1000,  # POCO_EXCEPTION
    }
)
_HTTP_5XX = re.compile(r"HTTP status 5\d\d")


class ClickHouseError(Exception):
    """A problem of the ClickHouse backend, explained for the person who has to fix it."""


class SchemaMismatchError(ClickHouseError):
    """An existing table lacks columns we write, or has them with incompatible types."""


class StoreUnavailableError(ClickHouseError):
    """The embedded store cannot be opened (another process holds it, or this process already
    holds a different one)."""


class StoreLockedError(StoreUnavailableError, ConnectionError):
    """Another process holds the embedded store's lock (chDB error 76, a CLI run twice at
    once). Temporary by nature: the batch is kept (spooled) and written once the other process
    lets the store go, never dropped. A ``ConnectionError``, so ``is_transient`` says so."""


class EmbeddedStoreOwnedError(ConnectionError):
    """A forked worker tried to write to the embedded store its parent opened.

    A connection problem, not a permanent one: the worker's batches go to the spool, which the
    parent process — the store's owner — replays into the store.
    """

    def __init__(self, path: str, owner: int) -> None:
        super().__init__(
            f"the embedded store {path} belongs to process {owner}; this forked worker spools "
            "its data for it (use a ClickHouse server to write from many processes)"
        )


def is_transient(error: BaseException) -> bool:
    """Whether trying the same request again later may succeed."""
    if isinstance(error, (ConnectionError, TimeoutError)):
        return True
    if isinstance(error, ClickHouseError):
        return False
    # clickhouse-connect's OperationalError: transport failures (refused, reset, timed out)
    # and 429/503/504 answers. Matched by name: this module must not import the driver.
    if any(cls.__name__ == "OperationalError" for cls in type(error).__mro__):
        return True
    code = getattr(error, "code", None)
    if code is not None:
        return code in RETRYABLE_CODES
    # A bare 5xx without a ClickHouse exception code: a proxy or load balancer in trouble.
    return bool(_HTTP_5XX.search(str(error)))


@dataclass(frozen=True)
class Backoff:
    """Capped exponential backoff with jitter: ``initial * 2**n``, at most ``maximum``, each
    delay scaled by a random factor in [0.5, 1] so many clients do not retry in lockstep."""

    initial: float = 0.25
    maximum: float = 4.0

    def delays(self) -> Iterator[float]:
        delay = self.initial
        while True:
            yield delay * random.uniform(0.5, 1.0)
            delay = min(self.maximum, delay * 2)
