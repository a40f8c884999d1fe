"""Errors raised to the code that configures telemetry.

Only ``configure_automagik()`` and the explicit config constructors raise: everything that
runs after start-up logs (rate-limited) and carries on, so telemetry never breaks the host app.
"""

from __future__ import annotations

__all__ = ["ConfigurationError"]


class ConfigurationError(ValueError):
    """A setting has a value we cannot use.

    The message names the setting (and the environment variable it came from, if any), the
    value we got and what is accepted, so the fix is obvious from the error alone.
    """

    def __init__(self, setting: str, value: object, accepted: str, *, source: str | None = None):
        self.setting = setting
        self.value = value
        self.accepted = accepted
        self.source = source
        where = f" (from {source})" if source else ""
        super().__init__(f"invalid {setting}{where}: {value!r}; accepted: {accepted}")
