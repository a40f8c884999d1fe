"""Automagik Telemetry: privacy-first OpenTelemetry for open-source tools.

One line turns it on — and nothing is recorded or sent until the user has agreed::

    from automagik_telemetry import configure_automagik
    configure_automagik(service_name="automagik-forge", service_version="1.4.0")

Then use the standard OpenTelemetry APIs (``trace.get_tracer``, ``metrics.get_meter``,
``logging``).
"""

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

__all__ = [
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
