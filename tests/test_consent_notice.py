"""The first-run notice, driven through a real pseudo-terminal."""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TextIO

import pytest

from automagik_telemetry import ConsentLevel, TelemetryConfig, decide_consent, first_run_notice
from automagik_telemetry.consent import ConsentStore


@dataclass
class Terminal:
    master: int
    stdin: TextIO
    stdout: TextIO

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def screen(self) -> str:
        chunks = []
        os.set_blocking(self.master, False)
        try:
            while True:
                chunks.append(os.read(self.master, 65536).decode())
        except (BlockingIOError, OSError):
            pass
        return "".join(chunks)


@contextmanager
def terminal() -> Iterator[Terminal]:
    master, slave = os.openpty()
    stdin = os.fdopen(slave, "r")
    stdout = os.fdopen(os.dup(slave), "w")
    try:
        yield Terminal(master, stdin, stdout)
    finally:
        stdin.close()
        stdout.close()
        os.close(master)


@pytest.mark.parametrize(
    ("answer", "level"),
    [
        ("y\n", ConsentLevel.ALL),
        ("YES\n", ConsentLevel.ALL),
        ("e\n", ConsentLevel.ERRORS),
        ("n\n", ConsentLevel.OFF),
        ("\n", ConsentLevel.OFF),
        ("whatever\n", ConsentLevel.OFF),
    ],
)
def test_answer_is_recorded_and_decides_the_next_start(answer: str, level: ConsentLevel) -> None:
    with terminal() as tty:
        tty.type(answer)
        result = first_run_notice("forge", stdin=tty.stdin, stdout=tty.stdout, environ={})
        screen = tty.screen()
    assert result is level
    assert "forge can send anonymous usage" in screen
    assert "[N]o" in screen
    assert decide_consent(TelemetryConfig(), {}).level is level


def test_an_answer_that_cannot_be_saved_still_applies_to_this_run(tmp_path: object) -> None:
    from pathlib import Path

    blocker = Path(str(tmp_path)) / "file"
    blocker.write_text("")
    config = TelemetryConfig(config_dir=blocker / "cfg")
    with terminal() as tty:
        tty.type("y\n")
        level = first_run_notice(
            "forge", config=config, stdin=tty.stdin, stdout=tty.stdout, environ={}
        )
        assert "Could not save your answer" in tty.screen()
    assert level is ConsentLevel.ALL


def test_asks_only_once() -> None:
    with terminal() as tty:
        tty.type("y\n")
        assert first_run_notice("forge", stdin=tty.stdin, stdout=tty.stdout, environ={}) is not None
        tty.screen()
        tty.type("n\n")
        assert first_run_notice("forge", stdin=tty.stdin, stdout=tty.stdout, environ={}) is None
        assert "Share telemetry?" not in tty.screen()
    assert decide_consent(TelemetryConfig(), {}).level is ConsentLevel.ALL


def test_notice_names_the_configured_destination() -> None:
    config = TelemetryConfig(endpoint="https://collector.example.org")
    with terminal() as tty:
        tty.type("n\n")
        first_run_notice("forge", config=config, stdin=tty.stdin, stdout=tty.stdout, environ={})
        assert "Sent to: https://collector.example.org" in tty.screen()
    with terminal() as tty:
        ConsentStore().preference_path.unlink()
        ConsentStore().opt_out_path.unlink()
        tty.type("n\n")
        first_run_notice(
            "forge",
            config=TelemetryConfig(backend="console"),
            stdin=tty.stdin,
            stdout=tty.stdout,
            environ={},
        )
        assert "Sent to: console" in tty.screen()


def test_no_answer_in_time_is_no_for_this_run_and_asks_again_later() -> None:
    with terminal() as tty:
        started = time.monotonic()
        result = first_run_notice(
            "forge", stdin=tty.stdin, stdout=tty.stdout, environ={}, timeout=0.2
        )
        assert time.monotonic() - started < 2
        assert result is None
        assert "ask again next time" in tty.screen()
    assert ConsentStore().read_preference() is None


def test_end_of_input_is_no_answer() -> None:
    with terminal() as tty:
        tty.type("\x04")  # Ctrl-D at the start of a line: EOF
        assert first_run_notice("forge", stdin=tty.stdin, stdout=tty.stdout, environ={}) is None
    assert ConsentStore().read_preference() is None


@pytest.mark.parametrize(
    "env", [{"CI": "true"}, {"DO_NOT_TRACK": "1"}, {"AUTOMAGIK_TELEMETRY_ENABLED": "false"}]
)
def test_never_asks_in_ci_or_when_the_environment_already_decided(env: dict[str, str]) -> None:
    with terminal() as tty:
        assert first_run_notice("forge", stdin=tty.stdin, stdout=tty.stdout, environ=env) is None
        assert tty.screen() == ""


def test_never_asks_after_an_opt_out() -> None:
    ConsentStore().write_preference(ConsentLevel.OFF, via="cli")
    ConsentStore().preference_path.unlink()
    with terminal() as tty:
        assert first_run_notice("forge", stdin=tty.stdin, stdout=tty.stdout, environ={}) is None


def test_never_prompts_or_blocks_without_a_terminal() -> None:
    read_end, write_end = os.pipe()
    with os.fdopen(read_end) as piped_stdin, os.fdopen(write_end, "w"):
        out = io.StringIO()
        finished = threading.Event()

        def ask() -> None:
            first_run_notice("forge", stdin=piped_stdin, stdout=out, environ={})
            finished.set()

        threading.Thread(target=ask, daemon=True).start()
        assert finished.wait(1.0), "the notice blocked on a non-interactive stdin"
    assert out.getvalue() == ""


def test_streams_that_cannot_say_whether_they_are_terminals_count_as_not() -> None:
    closed = io.StringIO()
    closed.close()
    assert first_run_notice("forge", stdin=closed, stdout=closed, environ={}) is None


def test_a_stdin_that_cannot_be_polled_is_never_read(tmp_path: object) -> None:
    class TtyWithoutFileno(io.StringIO):
        def isatty(self) -> bool:
            return True

    stdin, stdout = TtyWithoutFileno("y\n"), TtyWithoutFileno()
    assert first_run_notice("forge", stdin=stdin, stdout=stdout, environ={}) is None
    assert stdin.tell() == 0  # never consumed the user's input


def test_defaults_use_the_process_streams_and_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO())
    monkeypatch.setattr("sys.stdout", io.StringIO())
    assert first_run_notice("forge") is None
