"""``configure_automagik()``: one call from consent to running pipeline.

With consent off nothing is installed — no provider, no thread, no socket — and the OTel API
stays the no-op it is without an SDK, so instrumented code costs what it costs uninstrumented.
With consent on, the providers are built, registered globally and shut down at interpreter exit
within ``shutdown_timeout``.
"""

from __future__ import annotations

import atexit
import threading

from opentelemetry import _logs, metrics, trace

from .config import TelemetryConfig
from .consent.decision import REFUSALS, ConsentDecision, decide_consent
from .consent.runtime import ConsentState, set_process_consent
from .consent.store import ConsentStore
from .diagnostics import internal_log
from .engine.forking import at_multiprocessing_child_exit
from .engine.logcapture import LogCapture, detach_foreign_handlers, install_log_capture
from .engine.pipeline import Pipeline, build_pipeline
from .engine.resource import build_resource
from .engine.shutdown import ExitFlusher, Runner, run_bounded
from .spool.spool import purge_spools
from .status import TelemetryStatus, build_status

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
        self._at_exit = ExitFlusher() if pipeline is not None else None

    @property
    def decision(self) -> ConsentDecision:
        """The consent decision in force now (it can only get stricter while running)."""
        return self.consent.decision

    @property
    def enabled(self) -> bool:
        return self.pipeline is not None and not self._shut_down and self.consent.enabled

    def status(self) -> TelemetryStatus:
        self.consent.refresh()
        current = self.consent.decision
        if self.pipeline is None or self._shut_down:
            current = ConsentDecision.off(
                current.reason if not current.enabled else "telemetry was shut down",
                current.rule if not current.enabled else "shut_down",
            )
        dropped: dict[str, int] = {}
        health = {}
        for stage in self.pipeline.stages if self.pipeline is not None else ():
            for signal, count in stage.dropped.items():
                dropped[signal] = dropped.get(signal, 0) + count
            if stage.spool is not None:
                store = stage.spool.store
                health[store.directory.name] = (store.problem, store.unsaved_drops)
        return build_status(
            self.config,
            current,
            next_start=decide_consent(self.config),
            running=self.enabled,
            queue_dropped=dropped,
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
        return self._shutdown(timeout, run_bounded)

    def _shutdown_at_exit(self) -> None:
        self._shutdown(None, self._at_exit or run_bounded, at_exit=True)

    def _shutdown(self, timeout: float | None, run: Runner, *, at_exit: bool = False) -> bool:
        if self.pipeline is None or self._shut_down:
            return True
        self._shut_down = True
        if self.log_capture is not None:
            self.log_capture.uninstall()
        detach_foreign_handlers(self.pipeline.logger_provider)
        return self.pipeline.shutdown(self._timeout(timeout), run, at_exit=at_exit)

    def _timeout(self, timeout: float | None) -> float:
        return self.config.shutdown_timeout if timeout is None else max(0.0, timeout)


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
            install_id = ConsentStore(resolved.config_dir).install_id(create=True)
            pipeline = build_pipeline(resolved, consent, build_resource(resolved, install_id))
            _install_globals(pipeline)
            if resolved.capture_logging:
                capture = install_log_capture(
                    pipeline.logger_provider, consent, resolved.log_threshold
                )
        elif consent.initial.rule in REFUSALS:
            # Spooled data of a user who said no is deleted, never sent (no thread needed).
            purge_spools(resolved.spool_dir, resolved.service_name, "consent_revoked")
        _handle = TelemetryHandle(resolved, consent, pipeline, capture)
        if pipeline is not None:
            atexit.register(_handle._shutdown_at_exit)
            at_multiprocessing_child_exit(_handle._shutdown_at_exit)
        return _handle


def current_handle() -> TelemetryHandle | None:
    """The handle of this process's ``configure_automagik()`` call, if any."""
    return _handle


def _install_globals(pipeline: Pipeline) -> None:
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
