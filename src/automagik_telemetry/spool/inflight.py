"""The batches being sent live right now, so that an exit can keep them.

A live attempt can outlast the process: the endpoint is slow or never answers, and the program
exits meanwhile. Without bookkeeping that batch is neither confirmed nor kept. Here each live
attempt is registered; at exit the registered batches are written to the spool *as claims of
this process* (``SpoolStore.keep_claimed``), so nobody sends them while the process lives, and
once it is gone they are recovered and replayed like any claim.

When the attempt still ends before the process does, it settles the kept copy: delivered or
rejected for good — delete it (nothing is sent twice by us); not taken — release it to
``ready/`` (it is already on disk: it is not spooled a second time). The one edge left: the
backend stored the batch but its answer did not arrive before the process ended; the kept copy
is then replayed (at least once; a backend that deduplicates by ``batch_id`` stores it once).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..diagnostics import internal_log
from .store import ClaimedBatch, SpoolStore

__all__ = ["InFlight", "Ticket"]

Encode = Callable[[str, Any], bytes]


@dataclass
class Ticket:
    signal: str
    items: Any
    kept: ClaimedBatch | None = None


class InFlight:
    def __init__(self, store: SpoolStore, encode: Encode) -> None:
        self._store = store
        self._encode = encode
        self._lock = threading.Lock()
        self._sending: dict[int, Ticket] = {}

    def begin(self, signal: str, items: Any) -> Ticket:
        """A live attempt starts (a dictionary insert: nothing is encoded or written)."""
        ticket = Ticket(signal, items)
        with self._lock:
            self._sending[id(ticket)] = ticket
        return ticket

    def end(self, ticket: Ticket, status: str) -> bool | None:
        """The attempt ended with ``status`` (``delivered``, ``retry``, ``rejected``).
        ``None`` if the batch was not kept meanwhile (the caller goes on as usual); otherwise
        the kept copy is settled and the answer is whether the batch is safe."""
        with self._lock:
            self._sending.pop(id(ticket), None)
            kept = ticket.kept
        if kept is None:
            return None
        if status == "retry":
            kept.release()  # on disk already: the sender or the next start sends it
            return True
        kept.done()  # delivered (not twice), or refused for good (not again)
        return status == "delivered"

    def keep_all(self) -> int:
        """Write every batch being sent to the spool as this process's claim; returns how
        many. Called at exit, after the queues were spilled."""
        kept = 0
        with self._lock:
            for ticket in self._sending.values():
                if ticket.kept is not None:
                    continue
                try:
                    payload = self._encode(ticket.signal, ticket.items)
                except Exception:
                    internal_log.error(
                        "inflight.encode", "cannot encode a batch in flight", exc_info=True
                    )
                    continue
                ticket.kept = self._store.keep_claimed(ticket.signal, payload)
                kept += ticket.kept is not None
        return kept
