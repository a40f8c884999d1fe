"""Automagik Telemetry: privacy-first OpenTelemetry for open-source tools.

One line turns it on — and nothing is recorded or sent until the user has agreed::

    from automagik_telemetry import configure_automagik
    configure_automagik(service_name="automagik-forge", service_version="1.4.0")

Then use the standard OpenTelemetry APIs (``trace.get_tracer``, ``metrics.get_meter``,
``logging``).
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
from .errors import ConfigurationError
from .sampling import ConsentSampler
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
    "ClickHouseLogExporter",
    "ClickHouseMetricExporter",
    "ClickHouseSpanExporter",
    "ConfigurationError",
    "ConsentDecision",
    "ConsentLevel",
    "ConsentSampler",
    "ConsentState",
    "TelemetryConfig",
    "TelemetryHandle",
    "TelemetryStatus",
    "__version__",
    "configure_automagik",
    "current_handle",
    "decide_consent",
    "first_run_notice",
]
