"""Configuration: every setting, how it is read and checked, and the consent levels.

Part of the light front: importing it loads the standard library only, so a host program whose
user never agreed to telemetry pays for reading its settings and nothing more.
"""

from .settings import DEFAULT_ENDPOINT, KNOWN_BACKENDS, Signal, TelemetryConfig

__all__ = ["DEFAULT_ENDPOINT", "KNOWN_BACKENDS", "Signal", "TelemetryConfig"]
