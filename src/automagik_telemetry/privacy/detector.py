"""The shape of a detector: a cheap gate, then a finder that returns what to replace.

Speed comes from the gate. Most telemetry strings hold nothing sensitive, and a ``str`` in
``str`` check costs a few dozen nanoseconds while a regular expression scan costs
microseconds; so each detector declares what *must* be present for it to possibly match
(a literal like ``@`` or ``eyJ``, a minimum number of digits or characters) and the scanner
only runs the expensive part when the gate passes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "PLACEHOLDER",
    "REPLACEMENT_KINDS",
    "TOKEN_TABLE",
    "Detector",
    "Finder",
    "Finding",
    "Span",
    "boundary_after",
    "boundary_before",
    "count_digits",
    "lowered",
    "occurrences",
    "regex_finder",
    "tokens",
    "trie",
]

REPLACEMENT_KINDS: tuple[str, ...] = (
    *("private_key", "jwt", "credentials", "api_key", "secret", "email", "user", "iban"),
    *("cnpj", "cpf", "ssn", "card", "ip", "phone", "name", "address", "custom"),
    *("redacted", "truncated", "unrepresentable"),  # whole values that could not be scanned
)
PLACEHOLDER = re.compile(rf"<(?:{'|'.join(REPLACEMENT_KINDS)})(?::[g-v]{{12}})?>")
"""What a replacement looks like (``<email>``, ``<email:kqhgtmnvsoup>``); never re-redacted.
Only known kinds: an HTML tag like ``<b>`` is text, not a replacement."""
_DIGITS = b"0123456789"

Span = tuple[int, int]
"""``(start, end)`` of the text to replace."""
Finding = tuple[int, int, str]
"""``(start, end, kind)``: what to replace and which placeholder to use."""
Finder = Callable[[str], Iterator[Finding]]
Check = Callable[["re.Match[str]", str], "Span | None"]


@dataclass(frozen=True)
class Detector:
    """One detector: a gate that is cheap to test and a finder that does the work."""

    name: str
    find: Finder
    """Yields sorted, non-overlapping findings in ``text``."""
    triggers: tuple[str, ...] = ()
    """Lower-case literals; at least one must occur in the lower-cased text (none: no
    literal needed; with ``words``, one of either). A superset is fine: the finder decides.
    A trigger that starts with a word of 4+ bytes is looked up as the beginning of a word
    (``ghp_``, ``bearer``: a set look-up); the others are found anywhere by one regex."""
    inner: tuple[str, ...] = ()
    """Those of ``triggers`` that may start inside a word (``password`` in
    ``db_password``): always found anywhere, never as a word beginning."""
    min_digits: int = 0
    """Fewer ASCII digits in the text than this: cannot match."""
    gate: Callable[[str], bool] | None = None
    """A cheap check for conditions the fields above cannot express. It must answer alike
    for texts that differ only in which ASCII digits they hold (test digits as a class,
    never their values): the scanner remembers its choice per shape of text (digits made
    ``0``). ``tests/privacy/test_shapes.py`` checks this for every built-in detector."""
    probe: re.Pattern[str] | None = None
    """A regex that must ``search`` successfully before ``find`` runs: one C-level call
    that rules out most strings without any Python-level work. Blind to digits' values,
    like ``gate``."""
    words: frozenset[bytes] = frozenset()
    """Whole words (lower case, UTF-8; see :func:`tokens`), one of which must occur in the
    text (none: no word needed). Hundreds of words cost one set intersection, where as
    ``triggers`` they would lengthen the scanner's regex pass."""


def regex_finder(
    pattern: re.Pattern[str], kind: str, check: Check | None = None, group: int | str = 0
) -> Finder:
    """Findings of ``pattern``'s matches (of ``group``), kept when ``check`` accepts them.

    ``check`` returns the span to replace (it may narrow the match) or ``None`` to skip it.
    """

    def find(text: str) -> Iterator[Finding]:
        for match in pattern.finditer(text):
            span = match.span(group) if check is None else check(match, text)
            if span is not None:
                yield span[0], span[1], kind

    return find


