"""SDK batches to OTLP protobuf request bytes: what the spool stores and the OTLP backend sends.

The same bytes whatever the backend, written by our direct encoders (``encoding/``: the stock
encoders' messages at a fraction of their cost, without the protobuf runtime). The way back,
for replay into backends that do not speak OTLP, is ``decode.py``.
"""

from __future__ import annotations

from typing import Any

from ..encoding import encode

__all__ = ["encode_batch"]


def encode_batch(signal: str, items: Any) -> bytes:
    """One batch of the SDK's objects as an OTLP request (deterministic bytes)."""
    return encode(signal, items)
