"""``configure_automagik()``: one call from consent to running pipeline.

With consent off nothing is installed — no provider, no thread, no socket — and nothing of the
engine is even imported: this module, the configuration and the consent decision load the
standard library only, so a host program whose user never agreed pays a few milliseconds for
asking. With consent on, the engine is imported, the providers are built, registered globally
and shut down at interpreter exit within ``shutdown_timeout``.
"""

from __future__ import annotations

import atexit
import threading
from typing import TYPE_CHECKING

from .config import TelemetryConfig
from .config.settings import DURATION_LIMITS
from .config.values import clamp_seconds
from .consent.decision import REFUSALS, ConsentDecision, decide_consent
from .consent.runtime import ConsentState, set_process_consent
from .consent.store import ConsentStore
from .diagnostics import internal_log

if TYPE_CHECKING:
    from .engine.logcapture import LogCapture
    from .engine.pipeline import Pipeline
    from .engine.recorder import Recorder
    from .engine.shutdown import ExitFlusher, Runner
    from .status import TelemetryStatus

__all__ = ["TelemetryHandle", "configure_automagik", "current_handle"]

_lock = threading.Lock()
_handle: TelemetryHandle | None = None


class TelemetryHandle:
    """What ``configure_automagik()`` returns: status, flush and shutdown of the pipeline."""

    def __init__(
        self,
        config: TelemetryConfig,
        consent: ConsentState,
        pipeline: Pipeline | None,
        log_capture: LogCapture | None = None,
    ) -> None:
        self.config = config
        self.consent = consent
        self.pipeline = pipeline
        self.log_capture = log_capture
        """The stdlib ``logging`` handler, when ``capture_logging`` is on and consent too."""
        self._shut_down = False
        self.recorder: Recorder | None = None
        """What ``track_*`` record through (built on their first call with consent on)."""
        self.invalid_calls: dict[str, int] = {}
        """``track_*`` calls dropped for bad arguments, per call name."""
        self._at_exit: ExitFlusher | None = None
        if pipeline is not None:
            from .engine.shutdown import ExitFlusher

            self._at_exit = ExitFlusher()

    @property
    def decision(self) -> ConsentDecision:
        """The consent decision in force now (it can only get stricter while running)."""
        return self.consent.decision

    @property
    def enabled(self) -> bool:
        return self.pipeline is not None and not self._shut_down and self.consent.enabled

    def status(self) -> TelemetryStatus:
        from .status import build_status

        self.consent.refresh()
        current = self.consent.decision
        if self.pipeline is None or self._shut_down:
            current = ConsentDecision.off(
                current.reason if not current.enabled else "telemetry was shut down",
                current.rule if not current.enabled else "shut_down",
            )
        dropped: dict[str, int] = {}
        health: dict[str, tuple[str | None, dict[str, dict[str, int]]]] = {}
        for stage in self.pipeline.stages if self.pipeline is not None else ():
            for signal, count in stage.dropped.items():
                dropped[signal] = dropped.get(signal, 0) + count
            if stage.spool is not None:
                store = stage.spool.store
                health[store.directory.name] = (store.problem, store.unsaved_drops)
        unencodable: dict[str, int] = {}
        if self.pipeline is not None:  # the engine is loaded: reading its counts costs nothing
            from .encoding import counts

            unencodable = {"items": counts.items, "attributes": counts.attributes}
        return build_status(
            self.config,
            current,
            next_start=decide_consent(self.config),
            running=self.enabled,
            queue_dropped=dropped,
            invalid_calls=self.invalid_calls,
            unencodable=unencodable,
            spool_health=health,
        )

    def force_flush(self, timeout: float | None = None) -> bool:
        """Export what is queued; waits at most ``timeout`` seconds (default
        ``shutdown_timeout``). Returns whether everything was exported in time."""
        if self.pipeline is None or self._shut_down:
            return True
        return self.pipeline.force_flush(self._timeout(timeout))

    def shutdown(self, timeout: float | None = None) -> bool:
        """Flush and stop; bounded by ``timeout`` seconds even if the backend hangs."""
        return self._shutdown(timeout, None)

    def _shutdown_at_exit(self) -> None:
        self._shutdown(None, self._at_exit, at_exit=True)

    def _shutdown(
        self, timeout: float | None, run: Runner | None, *, at_exit: bool = False
    ) -> bool:
        if self.pipeline is None or self._shut_down:
            return True
        from .engine.logcapture import detach_foreign_handlers
        from .engine.shutdown import run_bounded

        self._shut_down = True
        if self.log_capture is not None:
            self.log_capture.uninstall()
        detach_foreign_handlers(self.pipeline.logger_provider)
        return self.pipeline.shutdown(self._timeout(timeout), run or run_bounded, at_exit=at_exit)

    def _timeout(self, timeout: float | None) -> float:
        """The caller's wait, never one that raises: bounded like ``shutdown_timeout``."""
        limit = DURATION_LIMITS["shutdown_timeout"]
        return clamp_seconds(timeout, self.config.shutdown_timeout, limit)


