"""Properties that must hold for *any* input: the redactor is total, idempotent, and never
changes (or grows) a string in which it found nothing."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from automagik_telemetry.privacy import Redactor, ScrubbingOptions
from tests.privacy.corpus import HARMLESS, SENSITIVE

MASK = Redactor()
HASH = Redactor(ScrubbingOptions(mode="hash"), hash_key=b"property-tests-key-0123456789abc")
CUSTOM = Redactor(ScrubbingOptions(extra_patterns=[r"[A-Z]{3}-\d+", r"x+"]))
REDACTORS = [MASK, HASH, CUSTOM]

# Any code point, lone surrogates included (what invalid UTF-8 decodes to).
ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=300)
# Fragments of real telemetry glued with noise: reaches the detectors far more often.
FRAGMENTS = [piece for text, _ in SENSITIVE for piece in text.split()] + [
    piece for text in HARMLESS for piece in text.split()
]
TELEMETRY_TEXT = st.lists(
    st.one_of(
        st.sampled_from(FRAGMENTS),
        st.sampled_from([" ", "=", ":", "/", "@", ".", "-", "\n", '"', "<", ">", "%40"]),
        st.text(max_size=8),
        st.from_regex(r"[0-9 .()+-]{4,20}", fullmatch=True),
    ),
    max_size=12,
).map("".join)
TEXT = st.one_of(ANY_TEXT, TELEMETRY_TEXT)

VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True),
        TEXT,
        st.binary(max_size=60),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.lists(children, max_size=5).map(tuple),
        st.dictionaries(st.one_of(TEXT, st.integers()), children, max_size=5),
    ),
    max_leaves=20,
)

PROPERTY = settings(
    max_examples=int(__import__("os").environ.get("PROPERTY_EXAMPLES", "400")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@PROPERTY
@given(text=TEXT, which=st.sampled_from(range(len(REDACTORS))))
def test_idempotent(text: str, which: int) -> None:
    redactor = REDACTORS[which]
    once = redactor.redact_text(text)
    twice = redactor.scan(once)
    assert twice.text == once
    assert not twice.counts


@PROPERTY
@given(text=TEXT, which=st.sampled_from(range(len(REDACTORS))))
def test_nothing_found_means_nothing_changed(text: str, which: int) -> None:
    redaction = REDACTORS[which].scan(text)
    if not redaction.counts:
        assert redaction.text is text
    assert len(redaction.text) <= len(text) or redaction.counts


@PROPERTY
@given(value=VALUES, key=st.one_of(st.none(), st.sampled_from(["password", "gen_ai.prompt", "x"])))
def test_total_on_any_value(value: Any, key: str | None) -> None:
    for redactor in REDACTORS:
        redactor.redact_with_counts(value, key)


@PROPERTY
@given(text=ANY_TEXT)
def test_total_on_invalid_utf8(text: str) -> None:
    raw = text.encode("utf-8", "surrogatepass") + b"\xff\xc3 maria@example.com"
    assert b"maria@example.com" not in MASK.redact(raw)


@settings(max_examples=25, deadline=None)
@given(
    size=st.integers(10_000, 200_000),
    unit=st.sampled_from(["a", "1", "1.", "@", "a@", ":", "+1 ", "=", "\\"]),
)
def test_total_on_big_pathological_strings(size: int, unit: str) -> None:
    text = unit * (size // len(unit))
    assert MASK.redact_text(text) == MASK.redact_text(MASK.redact_text(text))


def test_a_placeholder_that_completes_a_pattern_is_scrubbed_in_the_same_pass() -> None:
    """Found by the idempotence property: the custom ``x+`` placeholder turns ``0%400.AAx0``
    (no e-mail: the domain ends in a digit) into an e-mail followed by a placeholder."""
    once = CUSTOM.scan("0%400.AAx0")
    assert once.text == "<email><custom>0"
    assert once.counts == {"custom": 1, "email": 1}
    assert CUSTOM.redact_text(once.text) == once.text
