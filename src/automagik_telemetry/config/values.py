"""Parsing and validation of individual setting values.

Every function takes the raw value (a string from the environment or a typed value from code)
and either returns the normalised value or raises :class:`ConfigurationError` naming the setting,
the bad value and what is accepted. ``TelemetryConfig`` composes them; keeping them here keeps
the config module about *which* settings exist, not *how* each is parsed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..errors import ConfigurationError
from .masking import MASK, mask_headers, mask_url

__all__ = [
    "clamp_seconds",
    "parse_bool",
    "parse_duration_ms",
    "parse_fraction",
    "parse_key_values",
    "parse_log_level",
    "parse_name_list",
    "parse_path",
    "parse_positive_seconds",
    "parse_text",
    "parse_url",
]

_TRUE = frozenset({"1", "true", "yes", "on", "y"})
_FALSE = frozenset({"0", "false", "no", "off", "n", ""})
_DURATION = re.compile(r"^\s*(?P<num>[0-9]*\.?[0-9]+)\s*(?P<unit>ms|s|m|h|d)?\s*$", re.IGNORECASE)
_UNIT_MS = {"ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0, "d": 86_400_000.0}
_SIZE = re.compile(r"^\s*(?P<num>[0-9]*\.?[0-9]+)\s*(?P<unit>[kmgt]i?b?|b)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "k": 10**3,
    "m": 10**6,
    "g": 10**9,
    "t": 10**12,
    "ki": 2**10,
    "mi": 2**20,
    "gi": 2**30,
    "ti": 2**40,
}
_LOG_LEVELS = {
    "notset": 0,
    "debug": 10,
    "info": 20,
    "warn": 30,
    "warning": 30,
    "error": 40,
    "critical": 50,
    "fatal": 50,
}


def parse_bool(value: object, setting: str, source: str | None = None) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise ConfigurationError(setting, value, "true/false, 1/0, yes/no, on/off", source=source)


def parse_text(value: object, setting: str, source: str | None = None) -> str:
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ConfigurationError(setting, value, "a non-empty string", source=source)


def parse_url(
    value: object,
    setting: str,
    source: str | None = None,
    *,
    schemes: tuple[str, ...] = ("http", "https"),
) -> str:
    """An absolute URL with one of ``schemes`` and a host; returned without a trailing slash."""
    accepted = f"an absolute URL starting with {' or '.join(s + '://' for s in schemes)}"
    if not isinstance(value, str):
        raise ConfigurationError(setting, f"<{type(value).__name__}>", accepted, source=source)
    text = value.strip()
    shown = mask_url(text)  # an endpoint may carry credentials: never echo them
    try:
        parts = urlsplit(text)
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        raise ConfigurationError(setting, shown, accepted, source=source) from None
    if parts.scheme.lower() not in schemes or not parts.hostname or not port_ok:
        raise ConfigurationError(setting, shown, accepted, source=source)
    return text.rstrip("/")


def parse_duration_ms(value: object, setting: str, source: str | None, *, maximum: float) -> float:
    """A duration written in the environment: milliseconds by default (as the OTel
    ``*_TIMEOUT`` variables and the seed SDK use), or with a unit: ``500ms``, ``5s``, ``1m``,
    ``12h``, ``7d``; greater than 0 and at most ``maximum`` seconds.
    Returns seconds."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is not None:
        unit = (match["unit"] or "ms").lower()
        seconds = float(match["num"]) * _UNIT_MS[unit] / 1000.0
        if 0 < seconds <= maximum:
            return seconds
    raise ConfigurationError(
        setting,
        value,
        f"a duration greater than 0 and at most {_human(maximum)}: milliseconds (5000), or "
        "with a unit: 500ms, 5s, 1m, 12h, 7d",
        source=source,
    )


def parse_positive_seconds(
    value: object, setting: str, source: str | None = None, *, maximum: float
) -> float:
    """A duration given in code: a number of seconds greater than 0 and at most ``maximum``
    (so NaN and infinity are refused too)."""
    if (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and 0 < value <= maximum  # refuses NaN and infinity too
    ):
        return float(value)
    raise ConfigurationError(
        setting,
        value,
        f"a number of seconds greater than 0 and at most {maximum:.0f} ({_human(maximum)})",
        source=source,
    )


