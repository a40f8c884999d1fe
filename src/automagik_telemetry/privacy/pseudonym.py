"""Keyed pseudonyms for ``hash`` mode, and the per-install key they are made with.

A plain hash of an e-mail address is not anonymous: anyone can hash a list of addresses and
compare. An HMAC with a secret that never leaves the machine is: the same address always
gives the same pseudonym on this install (so one user's events can be joined), and nobody
without the key can tell whose it is. The key is stored next to the install id and, like it,
only created once telemetry is on.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from pathlib import Path

from ..consent.store import ConsentStore, write_atomically

__all__ = ["KEY_FILENAME", "PSEUDONYM_LENGTH", "Pseudonymizer", "load_pseudonym_key"]

KEY_FILENAME = "pseudonym-key"
PSEUDONYM_LENGTH = 12
"""Characters of the pseudonym: 48 bits, enough to keep users of one install apart."""

# Hex digits mapped to the letters g..v: a pseudonym has no digits and no a-f, so no
# detector (phone, card, IPv6, ...) can ever match inside one, which keeps redaction
# idempotent.
_LETTERS = str.maketrans("0123456789abcdef", "ghijklmnopqrstuv")
_logger = logging.getLogger(__name__)


class Pseudonymizer:
    """``(kind, value) -> pseudonym``: HMAC-SHA256 keyed with the install's secret."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __call__(self, kind: str, value: str) -> str:
        if kind == "email":
            value = value.lower()  # Maria@Example.com and maria@example.com are one person
        data = f"{kind}\x00{value}".encode("utf-8", "surrogatepass")
        digest = hmac.new(self._key, data, hashlib.sha256).hexdigest()
        return digest[:PSEUDONYM_LENGTH].translate(_LETTERS)

    def __repr__(self) -> str:
        return "Pseudonymizer(key=<hidden>)"


def load_pseudonym_key(config_dir: Path | None = None, *, create: bool) -> bytes | None:
    """The install's pseudonym key from ``config_dir`` (default: the per-user config dir).

    With ``create=True`` a missing or unreadable key is replaced by a new random one. If it
    cannot be stored, the new key still works for this process (pseudonyms then change at
    the next start) and a warning says why. Never raises.
    """
    path = ConsentStore(config_dir).config_dir / KEY_FILENAME
    try:
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
        if len(key) >= 16:
            return key
    except (OSError, ValueError):
        pass
    if not create:
        return None
    key = secrets.token_bytes(32)
    try:
        write_atomically(path, key.hex() + "\n")
    except OSError as error:
        _logger.warning("cannot store the pseudonym key in %s: %s", path, error)
    return key
