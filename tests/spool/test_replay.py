"""The replayer: oldest first, backoff after failures, consent before every send, and files
that can never be sent set aside instead of retried forever."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from opentelemetry._logs import SeverityNumber
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

from automagik_telemetry import ConsentLevel, ConsentState, TelemetryConfig
from automagik_telemetry.consent import ConsentStore
from automagik_telemetry.delivery.outcome import MAX_RETRY_AFTER, Delivery
from automagik_telemetry.exporters.otlp import OTLPBackend
from automagik_telemetry.spool.codec import encode_batch
from automagik_telemetry.spool.replay import IDLE, Replayer
from automagik_telemetry.spool.store import SpoolStore
from tests.support.otlp_receiver import OTLPReceiver, running_receiver
from tests.support.polling import wait_until


def consent(level: ConsentLevel) -> ConsentState:
    ConsentStore().write_preference(level, via="test")
    return ConsentState(TelemetryConfig(), environ={}, refresh_interval=0.0)


def spans_payload(*names: str, failed: str | None = None) -> bytes:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    for name in names:
        span = provider.get_tracer("t").start_span(name)
        if name == failed:
            span.set_status(Status(StatusCode.ERROR, "bad"))
        span.end()
    return encode_batch("traces", exporter.get_finished_spans())


def logs_payload() -> bytes:
    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider(shutdown_on_exit=False)
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    provider.get_logger("l").emit(body="usage", severity_number=SeverityNumber.INFO)
    provider.get_logger("l").emit(body="crash", severity_number=SeverityNumber.FATAL)
    return encode_batch("logs", exporter.get_finished_logs())


def metrics_payload() -> bytes:
    reader = InMemoryMetricReader()
    MeterProvider(metric_readers=[reader], shutdown_on_exit=False).get_meter("m").create_counter(
        "c"
    ).add(1)
    data = reader.get_metrics_data()
    assert data is not None
    return encode_batch("metrics", data)


def replayer(tmp_path: Path, url: str, level: ConsentLevel = ConsentLevel.ALL) -> Replayer:
    store = SpoolStore(tmp_path / "spool", max_bytes=10**7, max_age=3600)
    backend = OTLPBackend(TelemetryConfig(endpoint=url))
    return Replayer(store, backend, consent(level), timeout=2, first_delay=0.1, max_delay=0.4)


def test_oldest_first_then_idle(receiver: OTLPReceiver, tmp_path: Path) -> None:
    replay = replayer(tmp_path, receiver.url)
    replay.store.write("traces", spans_payload("first"))
    replay.store.write("traces", spans_payload("second"))
    assert replay.replay_one() == 0.0
    assert replay.replay_one() == 0.0
    assert replay.replay_one() == IDLE
    assert [span.name for _, span in receiver.spans()] == ["first", "second"]


def test_failures_back_off_exponentially_with_jitter_up_to_the_cap(tmp_path: Path) -> None:
    with running_receiver(behaviour=lambda _: (503, {}, b"")) as receiver:
        replay = replayer(tmp_path, receiver.url)
        replay.store.write("traces", spans_payload("waiting"))
        delays = [replay.replay_one() for _ in range(6)]
    assert 0.05 <= delays[0] <= 0.1
    assert 0.1 <= delays[1] <= 0.2
    assert all(0.2 <= delay <= 0.4 for delay in delays[3:])  # capped
    assert replay.failures == 6
    assert replay.store.stats().batches == 1  # kept for later


def test_retry_after_is_a_lower_bound(tmp_path: Path) -> None:
    with running_receiver(behaviour=lambda _: (429, {"Retry-After": "3"}, b"")) as receiver:
        replay = replayer(tmp_path, receiver.url)
        replay.store.write("traces", spans_payload("later"))
        assert replay.replay_one() == 3.0


def test_a_rejected_batch_is_quarantined_not_retried(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with running_receiver(behaviour=lambda _: (400, {}, b"malformed")) as receiver:
        replay = replayer(tmp_path, receiver.url)
        replay.store.write("traces", spans_payload("bad"))
        assert replay.replay_one() == 0.0
        assert replay.replay_one() == IDLE
    assert len(list((tmp_path / "spool" / "quarantine").iterdir())) == 1
    assert "otlp rejected it" in caplog.text


def test_a_damaged_file_is_quarantined(receiver: OTLPReceiver, tmp_path: Path) -> None:
    replay = replayer(tmp_path, receiver.url)
    replay.store.write("traces", spans_payload("x"))
    (path,) = (tmp_path / "spool" / "ready").iterdir()
    path.write_bytes(path.read_bytes()[:-3])
    assert replay.replay_one() == 0.0
    assert receiver.connections == 0
    assert len(list((tmp_path / "spool" / "quarantine").iterdir())) == 1


def test_with_consent_off_everything_is_deleted_unsent(
    receiver: OTLPReceiver, tmp_path: Path
) -> None:
    replay = replayer(tmp_path, receiver.url, ConsentLevel.OFF)
    replay.store.write("traces", spans_payload("private"))
    assert replay.replay_one() == IDLE
    assert replay.store.stats().batches == 0
    assert replay.store.stats().dropped["consent_revoked"]["batches"] == 1
    assert receiver.connections == 0


def test_at_the_errors_level_only_errors_are_replayed(
    receiver: OTLPReceiver, tmp_path: Path
) -> None:
    replay = replayer(tmp_path, receiver.url, ConsentLevel.ERRORS)
    replay.store.write("traces", spans_payload("ok", "broken", failed="broken"))
    replay.store.write("traces", spans_payload("fine"))
    replay.store.write("logs", logs_payload())
    replay.store.write("metrics", metrics_payload())
    while replay.replay_one() != IDLE:
        pass
    assert [span.name for _, span in receiver.spans()] == ["broken"]
    assert [record.body.string_value for _, record in receiver.log_records()] == ["crash"]
    assert receiver.metrics() == []


class _ExplodingBackend(OTLPBackend):
    def send_request(
        self, signal: str, payload: bytes, timeout: float, *, batch_id: str | None = None
    ) -> Delivery:
        raise RuntimeError("backend bug")


def test_a_backend_that_raises_is_logged_and_backed_off(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = SpoolStore(tmp_path / "spool", max_bytes=10**7, max_age=3600)
    backend = _ExplodingBackend(TelemetryConfig(endpoint="http://127.0.0.1:9"))
    replay = Replayer(store, backend, consent(ConsentLevel.ALL), timeout=1, first_delay=0.1)
    store.write("traces", spans_payload("x"))
    assert replay.replay_one() > 0
    assert "spool replay failed" in caplog.text
    batch = store.claim_next()  # given back, not stuck in this process's claims
    assert batch is not None
    assert batch.signal == "traces"


def test_stop_before_start_is_harmless(tmp_path: Path) -> None:
    replayer(tmp_path, "http://127.0.0.1:9").stop(0.1)


def test_the_background_thread_replays_when_nudged_and_stops(
    receiver: OTLPReceiver, tmp_path: Path
) -> None:
    replay = replayer(tmp_path, receiver.url)
    replay.start()
    replay.store.write("traces", spans_payload("nudged"))
    replay.nudge()
    assert receiver.wait_for(lambda: len(receiver.spans()) == 1, timeout=5)
    replay.stop(2)
    assert replay._thread is not None
    assert not replay._thread.is_alive()


def test_the_background_thread_backs_off_and_stops_promptly_while_waiting(tmp_path: Path) -> None:
    with running_receiver(behaviour=lambda _: (503, {}, b"")) as receiver:
        replay = replayer(tmp_path, receiver.url)
        replay.max_delay = replay.first_delay = 30.0  # a long backoff after the first failure
        replay.store.write("traces", spans_payload("stuck"))
        replay.start()
        assert receiver.wait_for(lambda: receiver.connections >= 1, timeout=5)
        replay.stop(2)
        assert replay._thread is not None
        assert not replay._thread.is_alive()


def test_retry_after_is_capped_so_a_huge_one_neither_parks_nor_kills_the_replayer(
    tmp_path: Path,
) -> None:
    """``Retry-After: 1e10`` used to reach ``Event.wait`` and kill the replay thread (the
    process stayed backlogged until restart)."""
    with running_receiver(behaviour=lambda _: (429, {"Retry-After": "1e10"}, b"")) as receiver:
        replay = replayer(tmp_path, receiver.url)
        replay.store.write("traces", spans_payload("later"))
        assert replay.replay_one() == MAX_RETRY_AFTER
        replay.start()  # now waits out the capped Retry-After on its thread
        time.sleep(0.3)
        assert replay._thread is not None
        assert replay._thread.is_alive()
        replay.stop(2)
        assert not replay._thread.is_alive()  # and stop() still wakes it at once
    assert receiver.connections == 1  # it waited: no second attempt


def test_an_idle_replayer_with_a_huge_max_delay_keeps_running(
    receiver: OTLPReceiver, tmp_path: Path
) -> None:
    replay = replayer(tmp_path, receiver.url)
    replay.max_delay = 1e10  # the idle wait used to raise OverflowError and kill the thread
    replay.start()
    time.sleep(0.3)
    replay.store.write("traces", spans_payload("nudged"))
    replay.nudge()
    assert receiver.wait_for(lambda: len(receiver.spans()) == 1, timeout=5)
    replay.stop(2)


def test_a_failed_live_attempt_defers_the_next_replay_by_its_retry_after(
    receiver: OTLPReceiver, tmp_path: Path
) -> None:
    """The backend counts as down at once, and the spooled batch waits out the Retry-After
    the live attempt was given (it used to be re-sent after 0.06 s)."""
    replay = replayer(tmp_path, receiver.url)
    replay.start()
    replay.defer(1.5)
    assert replay.failures == 1
    deferred = time.monotonic()
    replay.store.write("traces", spans_payload("deferred"))
    replay.nudge()
    assert receiver.wait_for(lambda: len(receiver.spans()) == 1, timeout=10)
    assert time.monotonic() - deferred >= 1.4
    assert wait_until(lambda: replay.failures == 0, 5)  # through: no longer down
    replay.stop(2)
