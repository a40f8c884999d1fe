"""The live consent level of a running process.

Opting out while an app runs must take effect within about a second, without a restart and
without a ``stat`` per span: the level is cached and re-decided at most once per
``refresh_interval`` by whichever thread asks first (others keep the cached value). Consent can
only shrink at run time — opting *in* takes effect at the next start, as ``status`` explains.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from ..config.level import ConsentLevel
from .decision import ConsentDecision, decide_consent
from .store import ConsentStore

if TYPE_CHECKING:
    from ..config import TelemetryConfig

__all__ = ["ConsentState", "config_from_environment", "process_consent", "set_process_consent"]

_logger = logging.getLogger(__name__)
Listener = Callable[[ConsentDecision], None]


class ConsentState:
    """The level decided at start-up, lowered when the user opts out while we run."""

    def __init__(
        self,
        config: TelemetryConfig,
        *,
        environ: Mapping[str, str] | None = None,
        refresh_interval: float = 1.0,
        decision: ConsentDecision | None = None,
        store: ConsentStore | None = None,
    ) -> None:
        self._config = config
        self._environ = environ
        self._store = store if store is not None else ConsentStore(config.config_dir)
        self._interval = refresh_interval
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self.initial = decision if decision is not None else self._decide()
        self.decision = self.initial
        self._level = self.initial.level
        self._marker = self._store.change_marker()
        self._next_check = time.monotonic() + refresh_interval

    @property
    def level(self) -> ConsentLevel:
        """The current level: one clock read per call, a re-check once per interval."""
        if time.monotonic() >= self._next_check and self._level is not ConsentLevel.OFF:
            self.refresh()
        return self._level

    @property
    def enabled(self) -> bool:
        return self.level is not ConsentLevel.OFF

    def refresh(self) -> None:
        """Re-decide now if the consent files changed (two ``stat`` calls otherwise)."""
        if not self._lock.acquire(blocking=False):
            return  # another thread is refreshing; the cached level is still valid
        try:
            self._next_check = time.monotonic() + self._interval
            marker = self._store.change_marker()
            if marker != self._marker:
                self._marker = marker
                self._apply(self._decide())
        finally:
            self._lock.release()

    def revoke(self, reason: str) -> None:
        """Turn telemetry off in this process now (e.g. the app called ``disable()``)."""
        self._apply(ConsentDecision.off(reason, "revoked"))

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener`` whenever the level goes down (e.g. to delete spooled data)."""
        self._listeners.append(listener)

    def _decide(self) -> ConsentDecision:
        return decide_consent(self._config, self._environ, self._store)

    def _apply(self, fresh: ConsentDecision) -> None:
        level = self._level.at_most(fresh.level)
        if level is self._level:
            return
        # Consent only shrinks at run time: a change always means ``fresh`` is the stricter one.
        self._level = level
        self.decision = fresh
        _logger.info("telemetry consent changed to %s: %s", level.value, fresh.reason)
        for listener in list(self._listeners):
            try:
                listener(self.decision)
            except Exception:
                _logger.exception("consent listener failed")


_process_state: ConsentState | None = None
_process_lock = threading.Lock()


def process_consent() -> ConsentState:
    """This process's consent: the state ``configure_automagik()`` built or, for components
    a user wires into their own providers, one decided from the environment on first use."""
    global _process_state
    with _process_lock:
        if _process_state is None:
            _process_state = ConsentState(config_from_environment())
        return _process_state


def set_process_consent(state: ConsentState | None) -> None:
    """Make ``state`` the process-wide consent (``configure_automagik()`` does this)."""
    global _process_state
    with _process_lock:
        _process_state = state


def config_from_environment(environ: Mapping[str, str] | None = None) -> TelemetryConfig:
    """``TelemetryConfig.resolve(environ)``, imported on use: the config module needs the
    consent package (consent levels; the privacy options keep their key next to the consent
    file), so the consent package may not import it while loading."""
    from ..config import TelemetryConfig

    return TelemetryConfig.resolve(environ)
