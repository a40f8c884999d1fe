"""Run ``examples/web_app`` under ``opentelemetry-instrument`` as a real child process.

The app binds port 0 and prints the port it got, so parallel runs never collide; readiness is
the ``/health`` endpoint answering; every wait has a timeout, and the child is always stopped
(SIGTERM, so it flushes at exit as a real deployment would; SIGKILL if it does not go).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
WEB_APP = ROOT / "examples" / "web_app" / "app.py"
INSTRUMENT = Path(sys.executable).parent / "opentelemetry-instrument"
_LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


@dataclass
class RunningApp:
    process: subprocess.Popen[str]
    url: str = ""
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)

    def get(self, path: str, **kwargs: object) -> requests.Response:
        return requests.get(self.url + path, timeout=10, **kwargs)  # type: ignore[arg-type]

    @property
    def err(self) -> str:
        return "".join(self.stderr)


def base_env(home: Path, **extra: str) -> dict[str, str]:
    """The test process's environment without telemetry variables, plus ``extra``; short batch
    delays so data arrives within the test."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AUTOMAGIK_", "OTEL_")) and name not in {"DO_NOT_TRACK", "CI"}
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        OTEL_BSP_SCHEDULE_DELAY="50",
        OTEL_BLRP_SCHEDULE_DELAY="50",
        OTEL_METRIC_EXPORT_INTERVAL="200",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def _pump(stream: object, into: list[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        into.append(line)


@contextmanager
def instrumented_app(env: Mapping[str, str], timeout: float = 30.0) -> Iterator[RunningApp]:
    """``opentelemetry-instrument python examples/web_app/app.py 0`` with ``env``."""
    process = subprocess.Popen(
        [str(INSTRUMENT), sys.executable, str(WEB_APP), "0"],
        env=dict(env),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    app = RunningApp(process)
    threads = [
        threading.Thread(target=_pump, args=(process.stdout, app.stdout), daemon=True),
        threading.Thread(target=_pump, args=(process.stderr, app.stderr), daemon=True),
    ]
    for thread in threads:
        thread.start()
    try:
        _wait_until_serving(app, timeout)
        yield app
    finally:
        stop(app)
        for thread in threads:
            thread.join(5)


def stop(app: RunningApp, timeout: float = 15.0) -> int:
    """SIGTERM (the app shuts down and flushes at exit), then SIGKILL after ``timeout``."""
    if app.process.poll() is None:
        app.process.send_signal(signal.SIGTERM)
        try:
            app.process.wait(timeout)
        except subprocess.TimeoutExpired:
            app.process.kill()
            app.process.wait(5)
    return app.process.returncode


def _wait_until_serving(app: RunningApp, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise AssertionError(f"the app exited early:\n{app.err}")
        match = next((m for line in app.stdout if (m := _LISTENING.search(line))), None)
        if match is not None:
            app.url = match[1]
            try:
                if app.get("/health").ok:
                    return
            except requests.ConnectionError:
                pass
        time.sleep(0.05)
    raise AssertionError(f"the app did not serve within {timeout}s:\n{app.err}")
