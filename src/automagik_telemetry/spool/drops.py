"""What a spool dropped and why, counted in ``stats.json`` across processes.

Drops are the one loss the spool allows (over budget, expired, too large, consent revoked),
so each is counted where ``automagik-telemetry status`` can show it. Several processes may
share a spool, so the file is updated read-modify-write under a lock they all take; if the
file cannot be written (a read-only or full disk) the counts are kept in memory instead
(``unsaved``), and ``status`` of this process still shows them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..diagnostics import internal_log
from .files import exclusive, make_private_dir, write_private

__all__ = ["DropLedger"]

Drops = dict[str, dict[str, int]]
"""reason -> {"batches": n, "bytes": n}."""


class DropLedger:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "stats.json"
        self.unsaved: Drops = {}
        """Drops this process counted but could not record in ``stats.json``."""

    def read(self) -> Drops:
        """The drops recorded so far; empty if there is no readable file."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return {
                str(k): {"batches": int(v["batches"]), "bytes": int(v["bytes"])}
                for k, v in data.items()
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}

    def count(self, reason: str, batches: int, size: int, *, quiet: bool = False) -> None:
        """Record a drop (logged, rate-limited, unless the caller reported it with its
        cause). ``quiet``: the spool's problem was already reported, so a failure to record
        is not reported again."""
        if reason != "write_failed":  # that one was reported with its cause
            internal_log.warning(
                f"spool.drop.{reason}",
                "spool dropped %d batch(es), %d bytes: %s",
                batches,
                size,
                reason,
            )
        try:
            make_private_dir(self.directory)
            # read-modify-write under a lock shared by every process using this spool
            with exclusive(self.directory / "stats.lock"):
                drops = self.read()
                add(drops, reason, batches, size)
                tmp = self.path.with_name(f".stats-{os.urandom(16).hex()}")
                write_private(tmp, json.dumps(drops, indent=2, sort_keys=True).encode(), sync=False)
                os.replace(tmp, self.path)
        except OSError as error:
            if not quiet:
                internal_log.error("spool.stats", "cannot update %s: %s", self.path, error)
            add(self.unsaved, reason, batches, size)


def add(drops: Drops, reason: str, batches: int, size: int) -> None:
    entry = drops.setdefault(reason, {"batches": 0, "bytes": 0})
    entry["batches"] += batches
    entry["bytes"] += size
