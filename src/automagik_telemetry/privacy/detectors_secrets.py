"""Detectors for secrets: private keys, JWTs, credentials, vendor API keys, ``key=value``.

Secrets have the most recognisable shapes (fixed prefixes such as ``ghp_`` or ``AKIA``), so
these detectors are precise; they run first so that the personal-data detectors never see
(and half-replace) a token.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterator

from .detector import (
    PLACEHOLDER,
    Detector,
    Finding,
    Span,
    boundary_after,
    boundary_before,
    regex_finder,
)
from .detectors_vendor import vendor_detectors
from .keys import HEADER_KEYS, normalize_name

__all__ = ["secret_detectors"]

_KEY_EDGE = "-_"  # a key continues through these characters

_PRIVATE_KEY = re.compile(
    r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----.*?(?:-----END[A-Z0-9 ]*PRIVATE KEY-----|\Z)", re.S
)
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_URL_USERINFO = re.compile(
    r"://(?:(?P<s>[^\s:/?#@<>\"']*:[^\s/?#@<>\"']+)|(?P<t>[A-Za-z0-9_.~-]{16,}))@"
)
"""``user:password@`` (the user may be empty: ``redis://:pw@host``), or a lone token
(``https://ghp_…@github.com``): a long userinfo without a colon is a credential, not a
user name."""
_AUTH_SCHEME = re.compile(r"(?i:\b(?P<scheme>bearer|basic))[ \t]+(?P<s>[A-Za-z0-9._~+/=-]{8,})")

_AWS_KEY_ID = re.compile(r"(?:AKIA|ASIA)[A-Z0-9]{16}")
_AWS_SECRET = re.compile(r"[A-Za-z0-9/+](?<![A-Za-z0-9/+=][A-Za-z0-9/+])[A-Za-z0-9/+]{39}")
_LOWER_WORD = re.compile(r"[a-z]{8}")

_KV_WORDS = (
    "pass", "pwd", "secret", "token", "key", "auth", "cookie", "session", "credential",
    "sig", "card", "ssn", "cvv", "cvc",
)  # fmt: skip
# A secret-ish word, the rest of the key, optional closing quote, then the separator. Run
# on the lower-cased text: a case-sensitive alternation of literals is ~10x faster than
# re.IGNORECASE. The start of the key (``db_`` in ``db_password``) is found afterwards.
_KEY_TAIL = re.compile(
    r"(?:" + "|".join(_KV_WORDS) + r")[\w.-]{0,48}(?P<end>)\\?[\"']?[ \t]*(?P<sep>[:=])[ \t]*"
)
_KEY_TAIL_ANY_CASE = re.compile(_KEY_TAIL.pattern, re.IGNORECASE)
_QUOTED = re.compile(r"\\?(?P<q>[\"'])(?P<s>[^\"'\\\r\n]+)\\?(?P=q)")
_BARE = re.compile(r"[^\s\"'&,;<>(){}\[\]\\]+")
_TO_EOL = re.compile(r"[^\r\n]*[^\s]")
_NOT_VALUES = frozenset({"true", "false", "null", "none", "nil", "undefined", "yes", "no"})


def _bounded(match: re.Match[str], text: str) -> Span | None:
    start, end = match.span()
    if boundary_before(text, start, _KEY_EDGE) and boundary_after(text, end, _KEY_EDGE):
        return start, end
    return None


def _userinfo(match: re.Match[str], text: str) -> Span | None:
    if match.group("s") is not None:
        return match.span("s")
    token = match.group("t")
    if not any(char.isdigit() for char in token) or "." in token.strip("."):
        return None  # "https://maintainers-of-project@host": a user name; dots: a host
    return match.span("t")


def _aws_secret(match: re.Match[str], text: str) -> Span | None:
    """40 chars of base64 with upper case, a digit and no long lower-case word: the shape
    of an AWS secret key (only looked for near "aws"), not of a path or an identifier."""
    value = match.group()
    end = match.end()
    if end < len(text) and (text[end].isalnum() or text[end] in "/+="):
        return None
    if not any(c.isdigit() for c in value) or sum(c.isupper() for c in value) < 2:
        return None
    if _LOWER_WORD.search(value) or value.count("/") + value.count("+") > 4:
        return None
    return match.span()


def _auth_credentials(match: re.Match[str], text: str) -> Span | None:
    token = match.group("s")
    if match.group("scheme").lower() == "basic":
        try:
            decoded = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
        except (binascii.Error, ValueError):
            return None
        return match.span("s") if b":" in decoded else None
    if any(char.isdigit() or char in "._~+/=-" for char in token):
        return match.span("s")
    return None


def _key_value_finder(is_secret: Callable[[str], bool]) -> Callable[[str], Iterator[Finding]]:
    """``key=value``, ``key: value``, ``"key": "value"`` where the key names a secret."""

    def find(text: str) -> Iterator[Finding]:
        lowered = text.lower()
        if len(lowered) == len(text):
            matches = _KEY_TAIL.finditer(lowered)
        else:  # rare characters change length when lower-cased: positions would shift
            matches = _KEY_TAIL_ANY_CASE.finditer(text)
        last = 0
        for match in matches:
            key_end = match.start("end")
            start = match.start()
            if start < last:
                continue  # inside the value of the previous secret
            while start > last and (text[start - 1].isalnum() or text[start - 1] in "_.-"):
                start -= 1
            if match.group("sep") == ":" and text.startswith("//", match.end()):
                continue  # a URL scheme, not a key
            key = text[start:key_end]
            if not (key[:1].isalpha() or key[:1] == "_") or not boundary_before(text, start):
                continue  # "1password", or a key glued to an earlier replacement
            if not is_secret(key):
                continue
            span = _value_span(text, match.end(), key, match.group("sep"))
            if span is not None:
                last = span[1]
                yield span[0], span[1], "secret"

    return find


def _value_span(text: str, pos: int, key: str, sep: str) -> Span | None:
    quoted = _QUOTED.match(text, pos)
    if quoted is not None:
        value, span = quoted.group("s"), quoted.span("s")
    else:
        header = normalize_name(key) in HEADER_KEYS
        bare = (_TO_EOL if header else _BARE).match(text, pos)
        if bare is None:
            return None
        value, span = bare.group(), bare.span()
        if sep == ":" and not header and value.isalpha():
            return None  # "password: required" is prose; "password: hunter2" is a secret
    if value.lower() in _NOT_VALUES or PLACEHOLDER.fullmatch(value):
        return None
    return span


def secret_detectors(is_secret_key: Callable[[str], bool]) -> list[Detector]:
    """The secret detectors in the order they run; ``is_secret_key`` is the key rule."""
    return [
        Detector("private_key", regex_finder(_PRIVATE_KEY, "private_key"), ("private key",)),
        Detector("jwt", regex_finder(_JWT, "jwt", _bounded), ("eyj",)),
        Detector(
            "credentials",
            regex_finder(_URL_USERINFO, "credentials", _userinfo),
            ("://",),
            probe=_URL_USERINFO,  # most URLs have no user info: settled once per shape
        ),
        Detector(
            "credentials",
            regex_finder(_AUTH_SCHEME, "credentials", _auth_credentials),
            ("bearer", "basic"),
        ),
        Detector("api_key", regex_finder(_AWS_KEY_ID, "api_key", _bounded), ("akia", "asia")),
        Detector(
            "api_key",
            regex_finder(_AWS_SECRET, "api_key", _aws_secret),
            ("aws",),
            inner=("aws",),
            gate=_long_enough,
        ),
        *vendor_detectors(),
        Detector("secret", _key_value_finder(is_secret_key), _KV_WORDS, inner=_KV_WORDS),
    ]


def _long_enough(text: str) -> bool:
    return len(text) >= 40
