"""The ``otlp`` backend: one attempt per call, and an honest account of what happened."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
from opentelemetry.sdk.metrics import Counter, Histogram, ObservableCounter, UpDownCounter
from opentelemetry.sdk.metrics.export import AggregationTemporality
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.version import __version__ as sdk_version

import automagik_telemetry
from automagik_telemetry import TelemetryConfig
from automagik_telemetry.delivery.outcome import MAX_RETRY_AFTER
from automagik_telemetry.exporters.otlp import CONNECT_TIMEOUT, OTLPBackend
from automagik_telemetry.spool.codec import encode_batch
from tests.support.otlp_receiver import OTLPReceiver, Received, running_receiver
from tests.support.raw_server import raw_server, truncated_answer


def spans() -> tuple[object, ...]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    provider.get_tracer("t").start_span("work").end()
    return exporter.get_finished_spans()


def backend_for(url: str, **settings: object) -> OTLPBackend:
    return OTLPBackend(TelemetryConfig(endpoint=url, **settings))  # type: ignore[arg-type]


def answering(status: int, headers: dict[str, str] | None = None) -> object:
    def behaviour(_: Received) -> tuple[int, dict[str, str], bytes]:
        return status, headers or {}, b"why not"

    return behaviour


def test_delivered_and_the_payload_is_the_otlp_request(receiver: OTLPReceiver) -> None:
    items = spans()
    delivery = backend_for(receiver.url).send_items("traces", items, 5)
    assert delivery.delivered
    assert delivery.payload == encode_batch("traces", items)
    assert [span.name for _, span in receiver.spans()] == ["work"]
    request = receiver.received[0]
    assert request.headers["content-type"] == "application/x-protobuf"
    assert request.headers["content-encoding"] == "gzip"


def test_requests_say_who_sends_them(receiver: OTLPReceiver) -> None:
    """Our package and version first, then the identity the stock OTLP exporters send (not
    ``python-requests/...``), so a collector's operator can tell what is talking to it."""
    payload = encode_batch("traces", spans())
    assert backend_for(receiver.url).send_request("traces", payload, 5, batch_id="b1").delivered
    agent = receiver.received[0].headers["user-agent"]
    assert agent == (
        f"automagik-telemetry/{automagik_telemetry.__version__}"
        f" OTel-OTLP-Exporter-Python/{sdk_version}"
    )


@pytest.mark.parametrize("name", ["User-Agent", "user-agent"])
def test_an_operator_set_user_agent_wins(receiver: OTLPReceiver, name: str) -> None:
    backend = backend_for(receiver.url, headers={name: "gateway-allowlisted/1"})
    assert backend.send_items("traces", spans(), 5).delivered
    assert receiver.received[0].headers["user-agent"] == "gateway-allowlisted/1"


