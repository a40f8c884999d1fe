"""The Redactor on every kind of value, with every option."""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import pytest

from automagik_telemetry.errors import ConfigurationError
from automagik_telemetry.privacy import DETECTOR_NAMES, Redactor, ScrubbingOptions, ScrubMatch
from automagik_telemetry.privacy.detector import Detector, Finding
from automagik_telemetry.privacy.scanner import TextScanner

PLACEHOLDER_OR_PSEUDONYM = re.compile(r"<email:[g-v]{12}>")


def test_unchanged_values_are_the_same_object() -> None:
    redactor = Redactor()
    text = "GET /api/v1/tasks 200"
    nested = {"a": [1, 2.5, True, None, "ok"], "b": ("x", b"bytes")}
    assert redactor.redact(text) is text
    assert redactor.redact(nested) is nested
    assert redactor.redact_text(text) is text


def test_counts_say_what_was_found_never_the_value() -> None:
    redaction = Redactor().scan("maria@example.com and joao@example.com from 203.0.113.7")
    assert redaction.text == "<email> and <email> from <ip>"
    assert redaction.counts == {"email": 2, "ip": 1}


def test_nested_log_bodies() -> None:
    body = {
        "user": {"email": "maria@example.com", "tags": ["vip", "ip 203.0.113.7"]},
        "password": "hunter2",
        "items": ({"phone": "+55 11 98765-4321"},),
        "maria@example.com": 3,  # keys are data too
        "ok": True,
        7: "seven",
    }
    scrubbed, counts = Redactor().redact_with_counts(body)
    assert scrubbed == {
        "user": {"email": "<email>", "tags": ["vip", "ip <ip>"]},
        "password": "<secret>",
        "items": ({"phone": "<phone>"},),
        "<email>": 3,
        "ok": True,
        7: "seven",
    }
    assert counts == {"email": 2, "ip": 1, "secret": 1, "phone": 1}
    assert body["password"] == "hunter2"  # the input is never modified


def test_bytes_stay_bytes_and_keep_invalid_utf8() -> None:
    redactor = Redactor()
    raw = b"\xff\xfe user maria@example.com \x80"
    assert redactor.redact(raw) == b"\xff\xfe user <email> \x80"
    assert redactor.redact(bytearray(raw)) == bytearray(b"\xff\xfe user <email> \x80")
    clean = b"\xff binary \x00"
    assert redactor.redact(clean) is clean


def test_other_objects_become_scrubbed_text() -> None:
    class Account:
        def __str__(self) -> str:
            return "Account(maria@example.com)"

    class Broken:
        def __str__(self) -> str:
            raise RuntimeError("no")

    redactor = Redactor()
    assert redactor.redact(Account()) == "Account(<email>)"
    assert redactor.redact({"x": Broken()}) == {"x": "<unrepresentable>"}
    assert redactor.redact({1, 2}) in ("{1, 2}", "{2, 1}")


def test_deep_and_cyclic_structures_are_cut() -> None:
    cyclic: list[Any] = ["maria@example.com"]
    cyclic.append(cyclic)
    scrubbed, counts = Redactor().redact_with_counts(cyclic)
    assert scrubbed[0] == "<email>"
    assert counts["truncated"] == 1
    deep: Any = "x"
    for _ in range(100):
        deep = [deep]
    assert "truncated" in Redactor().redact_with_counts(deep)[1]


def test_str_subclasses_are_scanned() -> None:
    class Text(str):
        pass

    assert Redactor().redact(Text("to maria@example.com")) == "to <email>"


def test_mapping_that_fails_is_replaced_whole(caplog: pytest.LogCaptureFixture) -> None:
    class Exploding(OrderedDict[str, str]):
        def items(self) -> Any:
            raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, "automagik_telemetry"):
        scrubbed, counts = Redactor().redact_with_counts(Exploding(a="maria@example.com"))
    assert scrubbed == "<redacted>"
    assert counts == {"error": 1}


def test_attribute_mapping_that_fails_is_emptied() -> None:
    class Exploding(dict[str, str]):
        def items(self) -> Any:
            raise RuntimeError("boom")

    counts: dict[str, int] = {}
    assert Redactor().redact_attributes(Exploding(a="b"), counts) == {}
    assert counts == {"error": 1}
    counts = {}
    assert Redactor().redact_attributes(Exploding(a="b"), counts, genai_message=True) == {}
    assert counts == {"error": 1}


