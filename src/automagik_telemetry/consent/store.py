"""The user's recorded consent, the opt-out file, and the anonymous install id, on disk.

The preference is per user, shared by every tool built on this package (as the seed SDK did):
one ``opt-out`` covers them all. Writes are atomic (temporary file + rename) so a crash never
leaves a half-written preference; reads never raise — an unreadable preference counts as
"not decided", which means off.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, overload

from ..config.dirs import user_config_dir
from ..config.level import ConsentLevel

__all__ = ["OPT_OUT_FILENAME", "ConsentStore", "StoredPreference", "write_atomically"]

OPT_OUT_FILENAME = ".automagik-no-telemetry"
_logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredPreference:
    level: ConsentLevel
    decided_at: str
    via: str


class ConsentStore:
    """Paths and reads/writes of the consent files; cheap enough to build per call."""

    def __init__(self, config_dir: Path | None = None, home: Path | None = None) -> None:
        self.home = home if home is not None else Path.home()
        self.config_dir = config_dir if config_dir is not None else user_config_dir()

    @property
    def preference_path(self) -> Path:
        return self.config_dir / "telemetry-consent.json"

    @property
    def install_id_path(self) -> Path:
        return self.config_dir / "install-id"

    @property
    def opt_out_path(self) -> Path:
        return self.home / OPT_OUT_FILENAME

    @property
    def legacy_preference_path(self) -> Path:
        """Where the seed SDK kept an opt-in (``~/.automagik/telemetry_preference``)."""
        return self.home / ".automagik" / "telemetry_preference"

    # -- reading ----------------------------------------------------------------------------

    def opted_out_by_file(self) -> bool:
        return self.opt_out_reason() is not None

    def opt_out_reason(self) -> str | None:
        """Why the opt-out file rule applies, or ``None``. If we cannot even check for the
        file, we fail closed: a user who opted out must never be tracked by accident."""
        try:
            exists = self.opt_out_path.exists()
        except OSError as error:
            return f"the opt-out file {self.opt_out_path} cannot be checked ({error.strerror})"
        return f"the opt-out file {self.opt_out_path} exists" if exists else None

    def read_preference(self) -> StoredPreference | None:
        try:
            text = self.preference_path.read_text(encoding="utf-8")
            import json  # most runs find no file: they need no JSON parser

            data = json.loads(text)
            return StoredPreference(
                ConsentLevel(data["level"]),
                str(data.get("decided_at", "")),
                str(data.get("via", "")),
            )
        except FileNotFoundError:
            return self._read_legacy_preference()
        except (OSError, ValueError, KeyError, TypeError) as error:
            _logger.warning("ignoring unreadable consent file %s: %s", self.preference_path, error)
            return None

    def _read_legacy_preference(self) -> StoredPreference | None:
        try:
            text = self.legacy_preference_path.read_text(encoding="utf-8").strip().lower()
        except OSError:
            return None
        level = ConsentLevel.ALL if text in {"true", "yes", "1", "enabled"} else ConsentLevel.OFF
        return StoredPreference(level, "", "seed SDK preference file")

    def change_marker(self) -> tuple[bool, int]:
        """Cheap fingerprint (two ``stat`` calls) that changes when either file changes."""
        try:
            mtime = self.preference_path.stat().st_mtime_ns
        except OSError:
            mtime = -1
        return self.opted_out_by_file(), mtime

    # -- writing ----------------------------------------------------------------------------

    def write_preference(self, level: ConsentLevel, via: str) -> StoredPreference:
        """Record the user's answer. Opting out also creates the opt-out file (the signal
        every Automagik tool, old or new, honours); opting in removes it."""
        import json
        from datetime import datetime, timezone

        preference = StoredPreference(level, datetime.now(timezone.utc).isoformat(), via)
        payload = {"level": level.value, "decided_at": preference.decided_at, "via": via}
        write_atomically(self.preference_path, json.dumps(payload, indent=2) + "\n")
        if level is ConsentLevel.OFF:
            self.opt_out_path.touch()
        else:
            self.opt_out_path.unlink(missing_ok=True)
        return preference

    @overload
    def install_id(self, *, create: Literal[True]) -> str: ...
    @overload
    def install_id(self, *, create: bool) -> str | None: ...
    def install_id(self, *, create: bool) -> str | None:
        """The anonymous install id: a random UUID, never derived from the machine or user.

        Only created when telemetry is on (``create=True``), so a user who never opted in
        has nothing written on their disk.
        """
        import uuid  # only once telemetry is on, or for ``status``: not on every start

        try:
            existing = self.install_id_path.read_text(encoding="utf-8").strip()
            return str(uuid.UUID(existing))
        except (OSError, ValueError):
            if not create:
                return None
        new_id = str(uuid.uuid4())
        try:
            write_atomically(self.install_id_path, new_id + "\n")
        except OSError as error:
            _logger.warning("cannot store the install id in %s: %s", self.install_id_path, error)
        return new_id


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` all or nothing: a temporary file in the same directory
    (``mkstemp``: readable by its owner only), fsync'ed, then renamed over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # only when writing: every run reads, few runs write

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
