"""Value encodings: the collector's AsString, byte for byte."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from automagik_telemetry.exporters.clickhouse.native import NativeBlock, encode_strings, varint
from automagik_telemetry.exporters.clickhouse.values import (
    as_string,
    float_string,
    plain,
    span_id_hex,
    trace_id_hex,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("text", "text"),
        (42, "42"),
        (-7, "-7"),
        (True, "true"),
        (False, "false"),
        (3.14, "3.14"),
        (3.0, "3"),
        (-0.0, "-0"),
        (0.0, "0"),
        (1e21, "1e+21"),
        (1.5e-7, "1.5e-7"),
        (1e-10, "1e-10"),
        (1e-5, "0.00001"),
        (1e16, "10000000000000000"),
        (123456789012345680000.0, "123456789012345680000"),
        (math.nan, "json: unsupported value: NaN"),
        (math.inf, "json: unsupported value: +Inf"),
        (-math.inf, "json: unsupported value: -Inf"),
        (None, ""),
        (b"\x00\xff", "AP8="),
        (("a", "b"), '["a","b"]'),
        (["<a&b>"], '["\\u003ca\\u0026b\\u003e"]'),
        ([1, 2], "[1,2]"),
        ([True, False], "[true,false]"),
        ([1.5, 2.0], "[1.5,2]"),
        ([], "[]"),
        ({"b": 1, "a": [None, 2.5, "x"]}, '{"a":[null,2.5,"x"],"b":1}'),
        ({"k": b"\x01"}, '{"k":"AQ=="}'),
        ({"k": {"nested": True}}, '{"k":{"nested":true}}'),
        ([math.nan], ""),
        ({"x": [1.0, math.inf]}, ""),
        (["\u2028", "é"], '["\\u2028","é"]'),
    ],
)
def test_values_render_as_the_collector_does(value: object, expected: str) -> None:
    assert as_string(value) == expected


def test_other_objects_render_as_json_strings() -> None:
    class Thing:
        def __str__(self) -> str:
            return "thing<1>"

    assert as_string([Thing()]) == '["thing\\u003c1\\u003e"]'
    assert as_string(Thing()) == '"thing\\u003c1\\u003e"'


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_strings_round_trip(number: float) -> None:
    text = float_string(number)
    assert float(text) == number
    assert "e-0" not in text
    assert not text.endswith(".0")


def test_ids_and_attribute_unwrapping() -> None:
    assert trace_id_hex(0) == span_id_hex(0) == ""
    assert trace_id_hex(0xABC) == "0" * 29 + "abc"
    assert span_id_hex(0xABC) == "0" * 13 + "abc"
    assert dict(plain(None)) == {}
    assert plain({"a": 1}) == {"a": 1}


def test_native_strings_and_blocks() -> None:
    assert varint(0) == b"\x00"
    assert varint(300) == b"\xac\x02"
    long_value = "x" * 5000
    assert encode_strings(["ab", long_value]) == b"\x02ab" + varint(5000) + long_value.encode()
    assert encode_strings(["a\ud800"]) == b"\x02a?"  # a lone surrogate cannot be UTF-8
    block = NativeBlock(1)
    block.strings("a", ["x"])
    block.numbers("b", "UInt8", [7])
    assert block.to_bytes() == b"\x02\x01\x01a\x06String\x01x\x01b\x05UInt8\x07"
    assert block.to_bytes(skip=frozenset({"a"})) == b"\x01\x01\x01b\x05UInt8\x07"


def test_memoized_strings_are_the_same_bytes_and_the_memo_stays_bounded() -> None:
    """Repeated values are encoded once and reused; the column's bytes are exactly those of
    the plain encoder, whatever the mix (long values, lone surrogates, unique values), and a
    column that never repeats cannot grow the memo without bound."""
    from automagik_telemetry.exporters.clickhouse import native

    mixed = ["GET", "GET", "x" * 500, "POST", "\ud800 broken", "", "GET", "é" * 3] * 50
    assert native.encode_repeated(mixed) == native.encode_strings(mixed)
    assert "x" * 500 not in native._MEMO  # long values are encoded, not kept
    assert native._MEMO["GET"] == native.encode_strings(["GET"])
    assert native.encode_repeated(mixed) == native.encode_strings(mixed)  # hits and a miss
    assert native.encode_repeated(["GET", "POST"]) == native.encode_strings(["GET", "POST"])
    for block in range(5):
        unique = [f"/api/v1/tasks/{block}-{n}" for n in range(2048)]
        assert native.encode_repeated(unique) == native.encode_strings(unique)
    assert len(native._MEMO) <= native._MEMO_LIMIT + 2048


def test_values_seen_once_do_not_crowd_the_repeated_ones_out_of_the_memo() -> None:
    """A column of unique values (URLs with ids) beside repeated ones: each block's bytes are
    the plain encoder's, the repeated value stays memoized and the unique ones are not kept, so
    they never fill the memo and have it cleared."""
    from automagik_telemetry.exporters.clickhouse import native

    native._MEMO.clear()
    for block in range(10):
        urls = [f"https://forge.example.com/api/v1/tasks/{block}-{n}" for n in range(1000)]
        column = [value for url in urls for value in (url, "GET")]
        assert native.encode_repeated(column) == native.encode_strings(column)
        assert set(native._MEMO) == {"GET"}


def test_the_memo_of_repeated_values_starts_over_past_its_limit() -> None:
    from automagik_telemetry.exporters.clickhouse import native

    native._MEMO.clear()
    for block in range(3):
        column = [f"/api/v1/tasks/{block}-{n}" for n in range(3000)] * 2  # each value twice
        assert native.encode_repeated(column) == native.encode_strings(column)
        assert len(native._MEMO) <= native._MEMO_LIMIT + 3000
    assert len(native._MEMO) == 3000  # the third block found it full: only its own values
