"""Nothing we print, log or raise contains a password, token or header value (issue 11, item 12).

Secrets are planted in every place a configuration can hold one — a password in the endpoint
URL, a token in a per-signal endpoint's query string, a bearer token in the OTLP headers, the
ClickHouse password (as a setting and in its URL) — and every output is scanned for them:
``status`` (text and ``--json``), ``doctor``, ``repr``/``str`` of the configuration, the handle
and its status, ``ConfigurationError`` messages for bad values of those settings, the consent
notice, and the log records written when the endpoint refuses, answers 401 or never answers
(real sockets on 127.0.0.1).
"""

from __future__ import annotations

import base64
import json
import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from opentelemetry import trace

from automagik_telemetry import (
    ConfigurationError,
    TelemetryConfig,
    configure_automagik,
    first_run_notice,
)
from automagik_telemetry.cli import main
from automagik_telemetry.config.masking import (
    mask_headers,
    mask_url,
    redact,
    secret_values,
    split_credentials,
)
from automagik_telemetry.exporters.clickhouse.settings import ClickHouseSettings
from tests.support.otlp_receiver import OTLPReceiver, Received, running_receiver
from tests.test_consent_notice import terminal

URL_PASSWORD = "s3cretPW-url"
QUERY_TOKEN = "qTok3n-456"
HEADER_TOKEN = "t0kenXYZ-header-123"
CH_PASSWORD = "chPassw0rd-setting"
CH_URL_PASSWORD = "chUrlPw99-url"
SECRETS = (URL_PASSWORD, QUERY_TOKEN, HEADER_TOKEN, CH_PASSWORD, CH_URL_PASSWORD)


def assert_no_secret(text: str) -> None:
    leaked = [secret for secret in SECRETS if secret in text]
    assert not leaked, f"{leaked} leaked into:\n{text}"


def secret_environment(base_url: str) -> dict[str, str]:
    """Every secret-bearing setting, from the environment as an operator would set them."""
    host = base_url.removeprefix("http://")
    return {
        "AUTOMAGIK_TELEMETRY_ENDPOINT": f"http://collector:{URL_PASSWORD}@{host}",
        "AUTOMAGIK_TELEMETRY_TRACES_ENDPOINT": (
            f"http://collector:{URL_PASSWORD}@{host}/v1/traces?token={QUERY_TOKEN}"
        ),
        "OTEL_EXPORTER_OTLP_HEADERS": f"authorization=Bearer {HEADER_TOKEN},x-team=core",
        "AUTOMAGIK_TELEMETRY_BACKEND": "otlp,clickhouse",
        "AUTOMAGIK_TELEMETRY_CLICKHOUSE_URL": f"http://default:{CH_URL_PASSWORD}@127.0.0.1:1/db",
        "AUTOMAGIK_TELEMETRY_CLICKHOUSE_PASSWORD": CH_PASSWORD,
    }


