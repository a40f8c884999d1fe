from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from automagik_telemetry import ConsentDecision, ConsentLevel, ConsentState, TelemetryConfig
from automagik_telemetry.consent import ConsentStore
from tests.support import polling


def state_for(level: ConsentLevel, interval: float = 0.05, **kwargs: object) -> ConsentState:
    ConsentStore().write_preference(level, via="test")
    return ConsentState(TelemetryConfig(), environ={}, refresh_interval=interval, **kwargs)  # type: ignore[arg-type]


def wait_until(predicate: Callable[[], bool], timeout: float = 3.0) -> bool:
    return polling.wait_until(predicate, timeout, interval=0.01)


def test_opt_out_file_takes_effect_within_the_refresh_interval(isolated_user: Path) -> None:
    seen: list[ConsentDecision] = []
    state = state_for(ConsentLevel.ALL)
    state.add_listener(seen.append)
    assert state.level is ConsentLevel.ALL
    (isolated_user / ".automagik-no-telemetry").touch()
    assert wait_until(lambda: state.level is ConsentLevel.OFF, timeout=1.0)
    assert not state.enabled
    assert [d.rule for d in seen] == ["opt_out_file"]
    assert state.initial.level is ConsentLevel.ALL


def test_default_interval_reacts_within_about_a_second(isolated_user: Path) -> None:
    ConsentStore().write_preference(ConsentLevel.ALL, via="test")
    state = ConsentState(TelemetryConfig(), environ={})
    started = time.monotonic()
    ConsentStore().write_preference(ConsentLevel.OFF, via="cli")
    assert wait_until(lambda: state.level is ConsentLevel.OFF, timeout=2.0)
    assert time.monotonic() - started <= 1.2


def test_opting_in_never_raises_the_level_of_a_running_process() -> None:
    errors_only = state_for(ConsentLevel.ERRORS)
    revoked = state_for(ConsentLevel.OFF)
    ConsentStore().write_preference(ConsentLevel.ALL, via="cli")
    time.sleep(0.1)
    assert errors_only.level is ConsentLevel.ERRORS
    assert revoked.level is ConsentLevel.OFF


def test_downgrade_from_all_to_errors_is_applied() -> None:
    state = state_for(ConsentLevel.ALL)
    ConsentStore().write_preference(ConsentLevel.ERRORS, via="cli")
    assert wait_until(lambda: state.level is ConsentLevel.ERRORS)
    assert state.decision.rule == "stored_on"


def test_touching_files_without_changing_the_decision_keeps_the_level() -> None:
    seen: list[ConsentDecision] = []
    state = state_for(ConsentLevel.ALL)
    state.add_listener(seen.append)
    ConsentStore().write_preference(ConsentLevel.ALL, via="again")
    time.sleep(0.1)
    assert state.level is ConsentLevel.ALL
    assert seen == []


def test_revoke_turns_it_off_at_once_and_tells_listeners() -> None:
    state = state_for(ConsentLevel.ALL, interval=60)
    seen: list[str] = []
    state.add_listener(lambda decision: seen.append(decision.reason))
    state.revoke("the app called disable()")
    assert state.level is ConsentLevel.OFF
    assert seen == ["the app called disable()"]


def test_a_failing_listener_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    state = state_for(ConsentLevel.ALL, interval=60)
    seen: list[str] = []

    def broken(decision: ConsentDecision) -> None:
        raise RuntimeError("listener bug")

    state.add_listener(broken)
    state.add_listener(lambda decision: seen.append(decision.rule))
    state.revoke("test")
    assert seen == ["revoked"]
    assert "consent listener failed" in caplog.text


class _SlowStore(ConsentStore):
    def change_marker(self) -> tuple[bool, int]:
        time.sleep(0.5)
        return super().change_marker()


def test_a_slow_recheck_in_one_thread_never_blocks_another() -> None:
    ConsentStore().write_preference(ConsentLevel.ALL, via="test")
    decision = ConsentState(TelemetryConfig(), environ={}).initial
    state = ConsentState(
        TelemetryConfig(), environ={}, refresh_interval=0.0, decision=decision, store=_SlowStore()
    )
    worker = threading.Thread(target=state.refresh)
    worker.start()
    time.sleep(0.05)
    started = time.monotonic()
    assert state.level is ConsentLevel.ALL
    assert time.monotonic() - started < 0.2
    worker.join()
