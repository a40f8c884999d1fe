"""``opentelemetry-instrument`` support: the ``automagik`` distro and configurator.

``opentelemetry-instrument python app.py`` runs, before the app: the selected distro's
``configure()``, then *one* configurator, then every installed instrumentor through the
distro's ``load_instrumentor()``. Both of our entry points call the same
``configure_automagik()`` (from environment variables only), once per process, so an app run
this way gets exactly what one line of code gives it: consent, the consent-aware sampler, the
privacy processors and the configured backends.

What the distro adds over the configurator alone:

* **Consent off ⇒ nothing is installed**: no provider, no thread, no socket, and no library is
  patched either (instrumentors are not loaded at all).
* **One configurator**: it makes ``automagik`` the default ``OTEL_PYTHON_CONFIGURATOR``, so a
  second one installed next to it (``opentelemetry-distro``'s) does not build a second pipeline.
* **No duplicate logs**: when our log capture runs, the logging instrumentation is told not to
  install its own ``LoggingHandler`` (its trace-context injection for log formats still works).

A bad environment value must not stop the app: it is reported on stderr and telemetry stays
off for that run.
"""

from __future__ import annotations

import os
from typing import Any

from opentelemetry.instrumentation.distro import BaseDistro  # type: ignore[attr-defined]
from opentelemetry.sdk._configuration import _BaseConfigurator
from opentelemetry.util._importlib_metadata import EntryPoint

from .configure import TelemetryHandle, configure_automagik, current_handle
from .diagnostics import internal_log
from .errors import ConfigurationError

__all__ = ["ENTRY_POINT_NAME", "AutomagikConfigurator", "AutomagikDistro", "configure_from_env"]

ENTRY_POINT_NAME = "automagik"
_CONFIGURATOR_VARIABLE = "OTEL_PYTHON_CONFIGURATOR"
_LOGGING_INSTRUMENTOR = "logging"


def configure_from_env() -> TelemetryHandle | None:
    """``configure_automagik()`` from the environment, once per process; ``None`` (telemetry
    off for this run) when the environment holds an invalid value."""
    handle = current_handle()
    if handle is not None:
        return handle
    try:
        return configure_automagik()
    except ConfigurationError as error:
        internal_log.error("distro.config", "automagik-telemetry stays off for this run: %s", error)
        return None


class AutomagikDistro(BaseDistro):  # type: ignore[misc]  # BaseDistro is untyped
    """``OTEL_PYTHON_DISTRO=automagik``."""

    def _configure(self, **kwargs: Any) -> None:
        chosen = os.environ.setdefault(_CONFIGURATOR_VARIABLE, ENTRY_POINT_NAME)
        if chosen != ENTRY_POINT_NAME:
            internal_log.warning(
                "distro.configurator",
                "%s=%s: that configurator runs after the automagik distro and may install a "
                "second pipeline that does not ask for consent; unset it or set it to %s",
                _CONFIGURATOR_VARIABLE,
                chosen,
                ENTRY_POINT_NAME,
            )
        configure_from_env()

    def load_instrumentor(self, entry_point: EntryPoint, **kwargs: Any) -> None:
        handle = current_handle()
        if handle is None or handle.pipeline is None:
            return  # consent off (or bad configuration): patch nothing
        if entry_point.name == _LOGGING_INSTRUMENTOR and handle.log_capture is not None:
            kwargs["enable_log_auto_instrumentation"] = False
        super().load_instrumentor(entry_point, **kwargs)


class AutomagikConfigurator(_BaseConfigurator):
    """``OTEL_PYTHON_CONFIGURATOR=automagik``: for use with another distro."""

    def _configure(self, **kwargs: Any) -> None:
        configure_from_env()
