"""The seed SDK's convenience calls, on top of the OTel logs and metrics of this process.

``track_event`` emits a log record with an event name (``EventName`` in ClickHouse, ``event_name``
in OTLP); ``track_error`` records the exception on the current span and emits an error log
record with ``exception.*`` attributes; ``track_metric`` records on a counter, gauge, histogram
or up-down counter created once per name.

Every call goes through the pipeline ``configure_automagik()`` built (not the global providers,
which someone else may own). When there is none — consent off, or ``configure_automagik()`` not
called yet — the first two attribute reads return and the call costs about as much as an empty
function, and nothing of the engine is imported. Nothing here raises into the app.

**Arguments are checked at the call**, with a running pipeline: an event or metric name that is
not a non-empty string, attributes that are not a mapping, a metric value that is not a finite
number or an integer beyond 64 bits are dropped, counted (``status``: ``invalid_calls``) and
logged through ``internal_log`` (rate-limited). Attribute values OTLP cannot carry become their
``str()``. One bad call never costs the rest of a batch its delivery.

**Reusing a metric name with another kind** is a programming error, but one that must not crash
a program in the hands of users: the first kind wins, the conflicting call is dropped and an
error naming both kinds is logged once per name and kind. Conflicts are only seen where metrics
are recorded, i.e. with consent on: run with ``AUTOMAGIK_TELEMETRY_ENABLED=1
AUTOMAGIK_TELEMETRY_VERBOSE=1`` while developing to see them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

from . import configure as _configure
from .attributes import clean_attributes, fits_int64
from .diagnostics import internal_log

if TYPE_CHECKING:
    from .configure import TelemetryHandle
    from .engine.recorder import Recorder

__all__ = [
    "METRIC_KINDS",
    "MetricKind",
    "StandardEvents",
    "track_error",
    "track_error_async",
    "track_event",
    "track_event_async",
    "track_metric",
    "track_metric_async",
]

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


def _recorder(handle: TelemetryHandle) -> Recorder:
    """The engine's recorder of ``handle``, built on first use (the engine is loaded: consent
    is on) and kept on the handle."""
    recorder = handle.recorder
    if recorder is None:
        from .engine.recorder import Recorder

        recorder = handle.recorder = Recorder(handle)
    return recorder


def _invalid(handle: TelemetryHandle, call: str, name: object, problem: str, *args: object) -> None:
    """Drop one call with bad arguments: counted in ``status``, logged at most once a minute
    per call, name and problem. Messages name the metric or event (the app's own constant),
    never an attribute value (it may be personal)."""
    handle.invalid_calls[call] = handle.invalid_calls.get(call, 0) + 1
    shown = repr(name) if type(name) is str else f"<{type(name).__name__}>"
    internal_log.error(
        f"{call}.invalid:{shown}:{problem}",
        f"%s(%s): {problem} (dropped)",
        call,
        shown,
        *args,
    )


def _attributes(
    handle: TelemetryHandle, call: str, name: object, attributes: object
) -> tuple[bool, Mapping[str, Any] | None]:
    if attributes is None:
        return True, None
    if type(attributes) is not dict and not isinstance(attributes, Mapping):
        _invalid(
            handle, call, name, "attributes must be a mapping, got %s", type(attributes).__name__
        )
        return False, None
    return True, clean_attributes(attributes)


def _name(handle: TelemetryHandle, call: str, name: object) -> bool:
    if type(name) is str and name:
        return True
    _invalid(handle, call, name, "the name must be a non-empty string")
    return False


def track_event(name: str, attributes: Mapping[str, Any] | None = None) -> None:
    """Record that something happened: a log record with ``event_name=name`` (use the
    ``StandardEvents`` names where one fits). Usage data: sent only at consent level ``all``."""
    handle = _configure._handle
    if handle is None or handle.pipeline is None:
        return
    try:
        if not _name(handle, "track_event", name):
            return
        ok, cleaned = _attributes(handle, "track_event", name, attributes)
        if ok:
            _recorder(handle).event(name, cleaned)
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
        ok, cleaned = _attributes(handle, "track_error", type(error).__name__, context)
        if ok:
            _recorder(handle).error(error, cleaned)
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
        if not _name(handle, "track_metric", name) or not _valid_value(handle, name, value, kind):
            return
        ok, cleaned = _attributes(handle, "track_metric", name, attributes)
        if ok:
            _recorder(handle).metric(name, value, kind, cleaned)
    except Exception:
        internal_log.error("track_metric", "track_metric(%r) failed", name, exc_info=True)


def _valid_value(handle: TelemetryHandle, name: str, value: object, kind: str) -> bool:
    number = type(value)
    if number is bool or not isinstance(value, (int, float)):
        _invalid(handle, "track_metric", name, "value must be a number, got %s", number.__name__)
        return False
    if isinstance(value, int) and not fits_int64(value):
        _invalid(handle, "track_metric", name, "an integer value must fit in 64 bits")
        return False
    if isinstance(value, float) and not math.isfinite(value):
        _invalid(handle, "track_metric", name, "value must be finite, got %s", value)
        return False
    if kind == "counter" and value < 0:
        _invalid(
            handle,
            "track_metric",
            name,
            'a counter only goes up, got %r (use kind="updown_counter")',
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
