"""Every duration setting has an upper bound; waits the app asks for at run time are clamped.

A huge duration used to be accepted and then fail far from its cause: ``shutdown_timeout=1e10``
raised ``OverflowError`` into the app at ``shutdown()``, ``timeout=1e10`` spooled everything
while ``force_flush()`` reported success, and a huge ``schedule_delay``, ``retry_max_backoff`` or
``metric_export_interval`` killed the thread that waits on it.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterator

import pytest
from opentelemetry import trace

from automagik_telemetry import ConfigurationError, TelemetryConfig, configure_automagik
from automagik_telemetry.cli import main
from automagik_telemetry.config.clickhouse import TTL_MAX
from automagik_telemetry.config.settings import DURATION_LIMITS
from automagik_telemetry.control import flush
from tests.support.otlp_receiver import OTLPReceiver

DURATIONS = sorted(DURATION_LIMITS)


def test_every_duration_setting_has_a_limit() -> None:
    """A new duration setting cannot be added without a bound: every ``float`` setting whose
    default is a number of seconds is listed (``sample_rate`` is a fraction, not a duration)."""
    durations = {
        name
        for name, value in TelemetryConfig().__dict__.items()
        if isinstance(value, float) and name != "sample_rate"
    }
    assert durations == set(DURATION_LIMITS)
    assert all(getattr(TelemetryConfig(), name) <= DURATION_LIMITS[name] for name in DURATIONS)


@pytest.mark.parametrize("setting", DURATIONS)
@pytest.mark.parametrize(
    "value", [1e10, pytest.param(10**400, id="10**400"), math.inf, math.nan, -1, 0]
)
def test_a_duration_out_of_range_from_code_is_refused(setting: str, value: float) -> None:
    with pytest.raises(ConfigurationError) as caught:
        TelemetryConfig.resolve({}, **{setting: value})
    error = caught.value
    assert error.setting == setting
    message = str(error)
    assert f"invalid {setting} (from code)" in message
    assert repr(value)[:20] in message
    limit = DURATION_LIMITS[setting]
    assert f"greater than 0 and at most {limit:.0f} (" in message


@pytest.mark.parametrize("setting", DURATIONS)
def test_the_limit_itself_is_accepted(setting: str) -> None:
    limit = DURATION_LIMITS[setting]
    assert getattr(TelemetryConfig.resolve({}, **{setting: limit}), setting) == limit
    assert getattr(TelemetryConfig.resolve({}, **{setting: 0.001}), setting) == 0.001


ENV_NAMES = {
    "timeout": "OTEL_EXPORTER_OTLP_TIMEOUT",
    "clickhouse_timeout": "AUTOMAGIK_TELEMETRY_CLICKHOUSE_TIMEOUT",
    "shutdown_timeout": "AUTOMAGIK_TELEMETRY_SHUTDOWN_TIMEOUT",
    "schedule_delay": "OTEL_BSP_SCHEDULE_DELAY",
    "metric_export_interval": "OTEL_METRIC_EXPORT_INTERVAL",
    "spool_max_age": "AUTOMAGIK_TELEMETRY_SPOOL_MAX_AGE",
    "retry_initial_backoff": "AUTOMAGIK_TELEMETRY_RETRY_INITIAL_BACKOFF",
    "retry_max_backoff": "AUTOMAGIK_TELEMETRY_RETRY_MAX_BACKOFF",
    "sender_lifetime": "AUTOMAGIK_TELEMETRY_SENDER_LIFETIME",
}


@pytest.mark.parametrize("setting", DURATIONS)
def test_a_duration_out_of_range_from_the_environment_is_refused(setting: str) -> None:
    variable = ENV_NAMES[setting]
    limit_ms = DURATION_LIMITS[setting] * 1000
    for raw in (f"{limit_ms + 1:.0f}", "9" * 400, "400d", "nan", "inf", "1e13"):
        with pytest.raises(ConfigurationError) as caught:
            TelemetryConfig.resolve({variable: raw})
        message = str(caught.value)
        assert caught.value.setting == setting
        assert f"invalid {setting} (from env:{variable}): {raw!r}" in message
        assert "greater than 0 and at most " in message
    at_limit = TelemetryConfig.resolve({variable: f"{limit_ms:.0f}"})
    assert getattr(at_limit, setting) == DURATION_LIMITS[setting]
    assert getattr(TelemetryConfig.resolve({variable: "1s"}), setting) == 1.0


def test_the_clickhouse_ttl_is_bounded_too() -> None:
    assert TelemetryConfig(clickhouse_ttl="3650d").clickhouse_ttl == TTL_MAX
    for value in ("3651d", TTL_MAX + 1, 1e300, 10**400, math.inf, math.nan):
        with pytest.raises(ConfigurationError, match=r"clickhouse_ttl.*at most 3650d"):
            TelemetryConfig(clickhouse_ttl=value)


@pytest.fixture
def thread_deaths() -> Iterator[list[threading.ExceptHookArgs]]:
    """Every exception that ends a thread while the test runs."""
    deaths: list[threading.ExceptHookArgs] = []
    previous = threading.excepthook
    threading.excepthook = deaths.append
    try:
        yield deaths
    finally:
        threading.excepthook = previous


def test_every_duration_at_its_limit_still_delivers_and_no_thread_dies(
    receiver: OTLPReceiver, thread_deaths: list[threading.ExceptHookArgs]
) -> None:
    handle = configure_automagik(
        enabled=True,
        endpoint=receiver.url,
        service_name="limits",
        **{name: DURATION_LIMITS[name] for name in DURATIONS},
    )
    with trace.get_tracer("app").start_as_current_span("at-the-limit"):
        pass
    assert handle.force_flush(timeout=60)
    assert [span.name for _, span in receiver.spans()] == ["at-the-limit"]
    assert handle.shutdown() is True
    assert thread_deaths == []


@pytest.mark.parametrize(
    "timeout",
    [1e10, pytest.param(10**400, id="10**400"), math.inf, -math.inf, math.nan, -5, "soon"],
)
def test_a_huge_or_odd_wait_from_the_caller_never_raises(
    receiver: OTLPReceiver, thread_deaths: list[threading.ExceptHookArgs], timeout: object
) -> None:
    """``force_flush``/``flush``/``shutdown`` clamp the caller's wait instead of raising
    ``OverflowError`` (or ``TypeError``) into the app."""
    handle = configure_automagik(enabled=True, endpoint=receiver.url, service_name="clamp")
    with trace.get_tracer("app").start_as_current_span("first"):
        pass
    assert isinstance(handle.force_flush(timeout), bool)  # type: ignore[arg-type]
    assert isinstance(flush(timeout), bool)  # type: ignore[arg-type]
    with trace.get_tracer("app").start_as_current_span("last"):
        pass
    assert isinstance(handle.shutdown(timeout), bool)  # type: ignore[arg-type]
    assert thread_deaths == []
    if not isinstance(timeout, str) and timeout > 0:  # a real (clamped) wait: all delivered
        assert sorted(span.name for _, span in receiver.spans()) == ["first", "last"]


@pytest.mark.parametrize("timeout", ["1e10", "inf", "nan", "0", "soon"])
def test_doctor_refuses_a_timeout_no_socket_can_wait(
    timeout: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``doctor --timeout 1e10`` used to end in an ``OverflowError`` traceback."""
    with pytest.raises(SystemExit) as caught:
        main(["doctor", "--timeout", timeout])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --timeout: '{timeout}': accepted: a number of seconds greater than 0" in err
    assert "at most 300" in err
