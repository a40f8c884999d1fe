"""Consent levels, ordered from most to least private."""

from __future__ import annotations

import enum

from ..errors import ConfigurationError
from .values import parse_bool

__all__ = ["ConsentLevel", "parse_consent"]


class ConsentLevel(str, enum.Enum):
    """How much telemetry the user agreed to, like an editor's telemetry level.

    ``ERRORS`` lets only error spans, error log records and crash reports leave the process;
    usage events and metrics stay home. A plain opt-in means ``ALL``.
    """

    OFF = "off"
    ERRORS = "errors"
    ALL = "all"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def at_most(self, other: ConsentLevel) -> ConsentLevel:
        """The more private of two levels: consent can shrink while running, never grow."""
        return self if self.rank <= other.rank else other


def parse_consent(value: object, setting: str, source: str | None = None) -> ConsentLevel:
    """``enabled``: a boolean, or a consent level name (``off``, ``errors``, ``all``)."""
    if isinstance(value, ConsentLevel):
        return value
    if isinstance(value, str) and value.strip().lower() in {"all", "errors"}:
        return ConsentLevel(value.strip().lower())
    try:
        return ConsentLevel.ALL if parse_bool(value, setting, source) else ConsentLevel.OFF
    except ConfigurationError:
        raise ConfigurationError(
            setting,
            value,
            "true/false (1/0, yes/no, on/off) or a level: off, errors, all",
            source=source,
        ) from None


_RANK = {ConsentLevel.OFF: 0, ConsentLevel.ERRORS: 1, ConsentLevel.ALL: 2}
