"""The ``Resource`` describing who sends: the tool, this SDK, the OS and runtime, an install id.

Deliberately absent: host name, user name, process id and command line — they identify people
or machines and add nothing to usage statistics. The install id is a random UUID stored in the
user's config directory, never derived from hardware or accounts.
"""

from __future__ import annotations

import platform
import sys

from opentelemetry.sdk.resources import Resource

from .._version import __version__
from ..config import TelemetryConfig

__all__ = ["INSTALL_ID_ATTRIBUTE", "build_resource"]

INSTALL_ID_ATTRIBUTE = "automagik.install.id"
_OS_TYPES = {"win32": "windows", "darwin": "darwin", "linux": "linux"}


def build_resource(config: TelemetryConfig, install_id: str) -> Resource:
    """Resource attributes, with code settings beating ``OTEL_RESOURCE_ATTRIBUTES``."""
    attributes: dict[str, str] = {
        "telemetry.distro.name": "automagik-telemetry",
        "telemetry.distro.version": __version__,
        "os.type": _OS_TYPES.get(sys.platform, sys.platform),
        "os.version": platform.release(),
        "host.arch": platform.machine().lower(),
        "process.runtime.name": sys.implementation.name,
        "process.runtime.version": platform.python_version(),
    }
    attributes.update(config.resource_attributes)
    if "service_name" in config.sources or "service.name" not in attributes:
        attributes["service.name"] = config.service_name
    if config.service_version is not None:
        attributes["service.version"] = config.service_version
    if config.environment is not None:
        attributes["deployment.environment.name"] = config.environment
    attributes[INSTALL_ID_ATTRIBUTE] = install_id
    return Resource.create(attributes)
