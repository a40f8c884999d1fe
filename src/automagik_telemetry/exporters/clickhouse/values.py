"""Value encodings shared with the OpenTelemetry Collector's ClickHouse exporter.

Dashboards and saved queries compare strings: ``SpanAttributes['http.status_code'] = '200'``,
``StatusCode = 'Error'``. So every value is rendered exactly as the collector renders it (its
``pcommon.Value.AsString``): integers in decimal, booleans as ``true``/``false``, doubles in the
shortest round-tripping form ES6/Go JSON use (``3``, ``3.14``, ``1e+21``), bytes as base64 and
arrays and maps as compact JSON (Go's encoder: ``<``, ``>``, ``&`` escaped, map keys sorted).
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from opentelemetry.attributes import BoundedAttributes

__all__ = [
    "SPAN_KINDS",
    "STATUS_CODES",
    "as_string",
    "float_string",
    "plain",
    "span_id_hex",
    "trace_id_hex",
]

SPAN_KINDS = ("Internal", "Server", "Client", "Producer", "Consumer")
"""By the SDK's ``SpanKind`` value (0 = INTERNAL ... 4 = CONSUMER); the collector's names."""
STATUS_CODES = ("Unset", "Ok", "Error")
"""By the SDK's ``StatusCode`` value (0 = UNSET, 1 = OK, 2 = ERROR)."""

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_SIMPLE = frozenset({str, int, bool})
_GO_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def plain(attributes: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The dict inside the SDK's own ``BoundedAttributes``, else the mapping as given.

    ``BoundedAttributes`` is a ``MutableMapping`` whose iteration runs in Python: reading keys
    and values through it costs ~1.7 µs per span against ~0.25 µs for its inner dict, a large
    share of the whole row. Any other mapping is returned unchanged."""
    if attributes is None:
        return _EMPTY
    if type(attributes) is BoundedAttributes:  # exactly: a subclass may filter or redact
        return attributes._dict
    return attributes


def trace_id_hex(trace_id: int) -> str:
    """32 lowercase hex digits; ``''`` for the invalid all-zero id (as the collector)."""
    return format(trace_id, "032x") if trace_id else ""


def span_id_hex(span_id: int) -> str:
    """16 lowercase hex digits; ``''`` for the invalid all-zero id (a root's parent)."""
    return format(span_id, "016x") if span_id else ""


def float_string(number: float) -> str:
    """A double as Go's JSON encoder writes it: ES6 number-to-string, exponents unpadded."""
    if not math.isfinite(number):
        kind = "NaN" if math.isnan(number) else ("+Inf" if number > 0 else "-Inf")
        return f"json: unsupported value: {kind}"
    text = repr(number)
    magnitude = abs(number)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        return text.replace("e-0", "e-")  # repr already uses exponent form in this range
    if "e" in text:
        return format(Decimal(text), "f")
    return text.removesuffix(".0")


def as_string(value: object) -> str:
    """An attribute value (or log body) as the collector's ``AsString`` renders it."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[return-value]
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        return float_string(value)  # type: ignore[arg-type]
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    if type(value) in (tuple, list) and {type(item) for item in value} <= _SIMPLE:  # type: ignore[attr-defined]
        # The common array attribute: the stdlib encoder writes what Go's does, bar escapes.
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return text.translate(_GO_ESCAPES)
    try:
        return _json(value)
    except ValueError:  # Go's encoder gives up on NaN/Inf inside arrays and maps: empty string
        return ""


def _first(pair: tuple[str, object]) -> str:
    return pair[0]


def _json(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).translate(_GO_ESCAPES)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("non-finite number")
        return float_string(value)
    if value is None:
        return "null"
    if isinstance(value, (bytes, bytearray)):
        return '"' + base64.b64encode(value).decode("ascii") + '"'
    if isinstance(value, Mapping):
        items = sorted(((str(key), item) for key, item in value.items()), key=_first)
        return "{" + ",".join(f"{_json(key)}:{_json(item)}" for key, item in items) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_json(item) for item in value) + "]"
    return _json(str(value))