def test_secret_keys_replace_the_whole_value() -> None:
    redactor = Redactor()
    assert redactor.redact("anything at all", key="password") == "<secret>"
    assert redactor.redact(("Bearer a", "Bearer b"), key="authorization") == (
        "<secret>",
        "<secret>",
    )
    assert redactor.redact(["<secret>"], key="token") == ["<secret>"]
    assert redactor.redact(1234, key="pin_secret") == "<secret>"
    assert redactor.redact(b"\x00\x01", key="private_key") == "<secret>"
    assert redactor.redact({"nested": "x"}, key="credentials") == "<secret>"
    assert redactor.redact(True, key="password") is True  # says nothing
    assert redactor.redact(None, key="password") is None
    assert redactor.redact("<secret>", key="password") == "<secret>"
    assert redactor.redact((), key="password") == "<secret>"


def test_secret_value_without_a_string_form() -> None:
    class Opaque:
        def __str__(self) -> str:
            raise RuntimeError("no")

    assert Redactor().redact(Opaque(), key="token") == "<secret>"


def test_attributes_of_a_genai_message_drop_content_only() -> None:
    counts: dict[str, int] = {}
    attributes = {
        "content": "my card is 4111 1111 1111 1111",
        "role": "user",
        "gen_ai.system": "openai",
        "tool_calls": [{"function": {"name": "get_weather", "arguments": '{"city":"Rio"}'}}],
    }
    scrubbed = Redactor().redact_attributes(attributes, counts, genai_message=True)
    assert scrubbed == {
        "role": "user",
        "gen_ai.system": "openai",
        "tool_calls": [{"function": {"name": "get_weather"}}],
    }
    assert counts == {"genai_content": 2}
    unchanged = {"role": "user", "index": 0}
    assert Redactor().redact_attributes(unchanged, {}, genai_message=True) is None


def test_genai_content_can_be_captured_but_is_still_scrubbed() -> None:
    redactor = Redactor(ScrubbingOptions(capture_genai_content=True))
    assert redactor.redact("mail maria@example.com", key="gen_ai.prompt.0.content") == (
        "mail <email>"
    )
    counts: dict[str, int] = {}
    assert redactor.redact_attributes({"content": "hi"}, counts, genai_message=True) is None


def test_hash_mode_gives_stable_keyed_pseudonyms() -> None:
    one = Redactor(ScrubbingOptions(mode="hash"), hash_key=b"k" * 32)
    same_key = Redactor(ScrubbingOptions(mode="hash"), hash_key=b"k" * 32)
    other_key = Redactor(ScrubbingOptions(mode="hash"), hash_key=b"z" * 32)
    first = one.redact_text("maria@example.com")
    assert PLACEHOLDER_OR_PSEUDONYM.fullmatch(first)
    assert one.redact_text("MARIA@example.com") == first  # one person, any case
    assert same_key.redact_text("maria@example.com") == first
    assert other_key.redact_text("maria@example.com") != first
    assert one.redact_text("joao@example.com") != first
    assert one.redact("hunter2", key="password").startswith("<secret:")
    assert one.redact(one.redact("hunter2", key="password"), key="password") == one.redact(
        "hunter2", key="password"
    )


def test_hash_mode_without_a_key_uses_a_process_key() -> None:
    redactor = Redactor(ScrubbingOptions(mode="hash"))
    assert redactor.redact_text("a@b.co") == redactor.redact_text("a@b.co")
    assert "a@b.co" not in redactor.redact_text("a@b.co")


def test_extra_patterns() -> None:
    options = ScrubbingOptions(extra_patterns=[r"ACME-\d{6}", re.compile(r"(?i)project-x\b")])
    redactor = Redactor(options)
    assert redactor.scan("ticket ACME-123456 on Project-X").text == "ticket <custom> on <custom>"
    assert redactor.redact_text("a") == "a"  # short strings still checked (min length 1)


def test_extra_pattern_matching_empty_never_grows_text() -> None:
    redactor = Redactor(ScrubbingOptions(extra_patterns=[r"x*"]))
    assert redactor.redact_text("abc") == "abc"
    assert redactor.redact_text("axxb") == "a<custom>b"


def test_extra_pattern_never_eats_into_a_placeholder() -> None:
    redactor = Redactor(ScrubbingOptions(extra_patterns=[r"[a-z]+"]))
    once = redactor.redact_text("maria@example.com")
    assert once == "<email>"
    assert redactor.redact_text(once) == once


def test_callback_sees_each_finding_and_may_keep_it() -> None:
    seen: list[ScrubMatch] = []

    def keep_company_addresses(match: ScrubMatch) -> bool:
        seen.append(match)
        return match.kind == "email" and match.text.endswith("@namastex.ai")

    redactor = Redactor(ScrubbingOptions(callback=keep_company_addresses))
    text = "from bot@namastex.ai to maria@example.com"
    assert redactor.redact_text(text) == "from bot@namastex.ai to <email>"
    assert ScrubMatch("email", "maria@example.com") in seen
    assert redactor.redact_text(text) == "from bot@namastex.ai to <email>"
    assert len(seen) == 2  # cached: called once per distinct string


