"""The vocabulary the table definitions are written in: columns, nested columns, a table's
spec, and how a described type is compared with the one we insert.

Kept apart from the definitions themselves (``tables.py``, ``metric_tables.py``) so that each
of those reads as the list of columns a tool expects, in the collector's order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "ATTRIBUTE_INDEXES",
    "LC",
    "MAP",
    "NANOS",
    "Column",
    "ExpectedColumn",
    "Nested",
    "TableSpec",
    "col",
    "normalize_type",
]

LC = "LowCardinality(String)"
MAP = "Map(LowCardinality(String), String)"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    codec: str = "ZSTD(1)"
    default: str = ""
    """A ``DEFAULT``/``ALIAS``/``MATERIALIZED`` expression: such columns are computed, never
    written by us."""
    optional: bool = False
    also: tuple[str, ...] = ()
    computed: str = "DEFAULT"
    """How ``default`` applies: ``DEFAULT``, ``ALIAS`` or ``MATERIALIZED``."""


@dataclass(frozen=True)
class Nested:
    """``Nested(...)``: stored (and described, and inserted) as one array column per field."""

    name: str
    fields: tuple[Column, ...]


@dataclass(frozen=True)
class ExpectedColumn:
    """A column as ``DESCRIBE TABLE`` shows it and as we insert it."""

    name: str
    types: tuple[str, ...]
    """Normalized types accepted for the column; the first is the one we create."""
    optional: bool = False


@dataclass(frozen=True)
class TableSpec:
    kind: str
    columns: tuple[Column | Nested, ...]
    indexes: tuple[str, ...]
    partition_by: str
    order_by: str
    ttl_on: str
    primary_key: str = ""
    text_indexes: tuple[str, ...] = ()
    """Used instead of ``indexes`` on servers with text indexes (ClickHouse 26.2 and later),
    as the collector does."""

    def expected(self) -> tuple[ExpectedColumn, ...]:
        """The columns we insert, flattened (``Events.Name``) and with accepted types."""
        out: list[ExpectedColumn] = []
        for column in self.columns:
            if isinstance(column, Nested):
                out += [
                    ExpectedColumn(
                        f"{column.name}.{field.name}",
                        tuple(normalize_type(f"Array({t})") for t in (field.type, *field.also)),
                    )
                    for field in column.fields
                ]
            elif not column.default:
                types = tuple(normalize_type(t) for t in (column.type, *column.also))
                out.append(ExpectedColumn(column.name, types, column.optional))
        return tuple(out)


def normalize_type(type_name: str) -> str:
    """Compare types the way inserts see them: ``LowCardinality`` and a ``DateTime64`` zone do
    not change what a column accepts (the server converts our plain types on insert)."""
    compact = re.sub(r"\s+", "", type_name)
    compact = compact.replace("LowCardinality(String)", "String")
    return re.sub(r"DateTime64\((\d+),'[^']*'\)", r"DateTime64(\1)", compact)


def col(
    name: str,
    type_name: str,
    codec: str = "ZSTD(1)",
    *,
    default: str = "",
    optional: bool = False,
    also: tuple[str, ...] = (),
    computed: str = "DEFAULT",
) -> Column:
    return Column(name, type_name, codec, default, optional, also, computed)


ATTRIBUTE_INDEXES = tuple(
    f"INDEX idx_{short}_{part} map{part.capitalize()}s({column}) "
    f"TYPE bloom_filter(0.01) GRANULARITY 1"
    for short, column in (("res_attr", "ResourceAttributes"), ("scope_attr", "ScopeAttributes"))
    for part in ("key", "value")
)
NANOS = "DateTime64(9)"
"""Nanosecond times, as the collector stores span and log timestamps."""
