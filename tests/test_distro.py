"""``opentelemetry-instrument`` with the automagik distro, for real: the example Flask app runs
as a child process with the Flask, requests, sqlite3 and logging instrumentations installed
(and ``opentelemetry-distro``, a second distro and configurator), configured by environment
variables only, and sends to the test OTLP receiver."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests.support.instrumented_app import base_env, instrumented_app
from tests.support.otlp_receiver import OTLPReceiver, attributes

EMAIL = "alice.doe@example.com"


def consenting_env(home: Path, receiver: OTLPReceiver, **extra: str) -> dict[str, str]:
    settings = {
        "OTEL_PYTHON_DISTRO": "automagik",
        "OTEL_SERVICE_NAME": "web-shop",
        "AUTOMAGIK_TELEMETRY_ENABLED": "1",
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
    }
    return base_env(home, **{**settings, **extra})


def spans_by_name(receiver: OTLPReceiver) -> dict[str, list[object]]:
    found: dict[str, list[object]] = {}
    for _, span in receiver.spans():
        found.setdefault(span.name, []).append(span)
    return found


def test_an_instrumented_app_sends_spans_logs_and_events_configured_from_env_alone(
    receiver: OTLPReceiver, tmp_path: Path
) -> None:
    with instrumented_app(consenting_env(tmp_path, receiver)) as app:
        assert app.get("/signup", params={"email": EMAIL}).json() == {"users": 1, "upstream": 200}
        assert app.get("/fail", params={"email": EMAIL}).status_code == 500
        assert receiver.wait_for(
            lambda: (
                {"GET /signup", "GET /fail"} <= set(spans_by_name(receiver))
                and any(r.event_name == "automagik.error" for _, r in receiver.log_records())
            )
        )

    spans = spans_by_name(receiver)
    (signup,) = spans["GET /signup"]
    resource, _ = receiver.spans()[0]
    assert resource["service.name"] == "web-shop"
    assert resource["telemetry.distro.name"] == "automagik-telemetry"
    assert "automagik.install.id" in resource
    # requests (client) and sqlite3 spans are children of the Flask server span
    children = [s for _, s in receiver.spans() if s.parent_span_id == signup.span_id]
    assert {"GET", "INSERT", "SELECT", "CREATE"} <= {s.name.split()[0] for s in children}
    # the usage event and the app's warning log are correlated with the request's span
    records = [r for _, r in receiver.log_records() if r.span_id == signup.span_id]
    assert "automagik.feature.used" in {r.event_name for r in records}
    assert any("new signup from" in r.body.string_value for r in records)
    error = next(r for _, r in receiver.log_records() if r.event_name == "automagik.error")
    assert attributes(error.attributes)["exception.type"] == "ValueError"
    # nothing was configured twice: opentelemetry-distro's configurator was skipped, cleanly
    assert "Failed to auto initialize" not in app.err
    assert "Traceback" not in app.err
    assert "Configuration of configurator not loaded because automagik is set" in app.err


@pytest.mark.parametrize("capture", ["0", "1"])
def test_no_record_is_sent_twice_whichever_handler_captures_logging(
    capture: str, receiver: OTLPReceiver, tmp_path: Path
) -> None:
    """capture 0: the logging instrumentation's own handler sends stdlib logs; capture 1: ours
    does and the distro keeps the instrumentation's handler out."""
    env = consenting_env(tmp_path, receiver, AUTOMAGIK_TELEMETRY_CAPTURE_LOGGING=capture)
    with instrumented_app(env) as app:
        app.get("/signup", params={"email": EMAIL})
        assert receiver.wait_for(lambda: "GET /signup" in spans_by_name(receiver))
        assert receiver.wait_for(
            lambda: any("new signup" in r.body.string_value for _, r in receiver.log_records())
        )
    bodies = Counter(r.body.string_value for _, r in receiver.log_records())
    assert bodies["new signup from <email>"] == 1  # once, and scrubbed
    span_ids = [span.span_id for _, span in receiver.spans()]
    assert len(span_ids) == len(set(span_ids))


def test_with_consent_off_the_app_serves_and_nobody_is_contacted(
    receiver: OTLPReceiver, tmp_path: Path
) -> None:
    env = base_env(
        tmp_path,
        OTEL_PYTHON_DISTRO="automagik",
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url,
        AUTOMAGIK_TELEMETRY_CAPTURE_LOGGING="1",
    )
    with instrumented_app(env) as app:
        for _ in range(3):
            assert app.get("/signup", params={"email": EMAIL}).json()["users"] == 1
        assert app.get("/fail").status_code == 500
    assert app.process.returncode == 0
    assert receiver.connections == 0
    assert "payment failed" in app.err  # the app's own logging still works


def test_our_configurator_with_the_stock_distro(receiver: OTLPReceiver, tmp_path: Path) -> None:
    env = consenting_env(
        tmp_path, receiver, OTEL_PYTHON_DISTRO="distro", OTEL_PYTHON_CONFIGURATOR="automagik"
    )
    with instrumented_app(env) as app:
        app.get("/signup", params={"email": EMAIL})
        assert receiver.wait_for(lambda: "GET /signup" in spans_by_name(receiver))
    assert len(spans_by_name(receiver)["GET /signup"]) == 1
    assert "Traceback" not in app.err


def test_our_configurator_with_the_stock_distro_and_consent_off(
    receiver: OTLPReceiver, tmp_path: Path
) -> None:
    env = base_env(
        tmp_path,
        OTEL_PYTHON_DISTRO="distro",
        OTEL_PYTHON_CONFIGURATOR="automagik",
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url,
        DO_NOT_TRACK="1",
    )
    with instrumented_app(env) as app:
        assert app.get("/signup", params={"email": EMAIL}).ok
    assert receiver.connections == 0


def test_an_invalid_setting_leaves_telemetry_off_and_the_app_running(
    receiver: OTLPReceiver, tmp_path: Path
) -> None:
    env = consenting_env(tmp_path, receiver, AUTOMAGIK_TELEMETRY_SAMPLE_RATE="lots")
    with instrumented_app(env) as app:
        assert app.get("/signup", params={"email": EMAIL}).ok
    assert receiver.connections == 0
    assert "automagik-telemetry stays off for this run" in app.err
    assert "sample_rate" in app.err
