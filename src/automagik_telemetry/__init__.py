"""Automagik Telemetry: privacy-first OpenTelemetry for open-source tools.

One line turns it on — and nothing is recorded or sent until the user has agreed::

    from automagik_telemetry import configure_automagik
    configure_automagik(service_name="automagik-forge", service_version="1.4.0")

Then use the standard OpenTelemetry APIs (``trace.get_tracer``, ``metrics.get_meter``,
``logging``) or the seed SDK's calls: ``track_event``, ``track_error``, ``track_metric``.
Personal data and secrets are scrubbed before anything is exported; the processors
(``PrivacySpanProcessor``, ...) also work in providers you build yourself.

Importing this package is cheap: ``configure_automagik`` and the ``track_*`` calls load the
standard library only; every other name is imported on first use, and those that need the
OpenTelemetry SDK (the privacy processors, the sampler, the ClickHouse exporters) bring the
engine with them. A program whose user never agreed to telemetry loads no part of the engine.
"""

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .config import TelemetryConfig
from .configure import TelemetryHandle, configure_automagik, current_handle
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

if TYPE_CHECKING:
    from .config.scrubbing import ScrubbingOptions, ScrubMatch
    from .consent import (
        ConsentDecision,
        ConsentLevel,
        ConsentState,
        decide_consent,
        first_run_notice,
    )
    from .control import disable, enable, flush, flush_async, get_status, is_enabled
    from .engine.sampling import ConsentSampler
    from .exporters.clickhouse import (
        ClickHouseLogExporter,
        ClickHouseMetricExporter,
        ClickHouseSpanExporter,
    )
    from .privacy import (
        PiiRedactingLogRecordProcessor,
        PiiRedactingMetricExporter,
        PrivacySpanProcessor,
        Redactor,
    )
    from .status import TelemetryStatus

_LAZY = {
    # the light front, loaded when first used (most programs never call them)
    "ConsentDecision": "automagik_telemetry.consent",
    "ConsentLevel": "automagik_telemetry.consent",
    "ConsentState": "automagik_telemetry.consent",
    "decide_consent": "automagik_telemetry.consent",
    "first_run_notice": "automagik_telemetry.consent",
    "disable": "automagik_telemetry.control",
    "enable": "automagik_telemetry.control",
    "flush": "automagik_telemetry.control",
    "flush_async": "automagik_telemetry.control",
    "get_status": "automagik_telemetry.control",
    "is_enabled": "automagik_telemetry.control",
    "ScrubbingOptions": "automagik_telemetry.config.scrubbing",
    "ScrubMatch": "automagik_telemetry.config.scrubbing",
    "TelemetryStatus": "automagik_telemetry.status",
    # the engine: these need the OpenTelemetry SDK
    "ClickHouseLogExporter": "automagik_telemetry.exporters.clickhouse",
    "ClickHouseMetricExporter": "automagik_telemetry.exporters.clickhouse",
    "ClickHouseSpanExporter": "automagik_telemetry.exporters.clickhouse",
    "ConsentSampler": "automagik_telemetry.engine.sampling",
    "PiiRedactingLogRecordProcessor": "automagik_telemetry.privacy",
    "PiiRedactingMetricExporter": "automagik_telemetry.privacy",
    "PrivacySpanProcessor": "automagik_telemetry.privacy",
    "Redactor": "automagik_telemetry.privacy",
}


def __getattr__(name: str) -> Any:
    """Names most programs never use, imported on first access (PEP 562)."""
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value  # later look-ups are plain attribute reads
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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
