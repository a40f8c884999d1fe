"""Background loops: no error and no wait length can kill one of our threads."""

from __future__ import annotations

import threading

import pytest

from automagik_telemetry.engine.threads import run_guarded, wait_at_most


def test_a_loop_step_that_raises_is_logged_and_the_loop_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    steps: list[int] = []

    def step() -> None:
        steps.append(1)
        if len(steps) == 1:
            raise RuntimeError("unexpected")

    thread = threading.Thread(target=run_guarded, args=("looper", step, lambda: len(steps) >= 2))
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    assert len(steps) == 2  # went on after the error
    assert "looper hit an unexpected error" in caplog.text
    assert "RuntimeError: unexpected" in caplog.text


@pytest.mark.parametrize("seconds", [1e10, float("inf")])
def test_a_huge_wait_is_accepted_and_still_ends_when_the_event_is_set(seconds: float) -> None:
    """``Event.wait(1e10)`` raises ``OverflowError``: what killed the replay thread."""
    event = threading.Event()
    timer = threading.Timer(0.1, event.set)
    timer.start()
    assert wait_at_most(event, seconds)
    timer.join()


def test_a_negative_or_nan_wait_does_not_wait() -> None:
    event = threading.Event()
    assert not wait_at_most(event, -1.0)
    assert not wait_at_most(event, float("nan"))
