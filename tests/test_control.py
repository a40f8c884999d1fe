"""enable(), disable(), is_enabled(), get_status(), flush(): a tool's own telemetry switch."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from pathlib import Path

import pytest
from opentelemetry import trace

from automagik_telemetry import (
    ConsentLevel,
    ConsentSampler,
    configure_automagik,
    disable,
    enable,
    flush,
    flush_async,
    get_status,
    is_enabled,
    track_event,
)
from automagik_telemetry.consent import ConsentStore
from tests.support.otlp_receiver import OTLPReceiver, Received, running_receiver


def event_names(receiver: OTLPReceiver) -> list[str]:
    return [record.event_name for _, record in receiver.log_records()]


def test_disable_sends_what_was_recorded_then_opts_out_for_good(
    receiver: OTLPReceiver, isolated_user: Path
) -> None:
    ConsentStore().write_preference(ConsentLevel.ALL, via="test")
    handle = configure_automagik(endpoint=receiver.url, service_name="forge")
    assert is_enabled()
    track_event("before")
    disable()
    track_event("after")
    trace.get_tracer("t").start_span("after").end()
    handle.force_flush(5)

    assert event_names(receiver) == ["before"]  # flushed before the opt-out
    assert receiver.spans() == []
    assert not is_enabled()
    status = get_status()
    assert (status.enabled, status.rule) == (False, "revoked")
    stored = ConsentStore().read_preference()
    assert stored is not None
    assert (stored.level, stored.via) == (ConsentLevel.OFF, "disable() in forge")
    assert (isolated_user / ".automagik-no-telemetry").exists()
    # ... and the next start of any Automagik tool is off too
    assert get_status().pending is None


def test_disable_before_configure_records_the_choice_and_revokes_hand_wired_samplers(
    isolated_user: Path,
) -> None:
    sampler = ConsentSampler()  # a user's own TracerProvider, wired by hand
    disable()
    assert ConsentStore().read_preference() is not None
    assert sampler.should_sample(None, 1, "span").decision.value == 0  # DROP
    handle = configure_automagik(enabled=True)
    assert handle.decision.rule == "opt_out_file"
    assert flush() is True


def test_disable_still_applies_in_process_when_the_choice_cannot_be_stored(
    receiver: OTLPReceiver, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    handle = configure_automagik(enabled=True, endpoint=receiver.url, config_dir=blocker / "x")
    with caplog.at_level(logging.ERROR, logger="automagik_telemetry"):
        disable()
    assert "could not store the opt-out" in caplog.text
    assert not handle.enabled
    with caplog.at_level(logging.ERROR, logger="automagik_telemetry"):
        enable()
    assert "could not store the opt-in" in caplog.text


def test_enable_records_the_opt_in_for_the_next_start(receiver: OTLPReceiver) -> None:
    handle = configure_automagik(endpoint=receiver.url)  # nobody opted in yet
    assert not is_enabled()
    enable()
    track_event("still off in this run")
    handle.force_flush(1)
    assert not is_enabled()  # a running program never widens what it sends
    status = get_status()
    assert status.pending is not None
    assert "next start" in status.pending
    stored = ConsentStore().read_preference()
    assert stored is not None
    assert stored.level is ConsentLevel.ALL
    assert receiver.connections == 0


def test_enable_before_configure_applies_to_this_run(receiver: OTLPReceiver) -> None:
    enable("errors")
    handle = configure_automagik(endpoint=receiver.url)
    assert handle.enabled
    assert handle.decision.level is ConsentLevel.ERRORS
    assert handle.decision.rule == "stored_on"


def test_enable_off_means_disable_and_nonsense_records_nothing(
    caplog: pytest.LogCaptureFixture, isolated_user: Path
) -> None:
    with caplog.at_level(logging.ERROR, logger="automagik_telemetry"):
        enable("sometimes")
    assert "enable(): invalid level" in caplog.text
    assert ConsentStore().read_preference() is None
    enable(False)  # type: ignore[arg-type]
    assert (isolated_user / ".automagik-no-telemetry").exists()


def test_an_opt_out_by_the_user_is_replaced_only_by_enable(isolated_user: Path) -> None:
    disable()
    enable()
    assert not (isolated_user / ".automagik-no-telemetry").exists()
    assert configure_automagik().enabled


def test_status_without_configure_and_with_a_bad_environment(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    status = get_status()
    assert (status.enabled, status.rule, status.running) == (False, "not_configured", False)
    assert "not been called" in status.reason
    enable()
    assert get_status().pending is not None

    monkeypatch.setenv("AUTOMAGIK_TELEMETRY_TIMEOUT", "soon")
    with caplog.at_level(logging.WARNING, logger="automagik_telemetry"):
        assert get_status().service_name == "unknown_service"
        disable()
    assert "ignoring the environment" in caplog.text
    assert not is_enabled()


def test_flush_and_flush_async_report_delivery(receiver: OTLPReceiver) -> None:
    assert flush() is True  # nothing configured, nothing to send
    configure_automagik(enabled=True, endpoint=receiver.url)
    track_event("queued")
    assert asyncio.run(flush_async(5)) is True
    assert event_names(receiver) == ["queued"]


def test_flush_async_never_blocks_the_event_loop_on_a_dead_endpoint() -> None:
    release = threading.Event()

    def hang(_: Received) -> tuple[int, dict[str, str], bytes]:
        release.wait(10)
        return 200, {}, b""

    with running_receiver(behaviour=hang) as stuck:
        configure_automagik(enabled=True, endpoint=stuck.url, timeout=5)
        track_event("stuck")

        async def main() -> tuple[bool, int]:
            ticks = 0

            async def ticker() -> None:
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.01)
                    ticks += 1

            task = asyncio.create_task(ticker())
            delivered = await flush_async(0.5)
            task.cancel()
            return delivered, ticks

        started = time.monotonic()
        delivered, ticks = asyncio.run(main())
        release.set()
    assert delivered is False
    assert time.monotonic() - started < 2
    assert ticks >= 20  # the loop kept running while the flush waited
