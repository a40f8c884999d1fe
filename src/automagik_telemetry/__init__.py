"""Automagik Telemetry: privacy-first OpenTelemetry for open-source tools.

One line turns it on — and nothing is recorded or sent until the user has agreed::

    from automagik_telemetry import configure_automagik
    configure_automagik(service_name="automagik-forge", service_version="1.4.0")

Then use the standard OpenTelemetry APIs (``trace.get_tracer``, ``metrics.get_meter``,
``logging``) or the seed SDK's calls: ``track_event``, ``track_error``, ``track_metric``.
``logging``). Personal data and secrets are scrubbed before anything is exported; the
processors (``PrivacySpanProcessor``, ...) also work in providers you build yourself.
"""

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .config import TelemetryConfig
from .configure import TelemetryHandle, configure_automagik, current_handle
from .consent import (
    ConsentDecision,
    ConsentLevel,
    ConsentState,
    decide_consent,
    first_run_notice,
)
from .control import disable, enable, flush, flush_async, get_status, is_enabled
from .engine.sampling import ConsentSampler
from .errors import ConfigurationError
from .events import (
    METRIC_KINDS,
    MetricKind,
    StandardEvents,
    track_error,
    track_error_async,
    track_event,
    track_event_async,
    track_metric,
    track_metric_async,
)
from .privacy import (
    PiiRedactingLogRecordProcessor,
    PiiRedactingMetricExporter,
    PrivacySpanProcessor,
    Redactor,
    ScrubbingOptions,
    ScrubMatch,
)
from .status import TelemetryStatus

if TYPE_CHECKING:
    from .exporters.clickhouse import (
        ClickHouseLogExporter,
        ClickHouseMetricExporter,
        ClickHouseSpanExporter,
    )

_LAZY = {
    "ClickHouseLogExporter": "automagik_telemetry.exporters.clickhouse",
    "ClickHouseMetricExporter": "automagik_telemetry.exporters.clickhouse",
    "ClickHouseSpanExporter": "automagik_telemetry.exporters.clickhouse",
}


def __getattr__(name: str) -> Any:
    """The ClickHouse exporters, imported on first access (they pull in the Native encoder)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "METRIC_KINDS",
    "ClickHouseLogExporter",
    "ClickHouseMetricExporter",
    "ClickHouseSpanExporter",
    "ConfigurationError",
    "ConsentDecision",
    "ConsentLevel",
    "ConsentSampler",
    "ConsentState",
    "MetricKind",
    "PiiRedactingLogRecordProcessor",
    "PiiRedactingMetricExporter",
    "PrivacySpanProcessor",
    "Redactor",
    "ScrubMatch",
    "ScrubbingOptions",
    "StandardEvents",
    "TelemetryConfig",
    "TelemetryHandle",
    "TelemetryStatus",
    "__version__",
    "configure_automagik",
    "current_handle",
    "decide_consent",
    "disable",
    "enable",
    "first_run_notice",
    "flush",
    "flush_async",
    "get_status",
    "is_enabled",
    "track_error",
    "track_error_async",
    "track_event",
    "track_event_async",
    "track_metric",
    "track_metric_async",
]
