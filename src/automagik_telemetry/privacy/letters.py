# ruff: noqa: RUF001 - letters of many alphabets, on purpose
"""Letters and helpers shared by the name and address detectors.

Names and streets are written in capitalised words of many alphabets; these classes say
which characters start and continue such a word (Latin with accents, Cyrillic), so both
detectors agree on what a word is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache

from .detector import Finding

__all__ = ["LOWER", "UPPER", "lazy", "merge", "quoted_keys"]

UPPER = "A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁ"
"""Upper-case Latin (with accents) and Cyrillic, as the inside of a character class."""
LOWER = "a-zß-öø-ÿĀ-ſа-яё"
"""Lower-case Latin (with accents) and Cyrillic, as the inside of a character class."""


def lazy(source: str) -> Callable[[], re.Pattern[str]]:
    """A pattern compiled on first use: the big alternations of the people detectors take
    ~15 ms to compile, which importing the engine (or building a ``Redactor``) should not
    pay."""

    @lru_cache(maxsize=1)
    def compiled() -> re.Pattern[str]:
        return re.compile(source)

    return compiled


def merge(found: list[Finding], kind: str) -> Iterator[Finding]:
    """Sorted, overlapping findings joined."""
    last_start, last_end = -1, -1
    for start, end, _ in sorted(found):
        if start < last_end:
            last_end = max(last_end, end)
            continue
        if last_end >= 0:
            yield last_start, last_end, kind
        last_start, last_end = start, end
    if last_end >= 0:
        yield last_start, last_end, kind


def quoted_keys(
    pattern: re.Pattern[str], text: str, low: str, keys: Iterable[bytes]
) -> Iterator[re.Match[str]]:
    """Matches of ``pattern`` (which starts with the quote before a JSON key) at each
    quoted occurrence of one of ``keys`` (words of ``low``, ``text`` lower-cased): the
    pattern runs once per key present instead of at every quote of the value."""
    for key in keys:
        word = key.decode()
        start = low.find(word)
        while start > 0:
            if low[start - 1] in "\"'":
                match = pattern.match(text, start - 1)
                if match is not None:
                    yield match
            start = low.find(word, start + 1)