def configure_automagik(
    config: TelemetryConfig | None = None, /, **settings: object
) -> TelemetryHandle:
    """Set up consent-aware, privacy-respecting OpenTelemetry for this process.

    ``settings`` are the fields of :class:`TelemetryConfig` (``service_name``,
    ``service_version``, ``enabled``, ``backend``, ``endpoint``, ...). They win over the
    environment, which wins over defaults. Raises :class:`ConfigurationError` for bad values;
    never raises afterwards. A second call returns the first handle: providers are global and
    installed once per process.
    """
    global _handle
    with _lock:
        if _handle is not None:
            internal_log.warning(
                "configure.twice",
                "configure_automagik() was already called; keeping the first configuration",
            )
            return _handle
        if config is None:
            resolved = TelemetryConfig.resolve(**settings)
        else:
            resolved = config.with_overrides(**settings) if settings else config
        consent = ConsentState(resolved)
        set_process_consent(consent)
        pipeline = None
        capture = None
        if consent.initial.enabled:
            pipeline, capture = _start_engine(resolved, consent)
        elif consent.initial.rule in REFUSALS:
            # Spooled data of a user who said no is deleted, never sent (no thread needed).
            from .spool.layout import purge_spools

            purge_spools(resolved.spool_dir, resolved.service_name, "consent_revoked")
        _handle = TelemetryHandle(resolved, consent, pipeline, capture)
        if pipeline is not None:
            atexit.register(_handle._shutdown_at_exit)
            from .engine.forking import at_multiprocessing_child_exit

            at_multiprocessing_child_exit(_handle._shutdown_at_exit)
        return _handle


def current_handle() -> TelemetryHandle | None:
    """The handle of this process's ``configure_automagik()`` call, if any."""
    return _handle


def _start_engine(
    config: TelemetryConfig, consent: ConsentState
) -> tuple[Pipeline, LogCapture | None]:
    """Import the engine (only now: consent is on), build the pipeline and install it."""
    from .engine.logcapture import install_log_capture
    from .engine.pipeline import build_pipeline
    from .engine.resource import build_resource

    install_id = ConsentStore(config.config_dir).install_id(create=True)
    pipeline = build_pipeline(config, consent, build_resource(config, install_id))
    _install_globals(pipeline)
    capture = None
    if config.capture_logging:
        capture = install_log_capture(pipeline.logger_provider, consent, config.log_threshold)
    return pipeline, capture


def _install_globals(pipeline: Pipeline) -> None:
    from opentelemetry import _logs, metrics, trace

    trace.set_tracer_provider(pipeline.tracer_provider)
    _logs.set_logger_provider(pipeline.logger_provider)
    if pipeline.meter_provider is not None:
        metrics.set_meter_provider(pipeline.meter_provider)
    if trace.get_tracer_provider() is not pipeline.tracer_provider:
        internal_log.warning(
            "configure.foreign_provider",
            "another TracerProvider was installed before configure_automagik(); spans created "
            "through the global API will not reach automagik-telemetry",
        )
