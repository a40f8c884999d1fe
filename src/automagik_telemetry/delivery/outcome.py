"""What became of one attempt to hand a batch to a backend.

The stock exporters answer SUCCESS or FAILURE. A durable spool needs to know more: whether the
backend may take the batch later (connection refused, timeout, 5xx, 429 — spool it, retry with
backoff, honour ``Retry-After``) or will never take it (400, a schema mismatch — retrying would
only repeat the failure forever).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["MAX_RETRY_AFTER", "Delivery"]

MAX_RETRY_AFTER = 300.0
"""The longest wait a backend's ``Retry-After`` can impose (five minutes, like the
Collector's retry budget): ``Retry-After: 1e10`` must neither park the spool for centuries nor
overflow a timer."""


@dataclass(frozen=True)
class Delivery:
    status: Literal["delivered", "retry", "rejected"]
    detail: str = ""
    retry_after: float | None = None
    """Seconds the backend asked us to wait (``Retry-After``), if it said."""
    payload: bytes | None = None
    """The OTLP request the backend built for this batch, if it built one (saves re-encoding
    it for the spool)."""

    @property
    def delivered(self) -> bool:
        return self.status == "delivered"

    @classmethod
    def ok(cls, payload: bytes | None = None) -> Delivery:
        return cls("delivered", payload=payload)

    @classmethod
    def retry(
        cls, detail: str, retry_after: float | None = None, payload: bytes | None = None
    ) -> Delivery:
        return cls("retry", detail, retry_after, payload)

    @classmethod
    def rejected(cls, detail: str) -> Delivery:
        return cls("rejected", detail)
