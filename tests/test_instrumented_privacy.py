"""What auto-instrumentation copies into telemetry arrives redacted.

The example web app runs under ``opentelemetry-instrument`` with the automagik distro (consent
on, logging captured, HTTP request headers captured through the standard
``OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST``) and is sent requests that carry
personal data and secrets in the URL, the query string, headers, the user agent, SQL literals
and log messages. Every test looks at what the OTLP receiver got.

Redaction comes from the privacy engine, which ``configure_automagik()`` — and so the distro —
installs for every backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.instrumented_app import base_env, instrumented_app
from tests.support.otlp_receiver import attributes, running_receiver

EMAIL = "maria.silva@example.com"
TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
API_KEY = "sk-" + "proj-Zx81kLmNoPqRsTuVwXyZ0123456789abcdef"
AGENT_EMAIL = "ops.team@example.org"
# what requests sends for the app's http://service:s3cr3t-pass@... URL
BASIC_CREDENTIALS = "c2VydmljZTpzM2NyM3QtcGFzcw=="


@dataclass
class Sent:
    spans: list[tuple[str, dict[str, Any]]]
    logs: list[tuple[str, dict[str, Any]]]

    def span_values(self, *keys: str) -> list[str]:
        return [str(attrs[k]) for _, attrs in self.spans for k in keys if k in attrs]


@pytest.fixture(scope="module")
def sent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sent]:
    home = tmp_path_factory.mktemp("home")
    with running_receiver() as receiver:
        env = base_env(
            home,
            OTEL_PYTHON_DISTRO="automagik",
            AUTOMAGIK_TELEMETRY_ENABLED="1",
            AUTOMAGIK_TELEMETRY_CAPTURE_LOGGING="1",
            OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url,
            OTEL_SEMCONV_STABILITY_OPT_IN="http/dup,database/dup",
            OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST="authorization,x-api-key",
        )
        with instrumented_app(env) as app:
            signup = app.get(
                "/signup",
                params={"email": EMAIL, "token": TOKEN},
                headers={
                    "Authorization": f"Bearer {TOKEN}",
                    "X-Api-Key": API_KEY,
                    "User-Agent": f"curl/8.5 (contact {AGENT_EMAIL})",
                },
            )
            assert signup.ok
            assert app.get("/fail", params={"email": EMAIL}).status_code == 500
            assert receiver.wait_for(
                lambda: (
                    {"GET /signup", "GET /fail"} <= {s.name for _, s in receiver.spans()}
                    and any(r.event_name == "automagik.error" for _, r in receiver.log_records())
                )
            )
        yield Sent(
            spans=[(span.name, attributes(span.attributes)) for _, span in receiver.spans()],
            logs=[
                (record.body.string_value, attributes(record.attributes))
                for _, record in receiver.log_records()
            ],
        )


def test_the_leaky_attributes_are_really_there(sent: Sent) -> None:
    """The scenario is real: instrumentation did record the attributes the tests below check."""
    names = {key for _, attrs in sent.spans for key in attrs}
    assert {"url.full", "url.query", "user_agent.original", "http.request.header.x_api_key"} <= (
        names | {k.replace("-", "_") for k in names}
    )
    assert sent.span_values("db.statement")
    assert any("new signup from" in body for body, _ in sent.logs)


def test_url_full_is_redacted(sent: Sent) -> None:
    values = sent.span_values("url.full", "http.url")
    assert values
    assert not [v for v in values if EMAIL.replace("@", "%40") in v or EMAIL in v]


def test_url_query_is_redacted(sent: Sent) -> None:
    values = sent.span_values("url.query", "http.target")
    assert values
    assert not [v for v in values if TOKEN in v or EMAIL in v or "%40example.com" in v]


def test_captured_request_headers_are_redacted(sent: Sent) -> None:
    values = [
        str(value)
        for _, attrs in sent.spans
        for key, value in attrs.items()
        if key.startswith("http.request.header.")
    ]
    assert values
    assert not [v for v in values if TOKEN in v or API_KEY in v or BASIC_CREDENTIALS in v]


def test_sql_literals_are_redacted(sent: Sent) -> None:
    values = sent.span_values("db.statement", "db.query.text")
    assert any("INSERT INTO users" in v for v in values)
    assert not [v for v in values if EMAIL in v]


def test_the_user_agent_is_redacted(sent: Sent) -> None:
    values = sent.span_values("user_agent.original", "http.user_agent")
    assert any(v.startswith("curl/8.5") for v in values)
    assert not [v for v in values if AGENT_EMAIL in v]


def test_log_bodies_and_exception_messages_are_redacted(sent: Sent) -> None:
    texts = [body for body, _ in sent.logs] + [
        str(value) for _, attrs in sent.logs for value in attrs.values()
    ]
    assert any("new signup from" in text for text in texts)
    assert not [text for text in texts if EMAIL in text]