def clamp_seconds(value: object, default: float, maximum: float) -> float:
    """A wait the application passes at run time (``flush(timeout)``), made safe to wait on:
    never raises. ``None``, NaN or a non-number mean ``default``; a negative wait is 0; a
    longer one (infinity too) is ``maximum``, as ``Event.wait`` and ``Thread.join`` raise
    ``OverflowError`` past ``threading.TIMEOUT_MAX``."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value != value:
        return default
    return float(min(max(0, value), maximum))


def _human(seconds: float) -> str:
    """``300`` -> ``5m``: the largest unit that divides a limit (whole seconds) evenly."""
    units = (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))
    unit, size = next((unit, size) for unit, size in units if seconds % size == 0)
    return f"{seconds // size:.0f}{unit}"


def parse_fraction(value: object, setting: str, source: str | None = None) -> float:
    """A sampling ratio in [0, 1]."""
    number: object = value
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = value
    if isinstance(number, (int, float)) and not isinstance(number, bool) and 0.0 <= number <= 1.0:
        return float(number)
    raise ConfigurationError(setting, value, "a number from 0.0 to 1.0, e.g. 0.25", source=source)


def parse_name_list(
    value: object, setting: str, source: str | None, *, accepted: tuple[str, ...]
) -> tuple[str, ...]:
    """A comma-separated string or a sequence of names, each one of ``accepted``."""
    items = value.split(",") if isinstance(value, str) else value
    if isinstance(items, (list, tuple, set, frozenset)):
        names = tuple(
            dict.fromkeys(str(item).strip().lower() for item in items if str(item).strip())
        )
        if names and all(name in accepted for name in names):
            return names
    raise ConfigurationError(
        setting, value, f"one or more of {', '.join(accepted)} (comma-separated)", source=source
    )


def parse_key_values(value: object, setting: str, source: str | None = None) -> dict[str, str]:
    """``key=value,key2=value2`` (URL-encoded, as in ``OTEL_EXPORTER_OTLP_HEADERS``) or a
    mapping of strings. Errors show the keys only: header values are credentials."""
    accepted = "key=value pairs separated by commas, or a mapping of strings"
    if isinstance(value, Mapping):
        if all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            return dict(value)
        raise ConfigurationError(setting, mask_headers(value), accepted, source=source)
    if not isinstance(value, str):
        raise ConfigurationError(setting, f"<{type(value).__name__}>", accepted, source=source)
    pairs: dict[str, str] = {}
    for chunk in value.split(","):
        if not chunk.strip():
            continue
        key, sep, val = chunk.partition("=")
        if not sep or not key.strip():
            raise ConfigurationError(setting, _mask_pairs(value), accepted, source=source)
        pairs[unquote(key.strip())] = unquote(val.strip())
    return pairs


def _mask_pairs(text: str) -> str:
    """``a=1,junk,b=2`` -> ``a=***,<?>,b=***``: shows where the text is malformed, no value.

    A chunk without ``=`` may be a value that contained a comma, so it is not shown either."""
    return ",".join(
        f"{chunk.partition('=')[0].strip()}={MASK}" if "=" in chunk else "<?>" if chunk else ""
        for chunk in text.split(",")
    )


def parse_path(value: object, setting: str, source: str | None = None) -> Path:
    if isinstance(value, Path) or (isinstance(value, str) and value.strip()):
        return Path(value).expanduser()
    raise ConfigurationError(setting, value, "a directory path", source=source)


def parse_log_level(value: object, setting: str, source: str | None = None) -> int:
    """A ``logging`` level: a name (``debug``, ``info``, ``warning``, ``error``, ``critical``;
    any case) or a non-negative number, as ``logging.INFO`` is. Returns the number."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text.isdigit():
            return int(text)
        if text in _LOG_LEVELS:
            return _LOG_LEVELS[text]
    raise ConfigurationError(
        setting,
        value,
        "a logging level: debug, info, warning, error, critical, or a number such as 20",
        source=source,
    )


def parse_positive_int(value: object, setting: str, source: str | None = None) -> int:
    """A count: a positive whole number (or its decimal string)."""
    number: object = value
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if isinstance(number, int) and not isinstance(number, bool) and number > 0:
        return number
    raise ConfigurationError(setting, value, "a positive whole number, e.g. 2048", source=source)


def parse_byte_size(value: object, setting: str, source: str | None = None) -> int:
    """A size in bytes: a number, or with a unit (``500MB``, ``2GiB``, ``64k``)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    match = _SIZE.match(value) if isinstance(value, str) else None
    if match is not None:
        unit = (match["unit"] or "").lower().removesuffix("b")
        size = int(float(match["num"]) * _SIZE_UNITS[unit])
        if size > 0:
            return size
    raise ConfigurationError(
        setting, value, "a positive size in bytes, or with a unit: 500MB, 2GiB, 64k", source=source
    )
