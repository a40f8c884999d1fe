"""What the convenience calls do once telemetry is on: log records and metric instruments.

``events.py`` is the light front of ``track_event`` / ``track_error`` / ``track_metric``: with
consent off it returns after two attribute reads and never imports this module (nor the OTel
logs API it needs). With a running pipeline it validates the arguments and hands them here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from opentelemetry import trace
from opentelemetry._logs import Logger, SeverityNumber

from .._version import __version__
from ..config.level import ConsentLevel
from ..configure import TelemetryHandle
from ..diagnostics import internal_log
from ..events import METRIC_KINDS, StandardEvents
from .logcapture import exception_attributes

__all__ = ["SCOPE_NAME", "Recorder"]

SCOPE_NAME = "automagik-telemetry"
"""Instrumentation scope of what these calls emit (not a logger name of this package: records
of those are kept out of telemetry, see ``logcapture``)."""


Record = Callable[[float, Mapping[str, Any] | None], None]


class Recorder:
    """What the calls need from one running pipeline: a logger and the metric instruments."""

    def __init__(self, handle: TelemetryHandle) -> None:
        assert handle.pipeline is not None
        self.handle = handle
        self.consent = handle.consent
        self.logger: Logger = handle.pipeline.logger_provider.get_logger(SCOPE_NAME, __version__)
        meter_provider = handle.pipeline.meter_provider
        self.meter = (
            None if meter_provider is None else meter_provider.get_meter(SCOPE_NAME, __version__)
        )
        self.instruments: dict[str, tuple[str, Record]] = {}
        self._lock = threading.Lock()

    def level(self) -> ConsentLevel:
        """The live level: ``off`` once shut down or opted out (``disable()`` included)."""
        return ConsentLevel.OFF if self.handle._shut_down else self.consent.level

    def event(self, name: str, attributes: Mapping[str, Any] | None) -> None:
        if self.level() is not ConsentLevel.ALL:
            return
        self.logger.emit(
            timestamp=time.time_ns(),
            event_name=name,
            severity_number=SeverityNumber.INFO,
            severity_text="INFO",
            attributes=attributes,
        )

    def error(self, error: object, extra: Mapping[str, Any] | None) -> None:
        if self.level() is ConsentLevel.OFF:
            return
        if isinstance(error, BaseException):
            details = exception_attributes(error)
        else:  # the seed accepted anything; keep the call harmless
            details = {"exception.type": type(error).__name__, "exception.message": str(error)}
        span = trace.get_current_span()
        if span.is_recording() and isinstance(error, BaseException):
            span.record_exception(error, attributes=extra)
        self.logger.emit(
            timestamp=time.time_ns(),
            event_name=StandardEvents.ERROR_OCCURRED,
            severity_number=SeverityNumber.ERROR,
            severity_text="ERROR",
            body=f"{details['exception.type']}: {details['exception.message']}",
            attributes={**(extra or {}), **details},
        )

    def metric(
        self, name: str, value: float, kind: str, attributes: Mapping[str, Any] | None
    ) -> None:
        if self.meter is None or self.level() is not ConsentLevel.ALL:
            return
        known = self.instruments.get(name)
        record = known[1] if known is not None and known[0] == kind else None
        if record is None:
            record = self.instrument(name, kind)
            if record is None:
                return
        record(value, attributes)

    def instrument(self, name: str, kind: str) -> Record | None:
        with self._lock:
            known = self.instruments.get(name)
            if known is None:
                if kind not in METRIC_KINDS:
                    internal_log.error(
                        f"track_metric.kind:{kind}",
                        "track_metric(%r): unknown kind %r (use one of %s); value dropped",
                        name,
                        kind,
                        ", ".join(METRIC_KINDS),
                    )
                    return None
                known = self.instruments[name] = (kind, self._create(name, kind))
        if known[0] != kind:
            internal_log.error(
                f"track_metric.conflict:{name}:{kind}",
                "track_metric(%r): this name is a %s, not a %s; a metric name keeps the kind "
                "it was first recorded with (value dropped)",
                name,
                known[0],
                kind,
            )
            return None
        return known[1]

    def _create(self, name: str, kind: str) -> Record:
        assert self.meter is not None
        if kind == "counter":
            return self.meter.create_counter(name).add
        if kind == "gauge":
            return self.meter.create_gauge(name).set
        if kind == "histogram":
            return self.meter.create_histogram(name).record
        return self.meter.create_up_down_counter(name).add
