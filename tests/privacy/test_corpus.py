"""Recall and false-positive rate on the labelled corpus of real-looking telemetry.

Targets from the issue: at least 98% of sensitive strings fully scrubbed, at most 2% of
harmless strings touched. A sensitive string counts as caught only if *every* sensitive
part is gone; a harmless one counts as touched if any character changed.
"""

from __future__ import annotations

import pytest

from automagik_telemetry.privacy import Redactor, ScrubbingOptions
from tests.privacy.corpus import HARMLESS, SENSITIVE


def missed(redactor: Redactor) -> list[tuple[str, str]]:
    misses = []
    for text, secrets in SENSITIVE:
        out = redactor.redact_text(text)
        if out == text or any(secret in out for secret in secrets):
            misses.append((text, out))
    return misses


def touched(redactor: Redactor) -> list[tuple[str, str]]:
    return [(text, out) for text in HARMLESS if (out := redactor.redact_text(text)) != text]


def test_corpus_is_big_and_balanced() -> None:
    assert len(SENSITIVE) + len(HARMLESS) >= 150
    assert min(len(SENSITIVE), len(HARMLESS)) >= 60
    assert len(set(HARMLESS)) == len(HARMLESS)
    assert len({text for text, _ in SENSITIVE}) == len(SENSITIVE)
    for text, secrets in SENSITIVE:
        assert secrets, text
        assert all(secret in text for secret in secrets), text


@pytest.mark.parametrize("mode", ["mask", "hash"])
def test_recall_at_least_98_percent(mode: str) -> None:
    misses = missed(Redactor(ScrubbingOptions(mode=mode)))  # type: ignore[arg-type]
    recall = 1 - len(misses) / len(SENSITIVE)
    assert recall >= 0.98, misses


@pytest.mark.parametrize("mode", ["mask", "hash"])
def test_false_positive_rate_at_most_2_percent(mode: str) -> None:
    false_positives = touched(Redactor(ScrubbingOptions(mode=mode)))  # type: ignore[arg-type]
    assert len(false_positives) / len(HARMLESS) <= 0.02, false_positives
