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
    """Finds and replaces sensitive values in one string. Stateless and thread-safe."""

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
        self._always = 0
        for index, detector in enumerate(self.detectors):
            bit = 1 << index
            for trigger in detector.triggers:
                where, key = _trigger_key(trigger, detector.inner)
                if where == "head":
                    self._by_head[key] = self._by_head.get(key, 0) | bit
                else:
                    self._by_trigger[trigger] = self._by_trigger.get(trigger, 0) | bit
            for word in detector.words:
                self._by_word[word] = self._by_word.get(word, 0) | bit
            if not detector.triggers and not detector.words:
                self._always |= bit
        self._plan = {
            1 << index: (detector.min_digits, detector.gate, detector.probe, detector)
            for index, detector in enumerate(self.detectors)
        }
        self._words = frozenset(self._by_word)
        self._heads = frozenset(self._by_head)
        self._hints: re.Pattern[str] | None = None  # compiled on first use: _hint_pattern
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
        """
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
        digits = count_digits(text)
        chosen = []
        plan = self._plan
        while mask:  # only the detectors flagged: one whose words are absent costs nothing
            bit = mask & -mask  # lowest set bit: detectors come out in order
            mask ^= bit
            fewest, gate, probe, detector = plan[bit]
            if (
                digits >= fewest
                and (gate is None or gate(text))
                and (probe is None or probe.search(text) is not None)
            ):
                chosen.append(detector)
        return chosen

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
