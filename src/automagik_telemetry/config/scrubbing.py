"""``ScrubbingOptions``: what the redactor looks for and how it replaces what it finds.

Typed and frozen, in the spirit of logfire's ``ScrubbingOptions``, so a configuration can be
built once, validated at start-up (bad values raise ``ConfigurationError`` there, never while
the app runs) and shared by the span, log and metric processors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Literal

from ..errors import ConfigurationError

__all__ = ["DETECTOR_NAMES", "SCRUBBING_MODES", "ScrubMatch", "ScrubbingOptions"]

DETECTOR_NAMES: tuple[str, ...] = (
    "private_key",
    "jwt",
    "credentials",
    "api_key",
    "secret",
    "email",
    "user",
    "iban",
    "cnpj",
    "cpf",
    "ssn",
    "card",
    "ip",
    "phone",
    "name",
    "address",
)
"""Every detector, in the order they run; each name is also its placeholder (``<email>``)."""

SCRUBBING_MODES: tuple[str, ...] = ("mask", "hash")


@dataclass(frozen=True)
class ScrubMatch:
    """One sensitive value found in a string, as shown to ``ScrubbingOptions.callback``."""

    kind: str
    """The detector that found it (``email``, ``phone``, ... or ``custom``)."""
    text: str
    """The exact text that would be replaced."""


Callback = Callable[[ScrubMatch], bool]


@dataclass(frozen=True, kw_only=True)
class ScrubbingOptions:
    """How telemetry is scrubbed before it leaves the process.

    The defaults are the safe choice: every detector on, placeholders like ``<email>``, GenAI
    prompt and completion content dropped.
    """

    mode: Literal["mask", "hash"] = "mask"
    """``mask`` replaces a finding with ``<kind>``; ``hash`` with ``<kind:pseudonym>``, a keyed
    HMAC-SHA256 pseudonym that is stable per install, so one user's events can be joined
    without revealing who the user is."""
    extra_patterns: Sequence[str | re.Pattern[str]] = ()
    """More regular expressions to redact in every string; a match becomes ``<custom>``."""
    allow_keys: Collection[str] = ()
    """Attribute (and nested body) keys whose values are never touched, e.g. ``enduser.id``
    when it holds a public handle. Exact, full names."""
    extra_secret_keys: Collection[str] = ()
    """More attribute names whose whole value is a secret, matched like the built-in ones:
    on the last segment of dotted or header-style names, case-insensitively."""
    callback: Callback | None = None
    """Sees each finding and returns ``True`` to keep it. Results are cached per distinct
    string, so it is called once per value, not once per occurrence; it should be fast and
    deterministic. If it raises, the value is redacted."""
    disabled: Collection[str] = ()
    """Detectors to switch off, by name (see ``DETECTOR_NAMES``). ``secret`` covers both
    ``key=value`` secrets in text and secret attribute names."""
    capture_genai_content: bool = False
    """Keep GenAI prompt and completion content (still scrubbed). Off by default: prompts
    are where users paste what they would never put in a bug report."""
    compiled_patterns: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.mode not in SCRUBBING_MODES:
            raise ConfigurationError("scrubbing.mode", self.mode, "mask or hash")
        unknown = sorted(set(_names(self.disabled, "scrubbing.disabled")) - set(DETECTOR_NAMES))
        if unknown:
            raise ConfigurationError(
                "scrubbing.disabled", unknown[0], "detector names: " + ", ".join(DETECTOR_NAMES)
            )
        if self.callback is not None and not callable(self.callback):
            raise ConfigurationError("scrubbing.callback", self.callback, "a callable or None")
        if not isinstance(self.capture_genai_content, bool):
            raise ConfigurationError(
                "scrubbing.capture_genai_content", self.capture_genai_content, "True or False"
            )
        object.__setattr__(self, "disabled", frozenset(self.disabled))
        object.__setattr__(self, "allow_keys", frozenset(_names(self.allow_keys, "allow_keys")))
        object.__setattr__(
            self,
            "extra_secret_keys",
            frozenset(_names(self.extra_secret_keys, "scrubbing.extra_secret_keys")),
        )
        object.__setattr__(self, "compiled_patterns", _compile(self.extra_patterns))
        object.__setattr__(self, "extra_patterns", tuple(self.extra_patterns))

    @property
    def enabled_detectors(self) -> tuple[str, ...]:
        return tuple(name for name in DETECTOR_NAMES if name not in self.disabled)


def _names(values: object, setting: str) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Collection):
        raise ConfigurationError(setting, values, "a collection of strings (not a string)")
    names = list(values)
    for name in names:
        if not isinstance(name, str):
            raise ConfigurationError(setting, name, "strings")
    return names


def _compile(patterns: Sequence[object]) -> tuple[re.Pattern[str], ...]:
    if isinstance(patterns, str):
        raise ConfigurationError("scrubbing.extra_patterns", patterns, "a sequence of patterns")
    compiled = []
    for pattern in patterns:
        if isinstance(pattern, re.Pattern) and isinstance(pattern.pattern, str):
            compiled.append(pattern)
            continue
        if not isinstance(pattern, str) or not pattern:
            raise ConfigurationError(
                "scrubbing.extra_patterns", pattern, "non-empty regular expressions (str)"
            )
        try:
            compiled.append(re.compile(pattern))
        except re.error as error:
            raise ConfigurationError(
                "scrubbing.extra_patterns", pattern, f"a valid regular expression ({error})"
            ) from None
    return tuple(compiled)
