"""The distro and configurator in this process, called as ``opentelemetry-instrument`` calls
them (``configure()``, then ``load_instrumentor()`` per installed instrumentation)."""

from __future__ import annotations

import logging
import logging.config
import os
from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.instrumentation.logging import LoggingInstrumentor
from opentelemetry.instrumentation.sqlite3 import SQLite3Instrumentor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.util._importlib_metadata import EntryPoint, entry_points

from automagik_telemetry import current_handle
from automagik_telemetry.distro import (
    AutomagikConfigurator,
    AutomagikDistro,
    configure_from_env,
)
from automagik_telemetry.engine.logcapture import is_otel_logging_handler
from tests.support.otlp_receiver import OTLPReceiver

SQLITE = EntryPoint(
    name="sqlite3",
    value="opentelemetry.instrumentation.sqlite3:SQLite3Instrumentor",
    group="opentelemetry_instrumentor",
)
LOGGING = EntryPoint(
    name="logging",
    value="opentelemetry.instrumentation.logging:LoggingInstrumentor",
    group="opentelemetry_instrumentor",
)


@pytest.fixture(autouse=True)
def uninstrument(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("OTEL_PYTHON_CONFIGURATOR", raising=False)  # restored after the test
    # the logging instrumentation wraps these for good; later tests want the originals
    monkeypatch.setattr(logging, "basicConfig", logging.basicConfig)
    monkeypatch.setattr(logging.config, "dictConfig", logging.config.dictConfig)
    monkeypatch.setattr(logging.config, "fileConfig", logging.config.fileConfig)
    yield
    for instrumentor in (SQLite3Instrumentor(), LoggingInstrumentor()):
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()


def otel_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if is_otel_logging_handler(h)]


def test_both_entry_points_are_registered_under_the_name_automagik() -> None:
    distros = {ep.name: ep for ep in entry_points(group="opentelemetry_distro")}
    configurators = {ep.name: ep for ep in entry_points(group="opentelemetry_configurator")}
    assert distros["automagik"].load() is AutomagikDistro
    assert configurators["automagik"].load() is AutomagikConfigurator


def test_the_distro_configures_from_env_and_makes_itself_the_configurator(
    receiver: OTLPReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOMAGIK_TELEMETRY_ENABLED", "1")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
    AutomagikDistro().configure()
    handle = current_handle()
    assert handle is not None
    assert handle.enabled
    assert isinstance(trace.get_tracer_provider(), TracerProvider)
    assert os.environ["OTEL_PYTHON_CONFIGURATOR"] == "automagik"
    AutomagikConfigurator().configure(auto_instrumentation_version="0.66b1")
    assert current_handle() is handle  # the configurator reuses it, installs nothing again

    AutomagikDistro().load_instrumentor(SQLITE, skip_dep_check=True)
    assert SQLite3Instrumentor().is_instrumented_by_opentelemetry


def test_with_consent_off_no_library_is_patched() -> None:
    AutomagikDistro().configure()
    handle = current_handle()
    assert handle is not None
    assert handle.pipeline is None
    AutomagikDistro().load_instrumentor(SQLITE, skip_dep_check=True)
    AutomagikDistro().load_instrumentor(LOGGING, skip_dep_check=True)
    assert not SQLite3Instrumentor().is_instrumented_by_opentelemetry
    assert not LoggingInstrumentor().is_instrumented_by_opentelemetry
    assert otel_handlers() == []


@pytest.mark.parametrize(("capture", "theirs"), [("1", 0), ("0", 1)])
def test_the_logging_instrumentation_adds_its_handler_only_when_ours_is_not_there(
    capture: str, theirs: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOMAGIK_TELEMETRY_ENABLED", "1")
    monkeypatch.setenv("AUTOMAGIK_TELEMETRY_CAPTURE_LOGGING", capture)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9")
    AutomagikDistro().configure()
    AutomagikDistro().load_instrumentor(LOGGING, skip_dep_check=True)
    assert LoggingInstrumentor().is_instrumented_by_opentelemetry
    assert len(otel_handlers()) == theirs
    handle = current_handle()
    assert handle is not None
    assert (handle.log_capture is not None) == (capture == "1")


def test_another_configurator_chosen_explicitly_is_warned_about(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("OTEL_PYTHON_CONFIGURATOR", "configurator")
    with caplog.at_level(logging.WARNING, logger="automagik_telemetry"):
        AutomagikDistro().configure()
    assert "OTEL_PYTHON_CONFIGURATOR=configurator" in caplog.text
    assert "does not ask for consent" in caplog.text


def test_an_invalid_environment_turns_telemetry_off_instead_of_raising(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("AUTOMAGIK_TELEMETRY_ENABLED", "1")
    monkeypatch.setenv("AUTOMAGIK_TELEMETRY_TIMEOUT", "soon")
    with caplog.at_level(logging.ERROR, logger="automagik_telemetry"):
        assert configure_from_env() is None
        AutomagikConfigurator().configure()
    assert current_handle() is None
    assert "stays off for this run" in caplog.text
    assert "AUTOMAGIK_TELEMETRY_TIMEOUT" in caplog.text
    AutomagikDistro().load_instrumentor(SQLITE, skip_dep_check=True)
    assert not SQLite3Instrumentor().is_instrumented_by_opentelemetry
