"""A huge attribute value must not stall the caller: only the first ``MAX_SCANNED_CHARS``
are scanned and kept, the rest is cut, and nothing past the cut leaks."""

from __future__ import annotations

from automagik_telemetry.privacy import Redactor
from automagik_telemetry.privacy.redactor import MAX_SCANNED_CHARS

SECRET_TAIL = " contact maria@example.com key 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"


def big_value() -> str:
    head = "user ana.costa@gmail.com logged in; "
    return head + "lorem ipsum dolor sit amet " * 400_000 + SECRET_TAIL  # ~10.8 MB


def test_a_10_mb_value_is_cut_and_nothing_past_the_cut_leaks() -> None:
    redactor = Redactor()
    out, counts = redactor.redact_with_counts(big_value())
    assert len(out) <= MAX_SCANNED_CHARS
    assert out.endswith("<truncated>")
    assert out.startswith("user <email> logged in; lorem ipsum")
    assert "maria@example.com" not in out
    assert "ghp_" not in out
    assert counts == {"email": 1, "truncated": 1}


def test_a_huge_attribute_and_huge_bytes_are_cut_too() -> None:
    redactor = Redactor()
    value = big_value()
    attributes = redactor.redact({"app.body": value, "n": 1})
    assert len(attributes["app.body"]) <= MAX_SCANNED_CHARS
    data = redactor.redact(value.encode())
    assert isinstance(data, bytes)
    assert len(data) <= MAX_SCANNED_CHARS
    assert b"maria@example.com" not in data


def test_a_token_straddling_the_limit_goes_whole() -> None:
    token = "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"
    filler = "x" * (MAX_SCANNED_CHARS - 20) + " "
    out = Redactor().redact_text(filler + token + " tail")
    assert "ghp_" not in out
    assert "FbY8" not in out
    assert out == filler + "<truncated>"


def test_placeholders_that_lengthen_the_head_are_not_split() -> None:
    unit = "a@b.co "
    text = unit * (MAX_SCANNED_CHARS // len(unit) + 10)
    redactor = Redactor()
    out = redactor.redact_text(text)
    assert len(out) <= MAX_SCANNED_CHARS
    assert out.endswith("<email> <truncated>")
    assert redactor.redact_text(out) == out


def test_a_long_value_without_spaces_is_cut_at_the_limit() -> None:
    out = Redactor().redact_text("z" * (MAX_SCANNED_CHARS * 3))
    assert out == "z" * (MAX_SCANNED_CHARS - len("<truncated>")) + "<truncated>"


def test_a_trim_never_keeps_half_a_placeholder() -> None:
    unit = "a@b.co,"  # no whitespace: the trim lands anywhere, also inside "<email>"
    text = unit * (MAX_SCANNED_CHARS // len(unit) + 10)
    out = Redactor().redact_text(text)
    assert len(out) <= MAX_SCANNED_CHARS
    assert out.endswith(",<truncated>")
    assert "a@b" not in out