@pytest.fixture
def secret_env(receiver: OTLPReceiver, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = secret_environment(receiver.url)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


# -- status, doctor, repr ---------------------------------------------------------------------


def test_status_text_and_json_show_where_data_goes_but_no_secret(
    secret_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status"]) == 0
    text = capsys.readouterr().out
    assert_no_secret(text)
    assert "OTLP/HTTP traces http://collector:***@127.0.0.1:" in text
    assert "/v1/traces?token=***" in text
    assert "ClickHouse server http://127.0.0.1:1" in text
    assert main(["status", "--json"]) == 0
    raw = capsys.readouterr().out
    assert_no_secret(raw)
    assert json.loads(raw)["destinations"]["otlp"].startswith("OTLP/HTTP traces http://collector:")


def test_doctor_reaches_an_endpoint_with_credentials_and_shows_none_of_them(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``urllib`` took ``user:password@`` for part of the host name ("host name does not
    resolve"); the credentials now go as Basic auth, as the exporter sends them."""
    probes: list[Received] = []

    def accept(item: Received) -> tuple[int, dict[str, str], bytes]:
        probes.append(item)
        return 200, {}, b""

    with running_receiver(behaviour=accept) as receiver:
        for name, value in secret_environment(receiver.url).items():
            monkeypatch.setenv(name, value)
        main(["doctor", "--timeout", "10"])
    out = capsys.readouterr().out
    assert_no_secret(out)
    assert "OK: HTTP 200" in out
    assert "does not resolve" not in out
    (probe,) = probes
    expected = base64.b64encode(f"collector:{URL_PASSWORD}".encode()).decode()
    assert probe.headers["authorization"] == f"Basic {expected}"
    assert probe.path == "/v1/traces?token=" + QUERY_TOKEN


@contextmanager
def silent_listener() -> Iterator[str]:
    """A port that accepts connections and never answers (a black hole)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def echo_401(item: Received) -> tuple[int, dict[str, str], bytes]:
    """A receiver that refuses and echoes what it got, credentials included (some do)."""
    echoed = f"bad credentials {item.headers.get('authorization')} for {item.path}"
    return 401, {"Content-Type": "text/plain"}, echoed.encode()


@pytest.mark.parametrize(
    ("endpoint_kind", "expected"),
    [
        ("refused", "connection refused: nothing listens at http://collector:***@127.0.0.1:"),
        ("401", "HTTP 401: authentication required"),
        ("silent", "no answer within 0.5s"),
    ],
)
def test_doctor_explains_failures_without_secrets(
    endpoint_kind: str,
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with failing_endpoint(endpoint_kind) as url:
        for name, value in secret_environment(url).items():
            monkeypatch.setenv(name, value)
        assert main(["doctor", "--timeout", "0.5"]) == 1
    out = capsys.readouterr().out
    assert_no_secret(out)
    assert expected in out


@contextmanager
def failing_endpoint(kind: str) -> Iterator[str]:
    if kind == "refused":
        yield closed_port_url()
    elif kind == "401":
        with running_receiver(behaviour=echo_401) as receiver:
            yield receiver.url
    else:
        with silent_listener() as url:
            yield url


def test_reprs_of_the_configuration_handle_and_status_hold_no_secret(
    secret_env: dict[str, str], receiver: OTLPReceiver
) -> None:
    config = TelemetryConfig.resolve()
    for shown in (repr(config), str(config)):
        assert_no_secret(shown)
        assert "headers={'authorization': '***', 'x-team': '***'}" in shown
        assert "endpoint='http://collector:***@127.0.0.1:" in shown
    clickhouse = ClickHouseSettings.create(
        f"http://u:{CH_URL_PASSWORD}@host/db?password={QUERY_TOKEN}", password=CH_PASSWORD
    )
    assert_no_secret(repr(clickhouse))
    assert_no_secret(clickhouse.describe())
    handle = configure_automagik(config, enabled=True, backend="otlp")
    status = handle.status()
    for shown in (repr(handle), str(handle), repr(status), status.render(), str(status.to_dict())):
        assert_no_secret(shown)
    assert status.enabled


def test_the_consent_notice_shows_the_endpoint_without_its_password(
    receiver: OTLPReceiver,
) -> None:
    config = TelemetryConfig.resolve(secret_environment(receiver.url), backend="otlp")
    with terminal() as tty:
        tty.type("n\n")
        first_run_notice("tool", config=config, stdin=tty.stdin, stdout=tty.stdout, environ={})
        screen = tty.screen()
    assert "Sent to: http://collector:***@127.0.0.1:" in screen
    assert_no_secret(screen)


# -- ConfigurationError ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "setting", "shown"),
    [
        (
            {"endpoint": f"https://user:{URL_PASSWORD}@host:99999"},
            "endpoint",
            "'https://user:***@host:99999'",
        ),
        (
            {"traces_endpoint": f"ftp://host/v1/traces?token={QUERY_TOKEN}"},
            "traces_endpoint",
            "'ftp://host/v1/traces?token=***'",
        ),
        ({"logs_endpoint": f"{URL_PASSWORD}@host".encode()}, "logs_endpoint", "'<bytes>'"),
        ({"headers": f"authorization=Bearer {HEADER_TOKEN},broken"}, "headers", "=***,<?>'"),
        ({"headers": {"authorization": HEADER_TOKEN.encode()}}, "headers", "'***'}"),
        ({"headers": [("authorization", HEADER_TOKEN)]}, "headers", "'<list>'"),
        (
            {"backend": "clickhouse", "clickhouse_url": f"http://u:{CH_URL_PASSWORD}@h:99999"},
            "clickhouse_url",
            "'http://u:***@h:99999'",
        ),
        (
            {"backend": "clickhouse", "clickhouse_url": f"http://h/?password={CH_PASSWORD}&b-d=1"},
            "clickhouse_url",
            "'http://h/?password=***&b-d=***'",
        ),
        ({"clickhouse_password": CH_PASSWORD.encode()}, "clickhouse_password", "'<hidden>'"),
    ],
)
def test_configuration_errors_name_the_setting_but_never_echo_a_secret(
    settings: dict[str, object], setting: str, shown: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        TelemetryConfig.resolve({}, **settings)
    error = caught.value
    assert error.setting == setting
    message = str(error)
    assert f"invalid {setting} (from code): " in message
    assert shown in message
    assert_no_secret(message)
    assert_no_secret(repr(error.value))
    assert_no_secret(repr(error.args))


@pytest.mark.parametrize(
    ("variable", "raw", "shown"),
    [
        (
            "OTEL_EXPORTER_OTLP_HEADERS",
            f"authorization=Bearer {HEADER_TOKEN},broken",
            "authorization=***,<?>",
        ),
        ("OTEL_EXPORTER_OTLP_HEADERS", HEADER_TOKEN, "<?>"),
        ("OTEL_EXPORTER_OTLP_HEADERS", f"={HEADER_TOKEN}", "=***"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://u:{URL_PASSWORD}@[::1", "http://u:***@[::1"),
        (
            "AUTOMAGIK_TELEMETRY_CLICKHOUSE_URL",
            f"http://u:{CH_URL_PASSWORD}@h/?bad-key={QUERY_TOKEN}",
            "http://u:***@h/?bad-key=***",
        ),
    ],
)
def test_bad_secret_bearing_environment_values_are_reported_masked(
    variable: str,
    raw: str,
    shown: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(variable, raw)
    monkeypatch.setenv("AUTOMAGIK_TELEMETRY_BACKEND", "otlp,clickhouse")
    monkeypatch.setenv("AUTOMAGIK_TELEMETRY_CLICKHOUSE_URL", "chdb:///tmp/unused")
    if variable == "AUTOMAGIK_TELEMETRY_CLICKHOUSE_URL":
        monkeypatch.setenv(variable, raw)
    with pytest.raises(ConfigurationError) as caught:
        TelemetryConfig.resolve()
    message = str(caught.value)
    assert f"(from env:{variable}): {shown!r}" in message
    assert_no_secret(message)
    assert main(["status"]) == 2  # the command line prints the same, masked, message
    err = capsys.readouterr().err
    assert "configuration error" in err
    assert_no_secret(err)


# -- log records while delivering --------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint_kind", "expected"),
    [
        ("refused", "cannot reach http://collector:***@127.0.0.1:"),
        ("401", "answered HTTP 401: bad credentials Basic *** for /v1/traces?token=***"),
        ("silent", "no answer from http://collector:***@127.0.0.1:"),
    ],
)
def test_delivery_log_lines_name_the_endpoint_without_secrets(
    endpoint_kind: str, expected: str, caplog: pytest.LogCaptureFixture
) -> None:
    with failing_endpoint(endpoint_kind) as url:
        env = secret_environment(url)
        handle = configure_automagik(
            TelemetryConfig.resolve(env, backend="otlp", timeout=0.5, spool=False),
            enabled=True,
            service_name="secrets",
        )
        with caplog.at_level(logging.DEBUG, logger="automagik_telemetry"):
            with trace.get_tracer("app").start_as_current_span("work"):
                pass
            handle.force_flush(timeout=30)
            handle.shutdown(timeout=30)
    lines = [caplog.text, *(record.getMessage() for record in caplog.records)]
    for line in lines:
        assert_no_secret(line)
    assert expected in caplog.text


def test_clickhouse_delivery_log_lines_hold_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    port = int(closed_port_url().rpartition(":")[2])
    handle = configure_automagik(
        enabled=True,
        service_name="secrets",
        backend="clickhouse",
        clickhouse_url=f"http://default:{CH_URL_PASSWORD}@127.0.0.1:{port}/db?tok={QUERY_TOKEN}",
        clickhouse_password=CH_PASSWORD,
        clickhouse_timeout=2,
        spool=False,
    )
    with caplog.at_level(logging.DEBUG, logger="automagik_telemetry"):
        with trace.get_tracer("app").start_as_current_span("work"):
            pass
        handle.force_flush(timeout=30)
        handle.shutdown(timeout=30)
    assert "not delivered to clickhouse" in caplog.text
    assert_no_secret(caplog.text)


# -- the helper itself ---------------------------------------------------------------------------


def test_mask_url_keeps_where_and_hides_every_credential() -> None:
    assert mask_url("https://user:pw@host:8443/v1/traces?token=abc&x=1#frag") == (
        "https://user:***@host:8443/v1/traces?token=***&x=***#***"
    )
    assert mask_url("https://ghp_tokenAsUser@host/") == "https://***@host/"
    assert mask_url("https://us:p@ss@host") == "https://us:***@host"
    assert mask_url("http://host:4318/v1/traces") == "http://host:4318/v1/traces"
    assert mask_headers({"authorization": "Bearer x", "x-api-key": "k"}) == {
        "authorization": "***",
        "x-api-key": "***",
    }


def test_redact_masks_known_values_even_url_encoded() -> None:
    secrets = secret_values(
        urls=["https://u%40corp:p%2Fw0rd!@host/?token=abc%2B123#frag1"],
        headers={"authorization": "Bearer tok-12345", "x": "no"},
    )
    text = (
        "user u@corp pw p/w0rd! encoded p%2Fw0rd! token abc+123 frag1 "
        "header Bearer tok-12345 bare tok-12345 short no basic dUBjb3JwOnAvdzByZCE="
    )
    assert redact(text, secrets) == (
        "user u@corp pw *** encoded *** token *** *** header *** bare *** short no basic ***"
    )
    lone = secret_values(urls=["https://ghp_tokenAsUser@host"])
    assert redact("ghp_tokenAsUser", lone) == "***"
    assert secret_values(urls=[None, "http://host"]) == frozenset()


def test_split_credentials_moves_them_out_of_the_url() -> None:
    assert split_credentials("https://u:p%40w@[::1]/v1/traces?x=1") == (
        "https://[::1]/v1/traces?x=1",
        ("u", "p@w"),
    )
    assert split_credentials("http://token@host:4318") == ("http://host:4318", ("token", ""))
    assert split_credentials("http://host:4318/v1/traces") == ("http://host:4318/v1/traces", None)