TOKEN_TABLE = bytes(
    byte if chr(byte).isalnum() or byte == 95 or byte >= 128 else 32 for byte in range(256)
)
"""For ``bytes.translate``: every ASCII byte that is not a letter, digit or ``_`` becomes a
space (UTF-8 bytes of other characters stay), so ``split()`` gives the words."""
_last_tokens: tuple[str, frozenset[bytes]] = ("", frozenset())


def tokens(low: str) -> frozenset[bytes]:
    """The words of ``low`` (a lower-cased text) as UTF-8 bytes: runs of ASCII letters,
    digits and ``_``, and of any non-ASCII character (``straße``, ``улица``); every other
    ASCII character separates words.

    Three C-level calls (encode, translate, split) and a set: ~1 µs for a 130-byte value,
    however many words the detectors look for. The last result is remembered, because the
    scanner and then a detector's finder ask for the words of the same text; the cache is
    one tuple replaced whole, so threads never see half of it."""
    global _last_tokens
    last = _last_tokens
    if last[0] is low or last[0] == low:
        return last[1]
    words = frozenset(low.encode("utf-8", "surrogatepass").translate(TOKEN_TABLE).split())
    _last_tokens = (low, words)
    return words


_last_lowered: tuple[str, str] = ("", "")


def lowered(text: str) -> str:
    """``text`` in lower case, position for position: a few characters grow when
    lower-cased (``İ``); those are kept as they are, so a position found in the result is
    the same position in ``text``. The last result is remembered (the scanner and several
    finders ask for the same text in a row), and returned as the same object, which lets
    :func:`tokens` recognise it by identity."""
    global _last_lowered
    last = _last_lowered
    if last[0] is text:
        return last[1]
    low = text.lower()
    if len(low) != len(text):
        low = "".join(char.lower() if len(char.lower()) == 1 else char for char in text)
    _last_lowered = (text, low)
    return low


def occurrences(low: str, word: str) -> Iterator[int]:
    """Where ``word`` starts a word in ``low`` (nothing word-like right before it)."""
    start = low.find(word)
    while start >= 0:
        if start == 0 or not _is_word(low[start - 1]):
            yield start
        start = low.find(word, start + 1)


def count_digits(text: str) -> int:
    """ASCII digits in ``text``; ``bytes.translate`` makes this ~1 ns per character."""
    data = text.encode("utf-8", "surrogatepass")
    return len(data) - len(data.translate(None, _DIGITS))


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def boundary_before(text: str, start: int, extra: str = "") -> bool:
    """Nothing word-like (letter, digit, ``_``, a char of ``extra``, or a placeholder) right
    before ``start``.

    A placeholder counts as a word because the value it replaced did: otherwise redacting
    ``ab+5511987654321`` would turn ``+5511987654321`` into a finding on a second pass.
    """
    if start == 0:
        return True
    char = text[start - 1]
    if char == ">":
        opening = text.rfind("<", max(0, start - 40), start)
        if opening >= 0 and PLACEHOLDER.fullmatch(text, opening, start):
            return False
    return not (_is_word(char) or char in extra)


def boundary_after(text: str, end: int, extra: str = "") -> bool:
    """Nothing word-like right after ``end`` (a placeholder counts as a word); a char of
    ``extra`` followed by a digit (``.5`` continuing a number, ``-1`` continuing an id)
    counts as word-like too."""
    if end >= len(text):
        return True
    char = text[end]
    if _is_word(char) or (char == "<" and PLACEHOLDER.match(text, end)):
        return False
    return not (char in extra and end + 1 < len(text) and text[end + 1].isdigit())


def trie(words: Iterable[str]) -> str:
    """A regex matching exactly ``words``, shaped as a trie (``a(?:kia|sia|ws)``): at each
    position the regex engine tests one branch per distinct next character instead of one
    per word, which makes this ~2x faster than a flat alternation."""
    root: dict[str, dict[str, Any]] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict[str, dict[str, Any]]) -> str:
        branches = [re.escape(char) + build(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(root)
