"""The seed SDK's convenience calls, on top of the OTel logs and metrics of this process.

``track_event`` emits a log record with an event name (``EventName`` in ClickHouse, ``event_name``
in OTLP); ``track_error`` records the exception on the current span and emits an error log
record with ``exception.*`` attributes; ``track_metric`` records on a counter, gauge, histogram
or up-down counter created once per name.

Every call goes through the pipeline ``configure_automagik()`` built (not the global providers,
which someone else may own). When there is none — consent off, or ``configure_automagik()`` not
called yet — the first two attribute reads return and the call costs about as much as an empty
function. Nothing here raises into the app: problems are logged through ``internal_log``
(rate-limited) and the measurement is dropped.

**Reusing a metric name with another kind** is a programming error, but one that must not crash
a program in the hands of users: the first kind wins, the conflicting call is dropped and an
error naming both kinds is logged once per name and kind. Conflicts are only seen where metrics
are recorded, i.e. with consent on: run with ``AUTOMAGIK_TELEMETRY_ENABLED=1
AUTOMAGIK_TELEMETRY_VERBOSE=1`` while developing to see them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Literal, cast

from opentelemetry import trace
from opentelemetry._logs import Logger, SeverityNumber

from . import configure as _configure
from ._version import __version__
from .config.level import ConsentLevel
from .configure import TelemetryHandle
from .diagnostics import internal_log
from .engine.logcapture import clean_value, exception_attributes

__all__ = [
    "METRIC_KINDS",
    "SCOPE_NAME",
    "MetricKind",
    "StandardEvents",
    "track_error",
    "track_error_async",
    "track_event",
    "track_event_async",
    "track_metric",
    "track_metric_async",
]

SCOPE_NAME = "automagik-telemetry"
"""Instrumentation scope of what these calls emit (not a logger name of this package: records
of those are kept out of telemetry, see ``logcapture``)."""

MetricKind = Literal["counter", "gauge", "histogram", "updown_counter"]
METRIC_KINDS: tuple[str, ...] = ("counter", "gauge", "histogram", "updown_counter")


class StandardEvents:
    """Event names shared by every Automagik tool (the seed SDKs' ``StandardEvents``)."""

    FEATURE_USED = "automagik.feature.used"
    """Attributes: feature_name, feature_category."""
    COMMAND_EXECUTED = "automagik.cli.command"
    """Attributes: command, subcommand."""
    API_REQUEST = "automagik.api.request"
    """Attributes: endpoint, method, status."""
    OPERATION_LATENCY = "automagik.performance.latency"
    """Attributes: operation_type, duration_ms."""
    ERROR_OCCURRED = "automagik.error"
    """Attributes: error_code, error_category, severity (``track_error`` uses this name)."""
    SERVICE_HEALTH = "automagik.health"
    """Attributes: service_name, status."""


Record = Callable[[float, Mapping[str, Any] | None], None]


class _Recorder:
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


_recorder: _Recorder | None = None
_recorder_lock = threading.Lock()


def _recorder_for(handle: TelemetryHandle) -> _Recorder:
    """The recorder of ``handle`` (one per configured pipeline, built on first use)."""
    recorder = _recorder
    if recorder is not None and recorder.handle is handle:
        return recorder
    return _bind(handle)


def _bind(handle: TelemetryHandle) -> _Recorder:
    global _recorder
    with _recorder_lock:
        if _recorder is None or _recorder.handle is not handle:
            _recorder = _Recorder(handle)
        return _recorder


_PLAIN = frozenset({str, int, float, bool})


def _clean(attributes: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    """Attributes the SDK takes without a warning per call; the common all-primitive mapping
    is passed on as it is (the SDK copies it), so the usual call pays no copy."""
    if not attributes:
        return None
    for value in attributes.values():
        if type(value) not in _PLAIN:
            break
    else:
        return attributes
    return {str(key): clean_value(value) for key, value in attributes.items() if value is not None}


def track_event(name: str, attributes: Mapping[str, Any] | None = None) -> None:
    """Record that something happened: a log record with ``event_name=name`` (use the
    ``StandardEvents`` names where one fits). Usage data: sent only at consent level ``all``."""
    handle = _configure._handle
    if handle is None or handle.pipeline is None:
        return
    try:
        recorder = _recorder_for(handle)
        if recorder.level() is not ConsentLevel.ALL:
            return
        recorder.logger.emit(
            timestamp=time.time_ns(),
            event_name=name,
            severity_number=SeverityNumber.INFO,
            severity_text="INFO",
            attributes=_clean(attributes),
        )
    except Exception:
        internal_log.error("track_event", "track_event(%r) failed", name, exc_info=True)


def track_error(error: BaseException, context: Mapping[str, Any] | None = None) -> None:
    """Report an error: the exception becomes an event of the current span (when one is
    recording) and an ERROR log record named ``automagik.error`` with ``exception.type``,
    ``exception.message``, ``exception.stacktrace`` and the ``context`` attributes. The span's
    status is left to the app: a handled error is not necessarily a failed operation."""
    handle = _configure._handle
    if handle is None or handle.pipeline is None:
        return
    try:
        recorder = _recorder_for(handle)
        if recorder.level() is ConsentLevel.OFF:
            return
        extra = _clean(context)
        if isinstance(error, BaseException):
            details = exception_attributes(error)
        else:  # the seed accepted anything; keep the call harmless
            details = {"exception.type": type(error).__name__, "exception.message": str(error)}
        span = trace.get_current_span()
        if span.is_recording() and isinstance(error, BaseException):
            span.record_exception(error, attributes=extra)
        recorder.logger.emit(
            timestamp=time.time_ns(),
            event_name=StandardEvents.ERROR_OCCURRED,
            severity_number=SeverityNumber.ERROR,
            severity_text="ERROR",
            body=f"{details['exception.type']}: {details['exception.message']}",
            attributes={**(extra or {}), **details},
        )
    except Exception:
        internal_log.error("track_error", "track_error() failed", exc_info=True)


def track_metric(
    name: str,
    value: float,
    kind: MetricKind = "counter",
    attributes: Mapping[str, Any] | None = None,
) -> None:
    """Record ``value`` on the metric ``name``: ``counter`` adds (value >= 0), ``updown_counter``
    adds (any sign), ``gauge`` sets the current value, ``histogram`` records a distribution
    sample. The instrument is created on first use; see the module docstring for what happens
    when a name is reused with another kind. Usage data: sent only at consent level ``all``."""
    handle = _configure._handle
    if handle is None or handle.pipeline is None:
        return
    try:
        recorder = _recorder_for(handle)
        if recorder.meter is None or recorder.level() is not ConsentLevel.ALL:
            return
        known = recorder.instruments.get(name)
        record = known[1] if known is not None and known[0] == kind else None
        if record is None:
            record = recorder.instrument(name, kind)
            if record is None:
                return
        if not _valid_value(name, value, kind):
            return
        record(value, _clean(attributes))
    except Exception:
        internal_log.error("track_metric", "track_metric(%r) failed", name, exc_info=True)


def _valid_value(name: str, value: object, kind: str) -> bool:
    number = type(value)
    if (
        number is not int
        and number is not float
        and (number is bool or not isinstance(value, (int, float)))
    ):
        internal_log.error(
            f"track_metric.value:{name}",
            "track_metric(%r): value must be a number, got %s (dropped)",
            name,
            type(value).__name__,
        )
        return False
    if kind == "counter" and cast(float, value) < 0:
        internal_log.error(
            f"track_metric.negative:{name}",
            'track_metric(%r): a counter only goes up, got %r (dropped; use kind="updown_counter")',
            name,
            value,
        )
        return False
    return True


# -- async variants ------------------------------------------------------------------------
# Recording only appends to an in-memory queue or aggregation; export happens on the SDK's
# background threads. So the async variants record inline: a hop to a worker thread would cost
# tens of microseconds and could only add latency, never remove blocking.


async def track_event_async(name: str, attributes: Mapping[str, Any] | None = None) -> None:
    """``track_event`` for coroutines; never blocks the event loop."""
    track_event(name, attributes)


async def track_error_async(error: BaseException, context: Mapping[str, Any] | None = None) -> None:
    """``track_error`` for coroutines; never blocks the event loop."""
    track_error(error, context)


async def track_metric_async(
    name: str,
    value: float,
    kind: MetricKind = "counter",
    attributes: Mapping[str, Any] | None = None,
) -> None:
    """``track_metric`` for coroutines; never blocks the event loop."""
    track_metric(name, value, kind, attributes)
