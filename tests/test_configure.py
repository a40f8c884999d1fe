"""configure_automagik() end to end: real SDK, real HTTP to a real OTLP receiver on 127.0.0.1."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from opentelemetry import _logs, metrics, trace
from opentelemetry._logs import SeverityNumber
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import Status, StatusCode

from automagik_telemetry import (
    ConfigurationError,
    ConsentLevel,
    TelemetryConfig,
    configure_automagik,
    current_handle,
)
from automagik_telemetry.consent import ConsentStore
from tests.support.otlp_receiver import OTLPReceiver, Received, attributes, running_receiver


def emit_everything() -> None:
    """A span (and an error span), a counter and a log record, through the global APIs."""
    tracer = trace.get_tracer("app")
    with tracer.start_as_current_span("checkout") as span:
        span.set_attribute("cart.items", 3)
    with tracer.start_as_current_span("payment") as failed:
        failed.set_status(Status(StatusCode.ERROR, "card declined"))
    metrics.get_meter("app").create_counter("orders").add(1, {"plan": "pro"})
    logger = _logs.get_logger("app")
    logger.emit(body="order placed", severity_number=SeverityNumber.INFO)
    logger.emit(body="payment failed", severity_number=SeverityNumber.ERROR)


def opt_in(level: ConsentLevel = ConsentLevel.ALL) -> None:
    ConsentStore().write_preference(level, via="test")


def test_one_call_sends_spans_metrics_and_logs_with_a_privacy_minded_resource(
    receiver: OTLPReceiver,
) -> None:
    opt_in()
    handle = configure_automagik(
        service_name="automagik-forge", service_version="1.4.0", endpoint=receiver.url
    )
    emit_everything()
    assert handle.force_flush(5)
    assert receiver.wait_for(lambda: receiver.metrics() and len(receiver.log_records()) == 2)

    names = sorted(span.name for _, span in receiver.spans())
    assert names == ["checkout", "payment"]
    resource, span = next((r, s) for r, s in receiver.spans() if s.name == "checkout")
    assert attributes(span.attributes) == {"cart.items": 3}
    assert resource["service.name"] == "automagik-forge"
    assert resource["service.version"] == "1.4.0"
    assert resource["telemetry.distro.name"] == "automagik-telemetry"
    assert resource["os.type"] in {"linux", "darwin", "windows"}
    assert resource["process.runtime.name"] == "cpython"
    install_id = resource["automagik.install.id"]
    assert install_id == ConsentStore().install_id(create=False)
    assert not {"host.name", "process.pid", "process.command_line", "user.name"} & set(resource)

    ((_, metric),) = receiver.metrics()
    assert metric.name == "orders"
    assert metric.sum.data_points[0].as_int == 1
    bodies = sorted(record.body.string_value for _, record in receiver.log_records())
    assert bodies == ["order placed", "payment failed"]
    request = next(item for item in receiver.received if item.path == "/v1/traces")
    assert request.headers["content-type"] == "application/x-protobuf"
    assert request.headers["content-encoding"] == "gzip"


def test_headers_per_signal_endpoints_and_resource_attributes_from_the_environment(
    receiver: OTLPReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_receiver() as traces_only:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", f"{traces_only.url}/v1/traces")
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=s3cr3t")
        monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "team=core")
        monkeypatch.setenv("OTEL_SERVICE_NAME", "env-service")
        monkeypatch.setenv("AUTOMAGIK_TELEMETRY_ENABLED", "true")
        handle = configure_automagik()
        emit_everything()
        assert handle.force_flush(5)
        assert traces_only.wait_for(lambda: len(traces_only.spans()) == 2)
        assert receiver.wait_for(lambda: len(receiver.log_records()) == 2)
        assert receiver.spans() == []
        resource, _ = traces_only.spans()[0]
        assert resource["service.name"] == "env-service"
        assert resource["team"] == "core"
        assert traces_only.received[0].headers["x-api-key"] == "s3cr3t"


def test_environment_name_is_reported_as_deployment_environment(receiver: OTLPReceiver) -> None:
    handle = configure_automagik(enabled=True, endpoint=receiver.url, environment="production")
    trace.get_tracer("t").start_span("s").end()
    handle.force_flush(5)
    assert receiver.wait_for(lambda: receiver.spans())
    assert receiver.spans()[0][0]["deployment.environment.name"] == "production"


def test_a_service_name_in_otel_resource_attributes_is_kept(receiver: OTLPReceiver) -> None:
    handle = configure_automagik(
        TelemetryConfig(resource_attributes={"service.name": "from-attributes"}),
        enabled=True,
        endpoint=receiver.url,
    )
    trace.get_tracer("t").start_span("s").end()
    handle.force_flush(5)
    assert receiver.wait_for(lambda: receiver.spans())
    assert receiver.spans()[0][0]["service.name"] == "from-attributes"


# -- consent off: nothing installed, nothing started, nobody contacted -----------------------

OFF_REASONS = {
    "no_consent": ({}, {}),
    "do_not_track": ({"DO_NOT_TRACK": "1"}, {"enabled": True}),
    "otel_sdk_disabled": ({"OTEL_SDK_DISABLED": "true"}, {"enabled": True}),
    "opt_out_file": ({}, {}),
    "ci": ({"CI": "true"}, {}),
    "development": ({"ENVIRONMENT": "development"}, {}),
    "explicit_off": ({"AUTOMAGIK_TELEMETRY_ENABLED": "false"}, {}),
    "stored_off": ({}, {}),
}


@pytest.mark.parametrize("rule", list(OFF_REASONS))
def test_consent_off_opens_no_socket_and_starts_no_thread(
    rule: str, receiver: OTLPReceiver, monkeypatch: pytest.MonkeyPatch, isolated_user: Path
) -> None:
    env, settings = OFF_REASONS[rule]
    if rule != "no_consent":
        opt_in()
    if rule == "opt_out_file":
        (isolated_user / ".automagik-no-telemetry").touch()
    if rule == "stored_off":
        ConsentStore().write_preference(ConsentLevel.OFF, via="test")
        ConsentStore().opt_out_path.unlink()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    threads_before = set(threading.enumerate())

    handle = configure_automagik(
        service_name="svc", endpoint=receiver.url, metric_export_interval=0.05, **settings
    )
    emit_everything()
    assert handle.force_flush(1)
    assert handle.shutdown(1)
    time.sleep(0.2)

    assert handle.decision.rule == rule
    assert not handle.enabled
    assert receiver.connections == 0
    assert set(threading.enumerate()) - threads_before == set()
    assert not isinstance(trace.get_tracer_provider(), TracerProvider)
    assert ConsentStore().install_id(create=False) is None


def test_the_zero_connection_check_can_fail(receiver: OTLPReceiver) -> None:
    """Positive control for the test above: with consent on, the receiver is contacted."""
    handle = configure_automagik(enabled=True, endpoint=receiver.url)
    emit_everything()
    handle.force_flush(5)
    assert receiver.connections > 0


# -- consent while running ----------------------------------------------------------------


def test_opting_out_while_running_stops_sending_within_about_a_second(
    receiver: OTLPReceiver, isolated_user: Path
) -> None:
    opt_in()
    handle = configure_automagik(endpoint=receiver.url)
    tracer = trace.get_tracer("app")
    tracer.start_span("before").end()
    handle.force_flush(5)
    assert receiver.wait_for(lambda: len(receiver.spans()) == 1)

    tracer.start_span("queued-when-user-opts-out").end()  # waiting in the batch queue
    subprocess.run(
        [sys.executable, "-m", "automagik_telemetry", "opt-out"], check=True, capture_output=True
    )
    time.sleep(1.1)
    tracer.start_span("after").end()
    handle.force_flush(5)
    time.sleep(0.2)
    assert [span.name for _, span in receiver.spans()] == ["before"]
    status = handle.status()
    assert (status.enabled, status.rule) == (False, "opt_out_file")


def test_errors_level_sends_only_error_spans_and_error_logs_and_no_metrics(
    receiver: OTLPReceiver,
) -> None:
    opt_in(ConsentLevel.ERRORS)
    handle = configure_automagik(endpoint=receiver.url, metric_export_interval=0.05)
    emit_everything()
    handle.force_flush(5)
    assert receiver.wait_for(lambda: receiver.spans() and receiver.log_records())
    time.sleep(0.2)
    assert [span.name for _, span in receiver.spans()] == ["payment"]
    assert [r.body.string_value for _, r in receiver.log_records()] == ["payment failed"]
    assert receiver.metrics() == []
    assert handle.pipeline is not None
    assert handle.pipeline.meter_provider is None


def test_status_says_an_opt_in_waits_for_the_next_start(receiver: OTLPReceiver) -> None:
    opt_in(ConsentLevel.ERRORS)
    handle = configure_automagik(endpoint=receiver.url)
    opt_in(ConsentLevel.ALL)
    status = handle.status()
    assert (status.enabled, status.level, status.running) == (True, "errors", True)
    assert status.pending is not None
    assert "next start" in status.pending
    assert "pending:" in status.render()


def test_status_of_a_process_without_consent() -> None:
    handle = configure_automagik(service_name="svc")
    status = handle.status()
    assert (status.enabled, status.running, status.rule) == (False, False, "no_consent")
    assert status.install_id is None
    assert "would send:" in status.render()
    assert status.to_dict()["destinations"]["otlp"].startswith("OTLP/HTTP traces https://")


# -- lifecycle ----------------------------------------------------------------------------


def test_calling_it_twice_installs_once(
    receiver: OTLPReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    first = configure_automagik(enabled=True, endpoint=receiver.url)
    provider = trace.get_tracer_provider()
    second = configure_automagik(enabled=True, endpoint="http://127.0.0.1:1")
    assert second is first
    assert current_handle() is first
    assert trace.get_tracer_provider() is provider
    assert "already called" in caplog.text
    trace.get_tracer("t").start_span("once").end()
    first.force_flush(5)
    assert receiver.wait_for(lambda: receiver.spans())
    assert len(receiver.spans()) == 1


def test_shutdown_flushes_and_later_calls_are_harmless(receiver: OTLPReceiver) -> None:
    handle = configure_automagik(enabled=True, endpoint=receiver.url)
    trace.get_tracer("t").start_span("last words").end()
    assert handle.shutdown(5)
    assert [span.name for _, span in receiver.spans()] == ["last words"]
    assert handle.shutdown(5)
    assert handle.force_flush(5)
    assert not handle.enabled
    assert handle.status().rule == "shut_down"


def test_config_object_with_keyword_overrides(receiver: OTLPReceiver) -> None:
    config = TelemetryConfig(service_name="from-config", endpoint="http://127.0.0.1:1")
    handle = configure_automagik(config, enabled=True, endpoint=receiver.url)
    assert handle.config.service_name == "from-config"
    assert handle.config.endpoint == receiver.url
    assert handle.config.sources["endpoint"] == "code"
    assert configure_automagik.__doc__
    assert "ConfigurationError" in configure_automagik.__doc__


def test_config_object_alone_is_used_as_is() -> None:
    config = TelemetryConfig(service_name="as-is", enabled=False)
    assert configure_automagik(config).config is config


def test_bad_settings_raise_configuration_error_and_install_nothing() -> None:
    with pytest.raises(ConfigurationError, match="sample_rate"):
        configure_automagik(enabled=True, sample_rate=-0.5)
    assert current_handle() is None


def _hanging(release: threading.Event) -> object:
    def behaviour(_: Received) -> tuple[int, dict[str, str], bytes]:
        release.wait(30)
        return 200, {}, b""

    return behaviour


def test_shutdown_is_bounded_when_the_endpoint_never_answers() -> None:
    release = threading.Event()
    with running_receiver(behaviour=_hanging(release)) as stuck:
        handle = configure_automagik(enabled=True, endpoint=stuck.url, timeout=20)
        trace.get_tracer("t").start_span("stuck").end()
        started = time.monotonic()
        assert handle.shutdown(timeout=1.0) is False
        assert time.monotonic() - started < 1.5
        release.set()


def test_interpreter_exit_is_bounded_when_the_endpoint_never_answers(tmp_path: Path) -> None:
    release = threading.Event()
    with running_receiver(behaviour=_hanging(release)) as stuck:
        script = textwrap.dedent(
            f"""
            from opentelemetry import trace
            from automagik_telemetry import configure_automagik
            configure_automagik(enabled=True, endpoint={stuck.url!r}, timeout=30,
                                shutdown_timeout=1.0, exit_mode="flush")
            trace.get_tracer("t").start_span("at exit").end()
            """
        )
        started = time.monotonic()
        subprocess.run([sys.executable, "-c", script], check=True, timeout=20)
        elapsed = time.monotonic() - started
        release.set()
    assert stuck.connections >= 1  # it did try to send at exit
    assert elapsed < 5.0, f"exit took {elapsed:.1f}s with shutdown_timeout=1s"


# -- debug mode and several backends ---------------------------------------------------------


@pytest.mark.parametrize("settings", [{"backend": "console"}, {"verbose": True}])
def test_debug_mode_prints_what_would_be_sent_and_sends_nothing(
    settings: dict[str, object], receiver: OTLPReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    handle = configure_automagik(
        enabled=True, endpoint=receiver.url, service_name="debug-me", **settings
    )
    emit_everything()
    handle.shutdown(5)
    err = capsys.readouterr().err
    assert '"name": "checkout"' in err
    assert "order placed" in err
    assert '"name": "orders"' in err
    assert "debug-me" in err
    assert receiver.connections == 0


def test_several_backends_each_get_everything(
    receiver: OTLPReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    handle = configure_automagik(enabled=True, endpoint=receiver.url, backend="otlp,console")
    emit_everything()
    handle.shutdown(5)
    assert len(receiver.spans()) == 2
    assert len(receiver.log_records()) == 2
    err = capsys.readouterr().err
    assert '"name": "payment"' in err
    assert "order placed" in err
    assert set(handle.status().destinations) == {"otlp", "console"}


def test_a_provider_installed_by_someone_else_is_reported(
    receiver: OTLPReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    trace.set_tracer_provider(TracerProvider(shutdown_on_exit=False))
    with caplog.at_level(logging.WARNING):
        configure_automagik(enabled=True, endpoint=receiver.url)
    assert "another TracerProvider was installed" in caplog.text
