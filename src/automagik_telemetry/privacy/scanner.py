"""``TextScanner``: one pass over a string with every enabled detector.

Detectors run in a fixed order (secrets before personal data, the most specific first), each
seeing the text as the previous one left it. A finding is replaced by a placeholder
(``<email>``) or a keyed pseudonym (``<email:kqhgtmnvsoup>``); nothing else in the string
changes, and a string with no finding is returned as the very same object, so callers can
tell "unchanged" with ``is``.

Choosing which detectors run costs about the same however many detectors and trigger words
there are: the lower-cased text is split into words once (C-level encode, translate, split),
and set intersections with the detectors' words and word beginnings (``ghp_``, ``bear``) say
which detectors can possibly match; the few triggers that are not words (``@``, ``://``,
``password`` inside ``db_password``) form one trie-shaped regex, and one digit count settles
the number detectors. Typically one or two detectors run, not twenty.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Callable, Iterator, Sequence

from ..config.scrubbing import ScrubMatch
from ..diagnostics import internal_log
from .detector import (
    PLACEHOLDER,
    TOKEN_TABLE,
    Detector,
    Finding,
    count_digits,
    lowered,
    tokens,
    trie,
)
from .pseudonym import Pseudonymizer

__all__ = ["Counts", "TextScanner"]

Counts = dict[str, int]


class TextScanner:
    """Finds and replaces sensitive values in one string. Thread-safe: its only state is a
    bounded memory of which detectors each shape of text needs (see :meth:`selected`)."""

    def __init__(
        self,
        detectors: Sequence[Detector],
        *,
        extra_patterns: Sequence[re.Pattern[str]] = (),
        callback: Callable[[ScrubMatch], bool] | None = None,
        pseudonymizer: Pseudonymizer | None = None,
    ) -> None:
        self.detectors = tuple(detectors) + tuple(
            Detector("custom", _custom(pattern)) for pattern in extra_patterns
        )
        self._callback = callback
        self._pseudonymizer = pseudonymizer
        self._by_trigger: dict[str, int] = {}  # found by a regex anywhere in the text
        self._by_word: dict[bytes, int] = {}  # a word of the text
        self._by_head: dict[bytes, int] = {}  # the first 4 bytes of a word of the text
        self._by_digits: dict[str, int] = {}  # literals with digits: looked for in every text
        self._always = 0
        for index, detector in enumerate(self.detectors):
            bit = 1 << index
            for trigger in detector.triggers:
                if count_digits(trigger):
                    self._by_digits[trigger] = self._by_digits.get(trigger, 0) | bit
                    continue
                where, key = _trigger_key(trigger, detector.inner)
                if where == "head":
                    self._by_head[key] = self._by_head.get(key, 0) | bit
                else:
                    self._by_trigger[trigger] = self._by_trigger.get(trigger, 0) | bit
            for word in detector.words:
                if count_digits(literal := word.decode("utf-8", "surrogatepass")):
                    self._by_digits[literal] = self._by_digits.get(literal, 0) | bit
                else:
                    self._by_word[word] = self._by_word.get(word, 0) | bit
            if not detector.triggers and not detector.words:
                self._always |= bit
        self._plan = {
            1 << index: (detector.min_digits, detector.gate, detector.probe)
            for index, detector in enumerate(self.detectors)
        }
        self._words = frozenset(self._by_word)
        self._heads = frozenset(self._by_head)
        self._hints: re.Pattern[str] | None = None  # compiled on first use: _hint_pattern
        self._digit_hints: re.Pattern[str] | None = None
        self._by_shape: dict[bytes, tuple[int, int, bool]] = {}  # see selected()
        self._digit_shapes: re.Pattern[bytes] | None = None  # see _may_hold_digit_literals
        # Shorter than the shortest possible built-in finding (an IPv6 address like "1::"):
        # nothing to do at all. User patterns may match anything.
        self._min_length = 1 if extra_patterns else 3

    def placeholder(self, kind: str, value: str) -> str:
        """``<kind>``, or ``<kind:pseudonym>`` in hash mode."""
        if self._pseudonymizer is None:
            return f"<{kind}>"
        return f"<{kind}:{self._pseudonymizer(kind, value)}>"

    def selected(self, text: str) -> list[Detector]:
        """The detectors whose gates pass on ``text``, in order.

        Gates are judged once, on the original text. A replacement never creates anything a
        later detector should find (placeholders hold no digits and no sensitive data), so
        at worst a detector selected on the original runs and finds nothing.

        The choice is remembered by the text's *shape* (the text with every ASCII digit
        made ``0``): telemetry's unique values are mostly a few templates with different
        numbers in them (``/orders/5512/items``, ``job 8812 took 31 ms``), and what the
        choice depends on is the same for every value of one shape. That holds because
        every trigger and word the shapes stand for is free of digits (those with digits,
        like ``sq0`` or ``address_line1``, are looked for in each text), and every gate and
        probe gives the same answer for texts that differ only in their digits (a digit
        count, ``[0-9]`` classes; pinned by a test for every built-in detector). So a
        value of a known shape costs a byte translation and a dict look-up instead of
        the word split, the trigger regex and the gates; the detectors still run on the
        value itself.
        """
        shape = None
        if len(text) <= _MAX_SHAPED:
            shape = text.encode("utf-8", "surrogatepass").translate(_DIGITS_AS_ZERO)
            known = self._by_shape.get(shape)
        else:
            known = None
        if known is None:
            flagged = self._flagged(text)
            known = (flagged, self._gated(text, flagged), self._may_hold_digit_literals(shape))
            if shape is not None:
                if len(self._by_shape) >= _MAX_SHAPES:
                    self._by_shape.clear()
                self._by_shape[shape] = known
        flagged, chosen, literals = known
        if literals:
            more = 0
            for literal in (self._digit_hints or self._digit_pattern()).findall(lowered(text)):
                more |= self._by_digits[literal]
            more &= ~flagged  # a gate already judged for this shape says the same again
            if more:
                chosen |= self._gated(text, more)
        detectors = self.detectors
        found = []
        while chosen:  # lowest set bit first: detectors come out in order
            bit = chosen & -chosen
            chosen ^= bit
            found.append(detectors[bit.bit_length() - 1])
        return found

    def _may_hold_digit_literals(self, shape: bytes | None) -> bool:
        """Whether a text of this shape may hold one of the literals with digits: their
        shapes are looked for in the lower-cased shape (exact for ASCII text; any other
        text, or one too long to have a shape, is searched every time)."""
        if not self._by_digits:
            return False
        if shape is None or not shape.isascii():
            return True
        if self._digit_shapes is None:  # one regex: a substring test per literal costs 4x
            shapes = {_shape(literal) for literal in self._by_digits}
            self._digit_shapes = re.compile(trie(shapes).encode("utf-8", "surrogatepass"))
        return self._digit_shapes.search(shape.lower()) is not None

    def _flagged(self, text: str) -> int:
        """The detectors one of whose digit-free triggers or words occurs in ``text`` (and
        those that need none)."""
        mask = self._always
        if self._by_trigger or self._words or self._heads:
            low = lowered(text)
            if self._by_trigger:
                for hint in (self._hints or self._hint_pattern()).findall(low):
                    mask |= self._by_trigger[hint]
            words = tokens(low)
            for word in self._words.intersection(words):
                mask |= self._by_word[word]
            if self._heads:
                for head in self._heads.intersection(map(_HEAD, words)):
                    mask |= self._by_head[head]
        return mask

    def _gated(self, text: str, mask: int) -> int:
        """Those of ``mask`` whose digit count, gate and probe pass on ``text``."""
        digits = count_digits(text)
        chosen = 0
        plan = self._plan
        while mask:  # only the detectors flagged: one whose words are absent costs nothing
            bit = mask & -mask
            mask ^= bit
            fewest, gate, probe = plan[bit]
            if (
                digits >= fewest
                and (gate is None or gate(text))
                and (probe is None or probe.search(text) is not None)
            ):
                chosen |= bit
        return chosen

    def _digit_pattern(self) -> re.Pattern[str]:
        """The literals with digits (``sq0``, ``%40``, ``address_line1``) as one regex,
        compiled on first use."""
        self._digit_hints = re.compile(trie(self._by_digits))
        return self._digit_hints

    def _hint_pattern(self) -> re.Pattern[str]:
        """The triggers that are not whole words (``password`` in ``db_password``, ``@``,
        ``://``) as one trie-shaped regex, compiled on the first scan rather than when the
        scanner is built, so building a ``Redactor`` stays cheap. Two threads may both
        compile it once: harmless."""
        self._hints = re.compile(trie(self._by_trigger))
        return self._hints

    def scan(
        self,
        text: str,
        kept: set[tuple[str, str]] | None = None,
        detectors: Sequence[Detector] | None = None,
    ) -> tuple[str, Counts | None, Sequence[Detector]]:
        """``text`` with every finding replaced, how many of each kind were found, and the
        detectors a second scan of the result must run again.

        ``kept`` remembers what the callback chose to keep, so a second scan of the result
        does not ask again. ``detectors``: run these (a second scan) instead of those whose
        gates pass on ``text``. A placeholder can complete a pattern with the text around
        it (a custom ``<custom>`` ending what is now an e-mail's domain), so the detectors
        up to the last one that replaced something must look again; those after it saw
        the final text already. A detector whose gate failed on the original cannot match
        the result: placeholders hold no digits, and no cue, key or trigger they contain
        is followed by what the pattern needs (a placeholder ends in ``>``). Of those to
        run again, the ones whose digit count, gate or probe fails on the scrubbed text
        are left out (those are necessary conditions of a finding in any text; ``<address>``
        in place of ``Hauptstraße 5`` leaves no street suffix before a number)."""
        if len(text) < self._min_length:
            return text, None, ()
        if detectors is None:
            chosen: Sequence[Detector] = self.selected(text)
        else:
            digits = count_digits(text)
            chosen = [
                detector
                for detector in detectors
                if digits >= detector.min_digits
                and (detector.gate is None or detector.gate(text))
                and (detector.probe is None or detector.probe.search(text) is not None)
            ]
        counts: Counts | None = None
        last = 0
        for index, detector in enumerate(chosen, 1):
            text, found = self._replace(text, detector.find(text), counts, kept)
            if found is not None:
                counts = found
                last = index
        return text, counts, chosen[:last]

    def _replace(
        self,
        text: str,
        findings: Iterator[Finding],
        counts: Counts | None,
        kept: set[tuple[str, str]] | None,
    ) -> tuple[str, Counts | None]:
        """``text`` with ``findings`` replaced; ``counts`` updated (created if needed), or
        ``None`` when nothing was replaced."""
        first = next(findings, None)
        if first is None:
            return text, None  # the usual case: nothing found, nothing to set up
        protected = [m.span() for m in PLACEHOLDER.finditer(text)] if "<" in text else []
        pieces: list[str] = []
        last = 0
        for start, end, kind in itertools.chain((first,), findings):
            if protected and any(s < end and start < e for s, e in protected):
                continue  # never redact (part of) an earlier replacement
            value = text[start:end]
            if self._callback is not None and self._keep(kind, value, kept):
                continue
            pieces.append(text[last:start])
            pieces.append(self.placeholder(kind, value))
            last = end
            counts = counts if counts is not None else {}
            counts[kind] = counts.get(kind, 0) + 1
        if not pieces:
            return text, None
        pieces.append(text[last:])
        return "".join(pieces), counts

    def _keep(self, kind: str, value: str, kept: set[tuple[str, str]] | None) -> bool:
        assert self._callback is not None
        if kept is not None and (kind, value) in kept:
            return True
        try:
            keep = self._callback(ScrubMatch(kind, value)) is True
        except Exception:
            internal_log.error(
                "privacy.callback", "scrubbing callback failed; redacting the value", exc_info=True
            )
            return False
        if keep and kept is not None:
            kept.add((kind, value))
        return keep


_MAX_SHAPED = 2048
"""Longer texts are not remembered by shape (memory: at most ``_MAX_SHAPES`` keys this long)."""
_MAX_SHAPES = 1024
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")


def _shape(literal: str) -> str:
    """``literal`` with its digits made ``0``, as in a text's shape."""
    return literal.encode("utf-8", "surrogatepass").translate(_DIGITS_AS_ZERO).decode()


_HEAD = operator.itemgetter(slice(0, 4))
"""The first 4 bytes of a word (``map`` with an ``itemgetter`` runs in C)."""


def _trigger_key(trigger: str, inner: tuple[str, ...]) -> tuple[str, bytes]:
    """Where the scanner looks for ``trigger``: as the first 4 bytes of a word (``ghp_`` of
    ``ghp_x…``, ``bear`` of ``bearer``), or else anywhere in the text (inside a word:
    ``password``; punctuation: ``@``; short: ``xox``, ``sg.``, ``key-``).
    Looking words up in sets costs the same however many triggers there are."""
    words = trigger.encode("utf-8", "surrogatepass").translate(TOKEN_TABLE).split()
    first = words[0] if words and trigger[:1].isalnum() and trigger not in inner else b""
    if len(first) >= 4:
        return "head", first[:4]
    return "any", b""


def _custom(pattern: re.Pattern[str]) -> Callable[[str], Iterator[Finding]]:
    """A user pattern's matches as ``custom`` findings, minus empty ones (replacing "" would
    grow every string)."""

    def find(text: str) -> Iterator[Finding]:
        for match in pattern.finditer(text):
            if match.end() > match.start():
                yield match.start(), match.end(), "custom"

    return find