def test_callback_that_raises_means_redact(caplog: pytest.LogCaptureFixture) -> None:
    def broken(match: ScrubMatch) -> bool:
        raise ValueError("bug in user code")

    redactor = Redactor(ScrubbingOptions(callback=broken))
    with caplog.at_level(logging.ERROR, "automagik_telemetry"):
        assert redactor.redact_text("to maria@example.com") == "to <email>"
    assert "scrubbing callback failed" in caplog.text


def test_callback_must_answer_true_to_keep() -> None:
    redactor = Redactor(ScrubbingOptions(callback=lambda match: "yes"))  # type: ignore[arg-type,return-value]
    assert redactor.redact_text("maria@example.com") == "<email>"


def test_cache_is_bounded_and_still_correct() -> None:
    redactor = Redactor(cache_size=8)
    for i in range(50):
        assert redactor.redact_text(f"user{i}@example.com") == "<email>"
        assert redactor.redact_text(f"row {i}") == f"row {i}"
    assert len(redactor._texts) <= 8
    uncached = Redactor(cache_size=0)
    assert uncached.redact_text("a@b.co") == "<email>"
    assert not uncached._texts
    huge = "x" * 10_000 + " maria@example.com"
    assert Redactor().redact_text(huge).endswith(" <email>")


def test_cache_also_bounded_by_characters() -> None:
    redactor = Redactor()
    block = "y" * 8000
    for i in range(600):
        redactor.redact_text(f"{block}{i}")
    assert sum(map(len, redactor._texts)) <= 4_100_000


def test_key_caches_are_bounded() -> None:
    redactor = Redactor()
    for i in range(5000):
        redactor.classify_key(f"attr_{i}")
        redactor.redact_text(f"k{i}_token=v")
    assert len(redactor._keys) <= 4096
    assert len(redactor._secret_names) <= 4096


def test_a_detector_bug_redacts_the_value_instead_of_leaking_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def buggy(text: str) -> Iterator[Finding]:
        raise IndexError("detector bug")

    redactor = Redactor()
    redactor._scanner = TextScanner([Detector("buggy", buggy)])
    with caplog.at_level(logging.ERROR, "automagik_telemetry"):
        assert redactor.scan("anything") == ("<redacted>", {"error": 1})
    assert "could not scan a value" in caplog.text


@pytest.mark.parametrize(
    ("options", "setting"),
    [
        ({"mode": "encrypt"}, "scrubbing.mode"),
        ({"disabled": {"emails"}}, "scrubbing.disabled"),
        ({"disabled": "email"}, "scrubbing.disabled"),
        ({"allow_keys": [1]}, "allow_keys"),
        ({"extra_patterns": "abc"}, "scrubbing.extra_patterns"),
        ({"extra_patterns": ["("]}, "scrubbing.extra_patterns"),
        ({"extra_patterns": [""]}, "scrubbing.extra_patterns"),
        ({"extra_patterns": [re.compile(b"x")]}, "scrubbing.extra_patterns"),
        ({"callback": "not callable"}, "scrubbing.callback"),
        ({"capture_genai_content": "yes"}, "scrubbing.capture_genai_content"),
    ],
)
def test_bad_options_fail_at_start_up(options: dict[str, Any], setting: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        ScrubbingOptions(**options)
    assert error.value.setting == setting


def test_options_normalise_collections() -> None:
    options = ScrubbingOptions(disabled=["phone"], allow_keys=("a",), extra_secret_keys=["b"])
    assert options.disabled == frozenset({"phone"})
    assert "phone" not in options.enabled_detectors
    assert set(ScrubbingOptions().enabled_detectors) == set(DETECTOR_NAMES)


def test_repeated_keys_and_sequences_use_the_caches() -> None:
    redactor = Redactor()
    for _ in range(2):
        counts: dict[str, int] = {}
        scrubbed = redactor.redact_attributes(
            {"tags": ("vip", "ip 203.0.113.7"), "n": None}, counts
        )
        assert scrubbed == {"tags": ("vip", "ip <ip>"), "n": None}
        assert counts == {"ip": 1}
        assert redactor.classify_key("tags") is redactor.classify_key("tags")


def test_encoded_counts_cache_is_bounded() -> None:
    from automagik_telemetry.privacy import counts as counts_module

    for n in range(1, 1100):
        assert counts_module.encode_counts({"email": n}) == f'{{"email":{n}}}'
    assert len(counts_module._encoded) <= 1024
