"""The seed SDK's control calls: ``enable()``, ``disable()``, ``is_enabled()``, ``get_status()``,
``flush()``, for tools that offer a telemetry switch of their own.

They keep the consent promise of the rest of the package:

* ``disable()`` flushes what was recorded while the user agreed, then records the opt-out (the
  stored choice and the opt-out file, like ``automagik-telemetry opt-out``: every Automagik tool
  honours it) and switches telemetry off in this process at once.
* ``enable()`` records the opt-in. Like ``automagik-telemetry opt-in`` it applies at the next
  start of a program: a running program never widens what it sends. Called before
  ``configure_automagik()`` (e.g. from a setup wizard), that next start is the same run.
  Call it only when the user asked for it: it replaces an earlier opt-out.

None of them raises: a choice that cannot be stored is logged and still applies in-process.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .config import TelemetryConfig
from .config.level import ConsentLevel, parse_consent
from .configure import current_handle
from .consent.decision import ConsentDecision, decide_consent
from .consent.runtime import process_consent
from .consent.store import ConsentStore
from .diagnostics import internal_log
from .errors import ConfigurationError

if TYPE_CHECKING:
    from .status import TelemetryStatus

__all__ = ["disable", "enable", "flush", "flush_async", "get_status", "is_enabled"]


def _config() -> TelemetryConfig:
    """The running configuration, or the environment's (defaults if the environment is bad:
    these calls must work even where ``configure_automagik()`` would refuse to start)."""
    handle = current_handle()
    if handle is not None:
        return handle.config
    try:
        return TelemetryConfig.resolve()
    except ConfigurationError as error:
        internal_log.warning("control.config", "ignoring the environment: %s", error)
        return TelemetryConfig()


def is_enabled() -> bool:
    """Whether this process sends telemetry right now."""
    handle = current_handle()
    return handle is not None and handle.enabled


def get_status() -> TelemetryStatus:
    """On or off, why, where data goes (``status`` of the command line, for this process)."""
    handle = current_handle()
    if handle is not None:
        return handle.status()
    config = _config()
    next_start = decide_consent(config)
    current = ConsentDecision.off(
        "configure_automagik() has not been called in this process", "not_configured"
    )
    from .status import build_status

    return build_status(config, current, next_start=next_start, running=False)


def flush(timeout: float | None = None) -> bool:
    """Export what is queued, waiting at most ``timeout`` seconds (default
    ``shutdown_timeout``); ``True`` when everything went out (or there was nothing to send)."""
    handle = current_handle()
    return True if handle is None else handle.force_flush(timeout)


async def flush_async(timeout: float | None = None) -> bool:
    """``flush`` for coroutines: the wait happens on a worker thread, not the event loop."""
    import asyncio  # a caller that awaits this has asyncio loaded already: nothing to pay

    return await asyncio.to_thread(flush, timeout)


def disable() -> None:
    """Flush, then opt out: stored for every Automagik tool and applied in this process now."""
    handle = current_handle()
    if handle is not None:
        handle.force_flush()
    config = _config()
    try:
        ConsentStore(config.config_dir).write_preference(
            ConsentLevel.OFF, via=f"disable() in {config.service_name}"
        )
    except OSError as error:
        internal_log.error(
            "control.disable", "could not store the opt-out (%s); off for this run only", error
        )
    reason = "disabled by the application (disable())"
    if handle is not None:
        handle.consent.revoke(reason)
    try:
        process_consent().revoke(reason)  # components wired by hand share this state
    except ConfigurationError as error:
        internal_log.warning("control.config", "ignoring the environment: %s", error)


def enable(level: ConsentLevel | str = ConsentLevel.ALL) -> None:
    """Record the user's opt-in (``all`` or ``errors``); it applies at the next start.

    ``get_status().pending`` says when a running process waits for a restart. Refusals that
    are not a stored choice (``DO_NOT_TRACK``, ``AUTOMAGIK_TELEMETRY_ENABLED=false``) still win.
    """
    try:
        chosen = parse_consent(level, "level")
    except ConfigurationError as error:
        internal_log.error("control.enable", "enable(): %s; nothing recorded", error)
        return
    if chosen is ConsentLevel.OFF:
        disable()
        return
    config = _config()
    try:
        ConsentStore(config.config_dir).write_preference(
            chosen, via=f"enable() in {config.service_name}"
        )
    except OSError as error:
        internal_log.error("control.enable", "could not store the opt-in (%s)", error)
