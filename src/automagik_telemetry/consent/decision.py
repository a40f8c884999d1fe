"""The consent decision: first matching rule wins, and every decision says why.

Precedence (see docs/PRIVACY.md, "Consent rules"): **a refusal by the user beats a permission
by the tool.** ``DO_NOT_TRACK``, ``OTEL_SDK_DISABLED`` and the opt-out file come first, so no
default baked into a tool can override them; then explicit refusals from code or environment and
a stored opt-out; then explicit permissions (capped by the user's stored level); then CI and
development detection; finally the user's stored opt-in. Nothing set means off.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..config.level import ConsentLevel, parse_consent
from ..errors import ConfigurationError
from .environment import detect_ci, detect_development
from .store import ConsentStore, StoredPreference

if TYPE_CHECKING:
    from ..config import TelemetryConfig

__all__ = ["REFUSALS", "ConsentDecision", "decide_consent"]

REFUSALS = frozenset(
    {"do_not_track", "otel_sdk_disabled", "opt_out_file", "explicit_off", "stored_off"}
)
"""Rules by which someone said no (rather than nobody having said yes yet)."""

_logger = logging.getLogger(__name__)
_ENABLED_VAR = "AUTOMAGIK_TELEMETRY_ENABLED"
_FALSE_LIKE = frozenset({"", "0", "false", "no", "off"})


@dataclass(frozen=True)
class ConsentDecision:
    """Whether telemetry may run, at which level, and a sentence saying why."""

    enabled: bool
    reason: str
    level: ConsentLevel = ConsentLevel.OFF
    rule: str = "no_consent"

    @classmethod
    def on(cls, level: ConsentLevel, reason: str, rule: str) -> ConsentDecision:
        return cls(level is not ConsentLevel.OFF, reason, level, rule)

    @classmethod
    def off(cls, reason: str, rule: str) -> ConsentDecision:
        return cls(False, reason, ConsentLevel.OFF, rule)


def decide_consent(
    config: TelemetryConfig,
    environ: Mapping[str, str] | None = None,
    store: ConsentStore | None = None,
) -> ConsentDecision:
    env = os.environ if environ is None else environ
    store = store if store is not None else ConsentStore(config.config_dir)

    if env.get("DO_NOT_TRACK", "").strip().lower() not in _FALSE_LIKE:
        return ConsentDecision.off("DO_NOT_TRACK is set in the environment", "do_not_track")
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return ConsentDecision.off("OTEL_SDK_DISABLED=true is set", "otel_sdk_disabled")
    opt_out = store.opt_out_reason()
    if opt_out is not None:
        return ConsentDecision.off(opt_out, "opt_out_file")

    explicit = _explicit_settings(config, env)
    for level, who in explicit:
        if level is ConsentLevel.OFF:
            return ConsentDecision.off(f"disabled by {who}", "explicit_off")
    stored = store.read_preference()
    if stored is not None and stored.level is ConsentLevel.OFF:
        return ConsentDecision.off(f"you opted out{_when(stored)}", "stored_off")

    if explicit:
        level, who = min(explicit, key=lambda item: item[0].rank)
        if stored is not None:
            level = level.at_most(stored.level)
        return ConsentDecision.on(level, f"enabled by {who}", "explicit_on")

    ci = detect_ci(env)
    if ci is not None:
        return ConsentDecision.off(f"CI environment detected ({ci} is set)", "ci")
    if detect_development(config.environment):
        where = config.sources.get("environment", "code").removeprefix("env:")
        return ConsentDecision.off(
            f"development/test environment ({where}={config.environment})", "development"
        )
    if stored is not None:
        return ConsentDecision.on(stored.level, f"you opted in{_when(stored)}", "stored_on")
    return ConsentDecision.off(
        "no consent recorded: telemetry stays off until you opt in (`automagik-telemetry opt-in`)",
        "no_consent",
    )


def _explicit_settings(
    config: TelemetryConfig, env: Mapping[str, str]
) -> list[tuple[ConsentLevel, str]]:
    """Explicit choices from code and from the environment; both count, the stricter wins."""
    found: list[tuple[ConsentLevel, str]] = []
    source = config.sources.get("enabled", "code")
    setting = config.consent_setting
    if setting is not None:
        who = (
            f"the application (enabled={setting.value})"
            if source == "code"
            else f"{_ENABLED_VAR}={env.get(_ENABLED_VAR, '').strip()}"
        )
        found.append((setting, who))
    raw = env.get(_ENABLED_VAR, "").strip()
    if source == "code" and raw:
        try:
            level = parse_consent(raw, "enabled", f"env:{_ENABLED_VAR}")
        except ConfigurationError as error:
            _logger.warning("ignoring %s", error)
        else:
            found.append((level, f"{_ENABLED_VAR}={raw}"))
    return found


def _when(stored: StoredPreference) -> str:
    parts = []
    if stored.decided_at:
        parts.append(f"on {stored.decided_at[:10]}")
    if stored.via:
        parts.append(f"via {stored.via}")
    return f" ({', '.join(parts)})" if parts else ""