def test_setting_up_does_not_import_the_http_client(tmp_path: Path) -> None:
    """``requests`` costs ~50 ms to import: the first send pays it on a background thread, not
    the app's start-up."""
    script = textwrap.dedent(
        """
        import sys
        from automagik_telemetry import configure_automagik
        handle = configure_automagik(
            enabled=True, endpoint="http://127.0.0.1:9", spool_dir=sys.argv[1]
        )
        print("requests" in sys.modules)
        handle.shutdown(1)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "spool")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert result.stdout.splitlines()[0] == "False"


@pytest.mark.parametrize(("compression", "header"), [("deflate", "deflate"), ("none", None)])
def test_compression_setting_is_honoured(compression: str, header: str | None) -> None:
    with running_receiver() as receiver:
        payload = encode_batch("traces", spans())
        backend = backend_for(receiver.url, compression=compression)
        assert backend.send_request("traces", payload, 5).delivered
    (request,) = receiver.received
    assert request.headers.get("content-encoding") == header
    assert request.raw == payload  # decoded back to exactly the request we made


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504, 507])
def test_overload_and_server_errors_are_worth_retrying(status: int) -> None:
    with running_receiver(behaviour=answering(status)) as receiver:
        delivery = backend_for(receiver.url).send_items("traces", spans(), 5)
    assert delivery.status == "retry"
    assert f"HTTP {status}" in delivery.detail
    assert delivery.payload is not None


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413])
def test_client_errors_are_rejected_for_good(status: int) -> None:
    with running_receiver(behaviour=answering(status)) as receiver:
        delivery = backend_for(receiver.url).send_items("traces", spans(), 5)
    assert delivery.status == "rejected"
    assert "why not" in delivery.detail


def test_retry_after_in_seconds_and_as_a_date_is_read() -> None:
    with running_receiver(behaviour=answering(429, {"Retry-After": "7"})) as receiver:
        assert backend_for(receiver.url).send_items("traces", spans(), 5).retry_after == 7.0
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    with running_receiver(behaviour=answering(503, {"Retry-After": later})) as receiver:
        retry_after = backend_for(receiver.url).send_items("traces", spans(), 5).retry_after
    assert retry_after is not None
    assert 25 < retry_after <= 30
    naive = "Wed, 21 Oct 2015 07:28:00 -0000"  # a date in the past, without a zone
    with running_receiver(behaviour=answering(503, {"Retry-After": naive})) as receiver:
        assert backend_for(receiver.url).send_items("traces", spans(), 5).retry_after == 0.0
    for huge in ("1e10", "inf", "Fri, 31 Dec 9999 23:59:59 GMT"):  # capped, never parks us
        with running_receiver(behaviour=answering(429, {"Retry-After": huge})) as receiver:
            delivery = backend_for(receiver.url).send_items("traces", spans(), 5)
        assert delivery.retry_after == MAX_RETRY_AFTER
    for nonsense in ("soon", "", "nan", "Fri, 31 Dec 99999 23:59:59 GMT"):
        with running_receiver(behaviour=answering(503, {"Retry-After": nonsense})) as receiver:
            assert backend_for(receiver.url).send_items("traces", spans(), 5).retry_after is None


def test_a_closed_port_is_worth_retrying() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    delivery = backend_for(f"http://127.0.0.1:{port}").send_items("traces", spans(), 2)
    assert delivery.status == "retry"
    assert "refused" in delivery.detail.lower()


def test_no_answer_within_the_timeout_is_worth_retrying() -> None:
    release = threading.Event()
    with running_receiver(behaviour=lambda _: (release.wait(10), (200, {}, b""))[1]) as receiver:
        delivery = backend_for(receiver.url).send_items("traces", spans(), 0.3)
        release.set()
    assert delivery.status == "retry"
    assert "within 0.3s" in delivery.detail


@pytest.mark.parametrize("status", [503, 400])
def test_a_truncated_answer_then_a_reset_is_worth_retrying(status: int) -> None:
    """The answer never arrived whole, so nobody said "never": a transport fault, not a
    refusal (a 400 cut short is retried too; the next attempt gets the whole answer)."""
    with raw_server(truncated_answer(status, promised=100, sent=10)) as server:
        delivery = backend_for(server.url).send_items("traces", spans(), 5)
    assert delivery.status == "retry"
    assert delivery.payload is not None


def test_an_endpoint_that_drops_connection_attempts_is_given_up_on_quickly() -> None:
    """A listener whose accept queue is full drops SYNs, as a firewalled host does: the attempt
    ends after ``CONNECT_TIMEOUT``, not after the whole (here 60 s) timeout."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)  # one connection queued, never accepted; later SYNs are dropped
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        with socket.create_connection(listener.getsockname()):
            started = time.monotonic()
            delivery = backend_for(url).send_items("traces", spans(), 60)
            elapsed = time.monotonic() - started
    assert delivery.status == "retry"
    assert f"cannot connect to {url}/v1/traces within {CONNECT_TIMEOUT:g}s" in delivery.detail
    assert elapsed < 30


def test_a_request_that_cannot_be_made_is_rejected() -> None:
    backend = backend_for("http://127.0.0.1:4318")
    backend.endpoints["traces"] = "http://[bad"  # what a broken proxy URL would give
    assert backend.send_items("traces", spans(), 1).status == "rejected"


def test_tls_client_settings_come_from_the_standard_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/ca.pem")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/etc/client.pem")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_CLIENT_KEY", "/etc/client.key")
    backend = backend_for("https://collector.example.com")
    assert backend._verify == "/etc/ca.pem"
    assert backend._cert == ("/etc/client.pem", "/etc/client.key")


@pytest.mark.parametrize(
    ("preference", "counter", "histogram", "observable_counter", "updown"),
    [
        ("", "CUMULATIVE", "CUMULATIVE", "CUMULATIVE", "CUMULATIVE"),
        ("delta", "DELTA", "DELTA", "DELTA", "CUMULATIVE"),
        ("lowmemory", "DELTA", "DELTA", "CUMULATIVE", "CUMULATIVE"),
    ],
)
def test_metric_temporality_follows_the_standard_preference(
    monkeypatch: pytest.MonkeyPatch,
    preference: str,
    counter: str,
    histogram: str,
    observable_counter: str,
    updown: str,
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", preference)
    temporality = backend_for("http://127.0.0.1:4318").preferred_temporality
    assert temporality[Counter] is AggregationTemporality[counter]
    assert temporality[Histogram] is AggregationTemporality[histogram]
    assert temporality[ObservableCounter] is AggregationTemporality[observable_counter]
    assert temporality[UpDownCounter] is AggregationTemporality[updown]


def test_shutdown_closes_connections_and_a_later_send_reconnects(receiver: OTLPReceiver) -> None:
    backend = backend_for(receiver.url)
    backend.shutdown()  # nothing opened yet
    assert backend.send_items("traces", spans(), 5).delivered
    backend.shutdown()
    assert backend.send_items("traces", spans(), 5).delivered
