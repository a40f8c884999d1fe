"""Protobuf wire primitives and the OTLP ``AnyValue``/``KeyValue`` encodings, memoized.

The stock encoders build a tree of ``upb`` message objects and then serialize it: most of their
cost is creating those objects from Python, one per attribute, value, span and event. Writing the
wire format directly needs none of them, and what repeats across a batch — the same attribute
key with the same value on most spans (method, route, user agent, status code, port) — is
encoded once and reused as bytes.

Value encoding follows the stock ``_encode_value`` exactly (same type order, same oneof
fields, including writing defaults such as ``false`` or ``""`` that a oneof keeps), so the
receiver parses the same message. Where the stock encoder raises (an ``int`` outside int64, a
non-``str`` key, an unsupported type, a string that is not valid UTF-8) these functions raise
``EncodingError`` too; the callers drop only the offending attribute or item.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "EncodingError",
    "any_value",
    "attribute_pairs",
    "attributes",
    "fixed32",
    "fixed64",
    "int64",
    "key_value",
    "length_delimited",
    "string_field",
    "uint32",
    "varint",
]

_INT64_MIN = -(1 << 63)
_INT64_MAX = (1 << 63) - 1
_SMALL = [bytes((n,)) for n in range(128)]
_pack_double = struct.Struct("<d").pack
_pack_fixed64 = struct.Struct("<Q").pack
_pack_fixed32 = struct.Struct("<I").pack

# Memoized ``KeyValue`` encodings (length prefix included) of ``str`` and ``int`` values, the
# ones that repeat. Bounded: cleared when full, and long values are never kept, so a stream of
# unique URLs costs at most ``_CACHE_ENTRIES`` small entries. Only exact ``str``/``int`` values
# are cached: ``True == 1 == 1.0`` would otherwise share an entry across types.
_CACHE_ENTRIES = 4096
_CACHE_VALUE_CHARS = 256
_cache: dict[tuple[str, Any], bytes] = {}
# The encoded ``key`` field of each attribute key seen (bounded the same way), so that a string
# value not seen before (a URL, a query) is encoded inline, without a call per field.
_key_fields: dict[str, bytes] = {}
_FAST_CHARS = 1024
"""Longest string value encoded inline: its lengths then fit in two varint bytes."""


class EncodingError(ValueError):
    """A value the OTLP wire format cannot carry (the stock encoder raises on it too)."""


def varint(value: int) -> bytes:
    """Unsigned LEB128; callers pass values already known to be in range."""
    if value < 0x80:
        return _SMALL[value]
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def int64(value: int) -> bytes:
    """An ``int64`` varint (negative values take ten bytes, as protobuf writes them)."""
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise EncodingError(f"integer out of int64 range ({value.bit_length()} bits)")
    return varint(value if value >= 0 else value + (1 << 64))


def uint32(value: int) -> bytes:
    """A ``uint32`` varint (the dropped counts), range-checked as protobuf checks it."""
    if not 0 <= value <= 0xFFFFFFFF:
        raise EncodingError(f"count out of uint32 range: {value}")
    return varint(value)


def fixed64(value: int) -> bytes:
    return _pack_fixed64(value)


def fixed32(value: int) -> bytes:
    return _pack_fixed32(value)


def length_delimited(body: bytes) -> bytes:
    """``body`` with its length prefix (the caller writes the tag before it)."""
    return varint(len(body)) + body


def string_field(tag: bytes, text: str | None) -> bytes:
    """A proto3 ``string`` field: nothing when empty, as protobuf writes it."""
    if not text:
        return b""
    if not isinstance(text, str):
        raise EncodingError(f"expected a string, got {type(text).__name__}")
    data = _utf8(text)
    return tag + varint(len(data)) + data


def _utf8(text: str) -> bytes:
    try:
        return text.encode()
    except UnicodeEncodeError as error:
        raise EncodingError("string is not valid UTF-8 (lone surrogate)") from error


def any_value(value: Any) -> bytes:
    """The body of an ``AnyValue``: same type order and oneof fields as the stock encoder."""
    if value is None:
        return b""
    if isinstance(value, bool):
        return b"\x10\x01" if value else b"\x10\x00"
    if isinstance(value, str):
        data = _utf8(value)
        return b"\x0a" + varint(len(data)) + data
    if isinstance(value, int):
        return b"\x18" + int64(value)
    if isinstance(value, float):
        return b"\x21" + _pack_double(value)
    if isinstance(value, bytes):
        return b"\x3a" + varint(len(value)) + value
    if isinstance(value, Sequence):
        body = b"".join([b"\x0a" + length_delimited(any_value(item)) for item in value])
        return b"\x2a" + length_delimited(body)
    if isinstance(value, Mapping):
        body = b"".join(
            [b"\x0a" + length_delimited(key_value(str(k), v)) for k, v in value.items()]
        )
        return b"\x32" + length_delimited(body)
    raise EncodingError(f"unsupported value type {type(value).__name__}")


def key_value(key: str, value: Any) -> bytes:
    """The body of a ``KeyValue``; its ``value`` is always present (an empty ``AnyValue`` for
    ``None``), as in the stock encoder."""
    if not isinstance(key, str):
        raise EncodingError(f"attribute key must be a string, not {type(key).__name__}")
    return string_field(b"\x0a", key) + b"\x12" + length_delimited(any_value(value))


def _cached_key_value(key: Any, value: Any) -> bytes:
    """``KeyValue`` with its length prefix, remembered for repeating ``str``/``int`` values
    (``attribute_pairs`` looks it up first)."""
    encoded = length_delimited(key_value(key, value))
    kind = type(value)
    if kind is int or (kind is str and len(value) <= _CACHE_VALUE_CHARS):
        _remember(key, value, encoded)
    if type(key) is str and len(key) <= _CACHE_VALUE_CHARS and key not in _key_fields:
        if len(_key_fields) >= _CACHE_ENTRIES:
            _key_fields.clear()
        _key_fields[key] = string_field(b"\x0a", key)  # valid: key_value encoded it
    return encoded


def _remember(key: str, value: Any, encoded: bytes) -> None:
    if len(_cache) >= _CACHE_ENTRIES:
        _cache.clear()
    _cache[(key, value)] = encoded


def _prefix(length: int) -> bytes:
    """``varint(length)`` for a length below 16,384, without a loop."""
    return _SMALL[length] if length < 0x80 else bytes(((length & 0x7F) | 0x80, length >> 7))


def attributes(tag: bytes, pairs: Mapping[str, Any] | None, parts: list[bytes]) -> int:
    """Append each attribute as a ``tag``-ged ``KeyValue`` field to ``parts``; return how many
    could not be encoded (skipped, as the stock encoder skips them)."""
    if not pairs:
        return 0
    return attribute_pairs(tag, pairs.items(), parts)


def attribute_pairs(tag: bytes, pairs: Iterable[tuple[Any, Any]], parts: list[bytes]) -> int:
    """``attributes`` from ``(key, value)`` pairs (our compact spans keep no dict)."""
    failed = 0
    cache = _cache
    append = parts.append
    for key, value in pairs:
        # The hot path, inlined: a repeated value is one dict lookup.
        kind = type(value)
        if kind is str or kind is int:
            encoded = cache.get((key, value))
            if encoded is not None:
                append(tag)
                append(encoded)
                continue
            key_field = _key_fields.get(key) if kind is str else None
            if key_field is not None and len(value) <= _FAST_CHARS:
                # A new string under a known key (a URL): the KeyValue written out here.
                try:
                    data: bytes | None = value.encode()
                except UnicodeEncodeError:
                    data = None  # the general path below leaves it out and counts it
                if data is not None:
                    any_body = b"\x0a" + _prefix(len(data)) + data
                    body = key_field + b"\x12" + _prefix(len(any_body)) + any_body
                    encoded = _prefix(len(body)) + body
                    if len(value) <= _CACHE_VALUE_CHARS:
                        _remember(key, value, encoded)
                    append(tag)
                    append(encoded)
                    continue
        try:
            encoded = _cached_key_value(key, value)
        except (EncodingError, TypeError, ValueError, RecursionError):
            failed += 1
            continue
        append(tag)
        append(encoded)
    return failed
