"""The ``automagik.redacted`` attribute: *that* something was redacted, never *what*.

Each redacted span, log record, data point or resource carries a JSON object of counts per
kind, e.g. ``{"email":1,"ip":2}``, so a backend can chart how much personal data an app
tries to send (and find the code that sends it) without ever storing any of it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

__all__ = ["REDACTED_ATTRIBUTE", "encode_counts"]

REDACTED_ATTRIBUTE = "automagik.redacted"

_encoded: dict[tuple[tuple[str, int], ...], str] = {}  # insertion order varies: same JSON
_MAX_ENCODED = 1024


def encode_counts(counts: Mapping[str, int]) -> str:
    """Compact JSON with sorted keys; the few distinct combinations are cached."""
    items = tuple(counts.items())
    text = _encoded.get(items)
    if text is None:
        text = json.dumps(counts, separators=(",", ":"), sort_keys=True)
        if len(_encoded) >= _MAX_ENCODED:
            _encoded.clear()
        _encoded[items] = text
    return text
