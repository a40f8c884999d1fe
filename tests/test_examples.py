"""The examples run as a user would run them (smoke tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_quickstart_shows_the_decision_and_prints_what_would_be_sent(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "quickstart.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "telemetry would be OFF: no consent recorded" in result.stdout
    assert "enabled by the application" in result.stdout
    assert '"name": "place-order"' in result.stderr
    assert "stock is running low for item A-42" in result.stderr
    assert '"name": "orders"' in result.stderr


def run_notes(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AUTOMAGIK_", "OTEL_")) and k not in {"CI", "DO_NOT_TRACK"}
    }
    clean.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "cfg"), **env)
    return subprocess.run(
        [sys.executable, str(EXAMPLES / "cli_app" / "notes.py"), *args],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cli_app_tracks_each_command_and_its_failures(tmp_path: Path) -> None:
    debug = {"AUTOMAGIK_TELEMETRY_ENABLED": "1", "AUTOMAGIK_TELEMETRY_VERBOSE": "1"}
    added = run_notes(tmp_path, "add", "call the bank about card 4111 1111 1111 1111", **debug)
    assert added.returncode == 0, added.stderr
    assert added.stdout == "added note 1\n"
    assert '"event_name": "automagik.cli.command"' in added.stderr
    assert '"command": "add"' in added.stderr
    assert "4111" not in added.stderr  # the note's text is the user's, never sent
    assert "notes.command.duration" in added.stderr

    failed = run_notes(tmp_path, "done", "7", **debug)
    assert failed.returncode == 1
    assert "error: there is no note 7" in failed.stderr
    assert '"event_name": "automagik.error"' in failed.stderr
    assert '"exception.type": "__main__.NoteError"' in failed.stderr


def test_cli_app_without_consent_works_and_prints_no_telemetry(tmp_path: Path) -> None:
    assert run_notes(tmp_path, "add", "water plants").returncode == 0
    listed = run_notes(tmp_path, "list")
    assert listed.stdout == "1. water plants\n"
    assert listed.stderr == ""


def test_web_app_readme_shows_the_command_line_the_tests_use() -> None:
    readme = (EXAMPLES / "web_app" / "README.md").read_text()
    assert "OTEL_PYTHON_DISTRO=automagik" in readme
    assert "opentelemetry-instrument python examples/web_app/app.py" in readme


def test_the_embedded_demo_shows_consent_storage_and_reports(tmp_path: Path) -> None:
    """``make demo``: a tool on four simulated machines writes to an embedded store, then the
    text report prints and the HTML report is written, with no server anywhere."""
    pytest.importorskip("chdb", reason="the embedded extra is not installed")
    pytest.importorskip("pygal", reason="the report extra is not installed")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "demo_embedded.py"), "--dir", str(tmp_path / "demo")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "telemetry would be OFF: no consent recorded" in out
    assert "machine 4: version 1.2.0" in out
    # the e-mail address the tool logged never reached the store
    assert "log line: 'sync failed for <email>: server unreachable'" in out
    assert "span attribute user.email: '<email>'" in out
    assert "redacted before it left the process" in out
    assert "alice@example.com" not in out
    assert "active installs: 4  services: 1" in out
    assert "automagik.cli.command" in out
    report = tmp_path / "demo" / "report.html"
    assert f"Open {report.as_uri()}" in out
    assert '<figure data-chart="events_over_time" class="wide"><figcaption>' in report.read_text()
