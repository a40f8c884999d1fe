"""Attribute values the OpenTelemetry SDK and OTLP accept, made from whatever the app passed.

The SDK drops (and warns about, once per call) values it does not take, and OTLP cannot carry
an integer beyond 64 bits: one such value used to make a whole batch fail to encode. So every
value our calls hand on is one of: ``str``, ``bool``, a 64-bit ``int``, ``float``, or a list of
those; anything else becomes its ``str()``. Standard library only: the light front uses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["INT64_MAX", "INT64_MIN", "clean_attributes", "clean_value", "fits_int64"]

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_PRIMITIVES = (str, bool, int, float)


def fits_int64(value: int) -> bool:
    return INT64_MIN <= value <= INT64_MAX


def _primitive(value: object) -> bool:
    return isinstance(value, _PRIMITIVES) and (type(value) is not int or fits_int64(value))


def clean_value(value: object) -> Any:
    """``value`` if OTLP can carry it, else its ``str()`` (lists: of primitives only)."""
    if _primitive(value):
        return value
    if isinstance(value, (list, tuple)) and all(_primitive(item) for item in value):
        return list(value)
    return str(value)


def clean_attributes(attributes: Mapping[Any, Any]) -> Mapping[str, Any] | None:
    """``attributes`` with string keys and values OTLP can carry (``None`` values left out).

    The common mapping — string keys, primitive values — is returned as it is (the SDK copies
    it), so the usual call pays one type check per value and no copy."""
    if not attributes:
        return None
    for key, value in attributes.items():
        kind = type(value)
        if type(key) is not str or not (
            kind is str or kind is float or kind is bool or (kind is int and fits_int64(value))
        ):
            break
    else:
        return attributes
    return {str(key): clean_value(value) for key, value in attributes.items() if value is not None}
