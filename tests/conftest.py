"""Shared fixtures: an isolated user (HOME, config dir, environment) and clean OTel globals."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry import _logs, metrics, trace
from opentelemetry.util._once import Once

from automagik_telemetry import configure
from automagik_telemetry.consent.environment import CI_VARIABLES
from automagik_telemetry.consent.runtime import set_process_consent
from automagik_telemetry.diagnostics import internal_log
from tests.support.otlp_receiver import OTLPReceiver, running_receiver

_PREFIXES = ("AUTOMAGIK_", "OTEL_")
_NAMES = {"DO_NOT_TRACK", "ENVIRONMENT", *CI_VARIABLES}


@pytest.fixture(autouse=True)
def isolated_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh HOME and config dir, and an environment without telemetry or CI variables
    (the suite itself runs in CI, which would otherwise switch consent off everywhere)."""
    for name in list(os.environ):
        if name.startswith(_PREFIXES) or name in _NAMES:
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    return home


@pytest.fixture(autouse=True)
def clean_otel_globals() -> Iterator[None]:
    """Each test gets unset global providers, no previous ``configure_automagik()`` and a
    rate-limited internal log that has not logged anything yet."""
    internal_log.reset()
    yield
    handle = configure.current_handle()
    if handle is not None:
        handle.shutdown(timeout=5)
    configure._handle = None
    set_process_consent(None)
    trace._TRACER_PROVIDER_SET_ONCE = Once()
    trace._TRACER_PROVIDER = None
    metrics._internal._METER_PROVIDER_SET_ONCE = Once()
    metrics._internal._METER_PROVIDER = None
    _logs._internal._LOGGER_PROVIDER_SET_ONCE = Once()
    _logs._internal._LOGGER_PROVIDER = None


@pytest.fixture
def receiver() -> Iterator[OTLPReceiver]:
    with running_receiver() as running:
        yield running
