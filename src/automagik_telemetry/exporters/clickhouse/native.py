"""A minimal writer of ClickHouse's ``Native`` format, built column by column.

Why write it ourselves: clickhouse-connect's generic Native serializer walks Python values one
by one (≈33k rows/s here), and the engine-side Arrow path needs pyarrow plus row dicts. Our
columns are a handful of known types, so each column is encoded in one pass with C-level
operations (``struct.pack`` for numbers, ``b"".join`` for strings): several times faster, no extra
dependency, and the same bytes work for a server (HTTP) and the embedded store (chDB).

Each column is declared with a plain type (``String``, ``Map(String, String)``): the server
converts to the table's ``LowCardinality``/``Bool`` types on insert
(``input_format_native_allow_types_conversion``, on by default), so one block fits tables
created by this package, the collector or older variants alike.
"""

from __future__ import annotations

import struct
from collections import Counter
from collections.abc import Sequence
from itertools import compress, repeat
from operator import is_

__all__ = ["NativeBlock", "encode_repeated", "encode_strings", "pack", "varint"]

Number = int | float
_CODES = {
    "UInt8": "B",
    "UInt32": "I",
    "UInt64": "Q",
    "Int32": "i",
    "Int64": "q",
    "DateTime64(9)": "q",
    "Float64": "d",
    "Bool": "?",
}


def varint(number: int) -> bytes:
    """Unsigned LEB128, the length prefix of Native strings and block headers."""
    out = bytearray()
    while True:
        byte = number & 0x7F
        number >>= 7
        if number:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


_PREFIXES = tuple(varint(n) for n in range(4096))  # covers nearly every attribute value


def _utf8(values: Sequence[str]) -> tuple[list[bytes], list[bytes]]:
    """Each value's varint length prefix and UTF-8 bytes (lone surrogates, which are not
    UTF-8, become "?": never fail)."""
    try:
        data = [value.encode() for value in values]
    except UnicodeEncodeError:
        data = [value.encode("utf-8", "replace") for value in values]
    try:
        prefixes = [_PREFIXES[len(item)] for item in data]
    except IndexError:
        prefixes = [varint(len(item)) for item in data]
    return prefixes, data


def encode_strings(values: Sequence[str]) -> bytes:
    """A ``String`` column: each value as varint(length) + UTF-8 bytes."""
    prefixes, data = _utf8(values)
    interleaved: list[bytes] = [b""] * (2 * len(data))
    interleaved[0::2] = prefixes
    interleaved[1::2] = data
    return b"".join(interleaved)


_MEMO: dict[str, bytes] = {}
_MEMO_LIMIT = 4096
_MEMO_LONGEST = 128  # longer values (SQL text, URLs with ids) rarely repeat: not kept


def encode_repeated(values: Sequence[str]) -> bytes:
    """A ``String`` column whose values repeat (span names, kinds, service and scope names,
    status codes, attribute keys and most attribute values): each distinct value is encoded
    once and its bytes reused, across blocks, so a row costs one dict lookup (C-level ``map``)
    instead of an encode, a prefix lookup and an interleave; the bytes are those of
    ``encode_strings``. The values not in the memo are encoded once each, together, and kept
    if they repeat within the column. The memo is shared by the exporters' threads (dict
    operations are atomic), keeps only short values and starts over past ``_MEMO_LIMIT`` of
    them: at most ~1.5 MB, and a column that does not repeat costs a little, never unbounded
    memory."""
    memo = _MEMO
    parts = list(map(memo.get, values))
    if None not in parts:
        return b"".join(parts)  # type: ignore[arg-type]
    if len(memo) > _MEMO_LIMIT:
        memo.clear()
    counts = Counter(compress(values, map(is_, parts, repeat(None))))
    missing = list(counts)
    fresh = dict(zip(missing, map(bytes.__add__, *_utf8(missing)), strict=True))
    # Kept: values seen twice or more in this column. One seen once (a URL with an id, a
    # trace's own name) would only push the memo to its limit and have it cleared, with every
    # repeated value in it, at the next block.
    memo.update(
        [pair for pair in fresh.items() if counts[pair[0]] > 1 and len(pair[0]) <= _MEMO_LONGEST]
    )
    # a miss's fresh bytes, else the part the memo gave (another thread may clear it meanwhile)
    return b"".join(map(fresh.get, values, parts))  # type: ignore[arg-type]


