"""Detectors for personal data: e-mail, home-directory user names, bank, tax and card
numbers, IP addresses and phone numbers.

Numbers are where false positives live (ids, timestamps, versions, ports), so every numeric
detector insists on a boundary (no letter, digit or number punctuation around the match) and
on the format's own check: check digits for IBAN, CPF, CNPJ and cards, octet ranges and a
version-number context test for IPv4, the standard library's parser for IPv6.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection, Iterator

from .detector import Detector, Finding, Span, boundary_after, regex_finder
from .detectors_addresses import (
    address_detector,
    english_address_detector,
    slash_address_detector,
    suffix_address_detector,
)
from .detectors_names import name_detectors
from .detectors_numbers import number_detector
from .validators import IBAN_LENGTHS, is_iban

__all__ = ["GENERIC_USERS", "pii_detectors"]

_EMAIL_DOMAIN = re.compile(r"(?:@|%40)[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,24}(?![\w-])")
_LOCAL_PART = re.compile(r"[\w.%+-]{1,64}")  # matched on the reversed text before the "@"

_HOME = re.compile(r"/(?:home|Users)/(?P<s>[^/\\\s<>:\"'|?*]+)")
_HOME_WINDOWS = re.compile(
    r"[A-Za-z]:(?:\\\\|\\|/)(?i:users)(?:\\\\|\\|/)(?P<s>[^/\\\s<>:\"'|?*]+)"
)
_PATH_START = frozenset(" \t\r\n\"'`=:([{,;|>")
GENERIC_USERS: frozenset[str] = frozenset(
    {
        "shared", "public", "default", "default user", "all users", "guest", "runner",
        "ubuntu", "ec2-user", "node", "app", "user", "vscode", "codespace", "jovyan",
        "circleci", "docker", "root",
    }
)  # fmt: skip
"""Service and system accounts: not people, kept in paths."""

_IBAN = re.compile(
    r"[A-Z](?<![A-Za-z0-9][A-Z])[A-Z][0-9]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?"
)
_SHAPE_TABLE = bytes(65 if 65 <= b <= 90 else 48 if 48 <= b <= 57 else 32 for b in range(256))
"""For ``bytes.translate``: upper-case ASCII letters become ``A``, digits ``0``, the rest a
space."""
_IPV6 = re.compile(r"[0-9A-Fa-f:](?<![\w:.][0-9A-Fa-f:])[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*")


def _emails(text: str) -> Iterator[Finding]:
    """Found from the ``@`` (a literal: fast to find) outwards: the domain by regex, the
    local part by matching the reversed text before the ``@``."""
    last = 0
    for match in _EMAIL_DOMAIN.finditer(text):
        at = match.start()
        window = text[max(last, at - 64) : at]
        local = _LOCAL_PART.match(window[::-1])
        if local is None:
            continue
        start = at - local.end()
        if text[start:at].lower() == "git":
            continue  # git@github.com:org/repo is an SSH address, not a person
        last = match.end()
        yield start, last, "email"


def _home_user(match: re.Match[str], text: str) -> Span | None:
    """``/home/<u>``, ``/Users/<u>``: only where a path starts (not ``example.com/home/``),
    and not for service accounts."""
    start = match.start()
    if text[max(0, start - 4) : start] in ("/var", "/usr"):
        start -= 4
    if (
        start
        and text[start - 1] not in _PATH_START
        and text[max(0, start - 7) : start] != "file://"
    ):
        return None
    return None if match.group("s").lower() in GENERIC_USERS else match.span("s")


def _windows_user(match: re.Match[str], text: str) -> Span | None:
    if match.start() and text[match.start() - 1].isalnum():
        return None
    return None if match.group("s").lower() in GENERIC_USERS else match.span("s")


def _iban(match: re.Match[str], text: str) -> Span | None:
    start = match.start()
    expected = IBAN_LENGTHS.get(match.group()[:2])
    if expected is None:
        return None
    end, taken = start, 0
    while end < match.end() and taken < expected:
        taken += text[end] != " "
        end += 1
    compact = text[start:end].replace(" ", "")
    if len(compact) != expected or not boundary_after(text, end) or not is_iban(compact):
        return None
    return start, end


def _ipv6(match: re.Match[str], text: str) -> Span | None:
    start, end = match.span()
    candidate = match.group()
    if candidate.endswith(".") or (candidate.endswith(":") and not candidate.endswith("::")):
        candidate = candidate[:-1]
        end -= 1
    colons = candidate.count(":")
    if not ("::" in candidate or colons >= 6) or not boundary_after(text, end):
        return None  # "10:30:00", "00:1A:2B:3C:4D:5E": not an address; no costly parse
    try:
        address = ipaddress.IPv6Address(candidate)
    except ValueError:
        return None
    mapped = address.ipv4_mapped
    if address.is_loopback or address.is_unspecified or (mapped and mapped.is_loopback):
        return None
    return start, end


def pii_detectors(enabled: Collection[str]) -> list[Detector]:
    """The enabled personal-data detectors in the order they run (numbers included)."""
    detectors = [
        Detector("email", _emails, triggers=("@", "%40")),
        Detector("user", regex_finder(_HOME, "user", _home_user), triggers=("/home/", "/users/")),
        Detector(
            "user",
            regex_finder(_HOME_WINDOWS, "user", _windows_user),
            triggers=(":\\users", ":\\\\users", ":/users"),
        ),
        Detector("iban", regex_finder(_IBAN, "iban", _iban), min_digits=10, gate=_iban_hint),
        Detector("ip", regex_finder(_IPV6, "ip", _ipv6), gate=_ipv6_shaped),
    ]
    chosen = [detector for detector in detectors if detector.name in enabled]
    numbers = number_detector(enabled)
    if numbers is not None:
        chosen.append(numbers)
    # after numbers: in "call 12 34 56 78, Main St 5" the phone is found first
    people = [
        suffix_address_detector(),
        address_detector(),
        english_address_detector(),
        slash_address_detector(),
        *name_detectors(),
    ]
    return chosen + [detector for detector in people if detector.name in enabled]


def _iban_hint(text: str) -> bool:
    """Two upper-case letters and two digits in a row (a country code and check digits):
    two C-level byte operations and a substring test, half what a regex search costs."""
    return b"AA00" in text.encode("utf-8", "surrogatepass").translate(_SHAPE_TABLE)


def _ipv6_shaped(text: str) -> bool:
    """An IPv6 address has "::" or at least six colons (seven, or six before an IPv4)."""
    return "::" in text or text.count(":") >= 6
