"""The detached sender: delivers what short programs left in a spool directory, then leaves.

Started at exit by ``handoff.start_sender`` (the settings arrive on stdin). It:

* runs at low priority (``nice`` 10), prints nothing, lives at most ``sender_lifetime``
  seconds and leaves as soon as the directory is empty;
* holds the directory's ``sender.lock`` for its whole life (one sender per directory), and
  before leaving lets go of it and looks again, so a batch written meanwhile is not stranded;
* re-checks consent before every send: an opt-out recorded after the run (the opt-out file,
  ``opt-out``) or a later start with ``DO_NOT_TRACK`` (which leaves a marker in the spool root)
  makes it delete, never send;
* claims each batch by rename, as every sender does, and passes the batch id to the backend:
  killed at any moment, it leaves nothing half-done — a claimed batch is recovered by the next
  sender (its lock died with it) and re-sent under the same id;
* waits, when the spool is empty but claims of other processes remain, for those to be
  recovered: the program that started it is still exiting and its batch in flight is kept as
  its claim until it is gone.

It imports the configuration, the consent decision, the store and the one backend in use — not
the providers, the privacy engine or any other backend.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["Sender", "main"]

_CLAIMS_WAIT = 15.0  # seconds to wait for the exiting program's claims to become recoverable
# (its exit can take seconds on a loaded machine: interpreter teardown, other atexit hooks)
_SLICE = 0.05  # seconds between looks at the nudge file while backing off


def main() -> int:
    """Entry point of the detached process (see ``handoff._BOOT``)."""
    with contextlib.suppress(OSError):
        os.nice(10)
    request: dict[str, Any] = json.loads(sys.stdin.buffer.read())
    Sender.from_request(request).run()
    return 0


class Sender:
    def __init__(
        self,
        directory: Path,
        replayer: Any,
        *,
        lock_fd: int,
        lifetime: float,
        timeout: float,
        started_ns: int,
    ) -> None:
        self.directory = directory
        self.replayer = replayer
        self.store = replayer.store
        self.lock_fd: int | None = lock_fd
        self.deadline = time.monotonic() + lifetime
        self.timeout = timeout
        self.started_ns = started_ns

    @classmethod
    def from_request(cls, request: dict[str, Any]) -> Sender:
        from ..consent.runtime import ConsentState
        from ..exporters import build_backend
        from .handoff import config_from_json
        from .replay import Replayer
        from .store import SpoolStore

        directory = Path(request["directory"])
        config = config_from_json(request["settings"], request["sources"])
        store = SpoolStore(
            directory, max_bytes=config.spool_max_bytes, max_age=config.spool_max_age
        )
        replayer = Replayer(
            store,
            build_backend(request["backend"], config),
            ConsentState(config, refresh_interval=0.0),  # re-decided before every send
            timeout=config.timeout,
            first_delay=config.retry_initial_backoff,
            max_delay=config.retry_max_backoff,
        )
        return cls(
            directory,
            replayer,
            lock_fd=int(request["lock_fd"]),
            lifetime=float(request["lifetime"]),
            timeout=config.timeout,
            started_ns=int(request["started_ns"]),
        )

    def run(self) -> None:
        """Deliver until the directory is empty or the lifetime is over."""
        try:
            while self._drain() and self._another_round():
                pass  # pragma: no cover - a batch written in the instant between the last
                # claim and the look; _another_round() itself is tested directly
        finally:
            self._unlock()
            self.replayer.backend.shutdown()

    def _another_round(self) -> bool:
        """The directory was empty: let go of the lock, then look again. A program that wrote
        a batch before we let go is seen now (and we go on if we get the lock back); one that
        writes later finds the lock free and starts a sender of its own."""
        from .files import try_lock
        from .handoff import SENDER_LOCK

        self._unlock()
        if not self.store.has_ready():
            return False
        self.lock_fd = try_lock(self.directory / SENDER_LOCK)
        return self.lock_fd is not None  # otherwise another sender took over

    def _drain(self) -> bool:
        """Send until empty (``True``), or until the lifetime ends or consent is revoked."""
        from .layout import revoked_since
        from .replay import IDLE

        self.store.recover_stale_claims()
        claims_wait = time.monotonic() + _CLAIMS_WAIT
        while (remaining := self.deadline - time.monotonic()) > 0:
            if revoked_since(self.directory, self.started_ns):
                self.store.purge("consent_revoked")
                return False
            self.replayer.timeout = min(self.timeout, remaining)
            delay = self.replayer.replay_one()
            if delay == IDLE:
                if self.store.problem is not None:
                    return False  # the directory cannot be worked (reported): leave it
                if self.store.has_foreign_claims() and time.monotonic() < claims_wait:
                    time.sleep(_SLICE)
                    self.store.recover_stale_claims()
                    continue
                return True
            if delay > 0:
                self._back_off(min(delay, remaining))
        return False

    def _back_off(self, seconds: float) -> None:
        """Wait ``seconds``, or less if a program exiting meanwhile nudged us."""
        from .handoff import NUDGE

        nudge = self.directory / NUDGE
        seen = _mtime(nudge)
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            time.sleep(_SLICE)
            if _mtime(nudge) != seen:
                self.replayer.failures = 0
                return

    def _unlock(self) -> None:
        if self.lock_fd is not None:
            os.close(self.lock_fd)
            self.lock_fd = None


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0