def pack(type_name: str, numbers: Sequence[Number]) -> bytes:
    """A fixed-width column, little-endian as Native wants on every platform."""
    return struct.pack(f"<{len(numbers)}{_CODES[type_name]}", *numbers)


def _offsets(offsets: Sequence[int]) -> bytes:
    return struct.pack(f"<{len(offsets)}Q", *offsets)


class NativeBlock:
    """One block: a header (column and row counts), then per column name, type and data."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.names: list[str] = []
        self._columns: list[tuple[bytes, bytes]] = []

    def add(self, name: str, type_name: str, data: bytes) -> None:
        """A column whose data is already encoded."""
        self.names.append(name)
        self._columns.append((encode_strings((name, type_name)), data))

    def strings(self, name: str, values: Sequence[str], *, repeated: bool = False) -> None:
        """A ``String`` column; ``repeated`` for columns with few distinct values."""
        self.add(name, "String", encode_repeated(values) if repeated else encode_strings(values))

    def numbers(self, name: str, type_name: str, values: Sequence[Number]) -> None:
        """A fixed-width column: ``UInt8``, ``UInt32``, ``UInt64``, ``Int32``, ``Int64``,
        ``DateTime64(9)`` (nanoseconds), ``Float64`` or ``Bool``."""
        self.add(name, type_name, pack(type_name, values))

    def string_map(
        self, name: str, offsets: Sequence[int], keys: Sequence[str], values: Sequence[str]
    ) -> None:
        """``Map(String, String)``: cumulative row offsets, then all keys (which repeat from row
        to row: memoized), then all values."""
        data = _offsets(offsets) + encode_repeated(keys) + encode_repeated(values)
        self.add(name, "Map(String, String)", data)

    def encoded_map(
        self, name: str, offsets: Sequence[int], keys: Sequence[bytes], values: Sequence[bytes]
    ) -> None:
        """``Map(String, String)`` from per-row key and value blocks encoded once (a resource's
        attributes repeat on every row: encoding them once per batch is much cheaper)."""
        data = _offsets(offsets) + b"".join(keys) + b"".join(values)
        self.add(name, "Map(String, String)", data)

    def string_arrays(self, name: str, offsets: Sequence[int], values: Sequence[str]) -> None:
        """``Array(String)``: cumulative row offsets, then the flattened elements."""
        self.add(name, "Array(String)", _offsets(offsets) + encode_strings(values))

    def number_arrays(
        self, name: str, type_name: str, offsets: Sequence[int], values: Sequence[Number]
    ) -> None:
        """``Array(T)`` of a fixed-width ``T`` (``type_name`` is the element type)."""
        self.add(name, f"Array({type_name})", _offsets(offsets) + pack(type_name, values))

    def map_arrays(
        self,
        name: str,
        offsets: Sequence[int],
        map_offsets: Sequence[int],
        keys: Sequence[str],
        values: Sequence[str],
    ) -> None:
        """``Array(Map(String, String))``: row offsets, per-map offsets, keys, values."""
        data = _offsets(offsets) + _offsets(map_offsets) + _map_data(keys, values)
        self.add(name, "Array(Map(String, String))", data)

    def to_bytes(self, skip: frozenset[str] = frozenset()) -> bytes:
        """The block, without the columns named in ``skip`` (absent from the table)."""
        kept = [
            part
            for name, parts in zip(self.names, self._columns, strict=True)
            if name not in skip
            for part in parts
        ]
        return b"".join([varint(len(kept) // 2), varint(self.rows), *kept])


def _map_data(keys: Sequence[str], values: Sequence[str]) -> bytes:
    return encode_strings(keys) + encode_strings(values)
