"""The scanner remembers which detectors a *shape* of text needs (the text with every ASCII
digit made ``0``): a value of a known shape must be scrubbed exactly as a scanner that has
never seen that shape scrubs it."""

from __future__ import annotations

import random
import re

from hypothesis import given
from hypothesis import strategies as st

from automagik_telemetry.privacy import Redactor
from automagik_telemetry.privacy.scanner import TextScanner
from tests.privacy.corpus import HARMLESS, SENSITIVE
from tests.privacy.corpus_team import build
from tests.privacy.test_properties import PROPERTY, TELEMETRY_TEXT


def _with_other_digits(text: str, rnd: random.Random) -> str:
    return re.sub(r"[0-9]", lambda _: rnd.choice("0123456789"), text)


def _positions(scanner: TextScanner, text: str) -> list[int]:
    """Which of its detectors ``scanner`` chooses for ``text``, by position."""
    places = {id(detector): place for place, detector in enumerate(scanner.detectors)}
    return [places[id(detector)] for detector in scanner.selected(text)]


def _texts() -> list[str]:
    texts = [text for text, _ in SENSITIVE] + list(HARMLESS)
    for seed in (2024, 2):
        sensitive, harmless = build(seed)
        texts += [text for _, text, _ in sensitive] + harmless
    return texts


def test_a_value_of_a_known_shape_is_scrubbed_as_a_fresh_scanner_scrubs_it() -> None:
    """Every corpus string, then the same string with other digits: the second is scrubbed
    from the remembered choice, and must come out as a never-used redactor makes it."""
    rnd = random.Random(7)
    remembering, fresh = Redactor(cache_size=0), Redactor(cache_size=0)
    compared = 0
    for text in _texts():
        variant = _with_other_digits(text, rnd)
        remembering.redact_text(text)
        if variant == text:
            continue
        compared += 1
        fresh._scanner._by_shape.clear()  # has never seen a shape
        chosen = _positions(fresh._scanner, variant)
        assert _positions(remembering._scanner, variant) == chosen, variant
        fresh._scanner._by_shape.clear()
        assert remembering.redact_text(variant) == fresh.redact_text(variant)
    assert compared > 1000


@PROPERTY
@given(text=TELEMETRY_TEXT, seed=st.integers(0, 2**16))
def test_any_text_with_other_digits_gets_the_choice_of_a_fresh_scanner(
    text: str, seed: int
) -> None:
    scanner = Redactor()._scanner
    scanner.selected(text)
    variant = _with_other_digits(text, random.Random(seed))
    assert scanner.selected(variant) == TextScanner(scanner.detectors).selected(variant)


def test_a_round_the_clock_hotline_does_not_hide_a_czech_house_number() -> None:
    """``Open 24/7`` is no address; ``Open 25/7`` (same shape) has the form of a Czech
    house number and is one: the choice made for the first must not skip the second."""
    redactor = Redactor(cache_size=0)
    assert redactor.redact_text("Open 24/7") == "Open 24/7"
    assert redactor.redact_text("Open 25/7") == "<address>"


def test_literals_with_digits_are_looked_for_in_every_value() -> None:
    """Triggers and words that hold digits (Square's ``sq0``, ``%40`` of an encoded e-mail,
    ``address_line1``) differ between values of one shape: each value is searched."""
    redactor = Redactor(cache_size=0)
    token = "atp-Ab3dE5fG7hJ9kL1mN3pQ5rS"
    pairs = [
        (f"payment via sq1{token}", f"payment via sq0{token}"),
        ("mail john%41example.com now", "mail john%40example.com now"),
        ('{"address_line9": "Somewhere"}', '{"address_line1": "Somewhere"}'),
    ]
    for first, second in pairs:
        assert redactor.redact_text(first) == first
        assert redactor.redact_text(second) != second
    assert redactor.redact_text(pairs[0][1]) == "payment via <api_key>"
    assert redactor.redact_text(pairs[1][1]) == "mail <email> now"
    assert redactor.redact_text(pairs[2][1]) == '{"address_line1": "<address>"}'


def test_the_memory_of_shapes_is_bounded() -> None:
    scanner = Redactor()._scanner
    for index in range(3000):
        scanner.selected(f"{'x' * (index % 50)} job {index} of {'y' * (index // 50)}")
    assert 0 < len(scanner._by_shape) <= 1024


def test_a_long_value_is_scanned_without_being_remembered() -> None:
    redactor = Redactor(cache_size=0)
    text = "payload " * 400 + "from maria@example.com"
    assert redactor.redact_text(text).endswith("from <email>")
    assert not redactor._scanner._by_shape
