"""The ``automagik-telemetry`` command, in-process and as the installed console script."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from automagik_telemetry.cli import main
from automagik_telemetry.consent import ConsentStore
from tests.support.otlp_receiver import OTLPReceiver, Received, running_receiver


def run(*argv: str) -> int:
    return main(list(argv))


def test_status_explains_the_default_off_state(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("status") == 0
    out = capsys.readouterr().out
    assert out.startswith("Telemetry: OFF")
    assert "no consent recorded" in out
    assert "would send:   OTLP/HTTP traces https://telemetry.namastex.ai/v1/traces" in out
    assert "install id:   (none" in out


def test_status_json_is_machine_readable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOMAGIK_TELEMETRY_ENDPOINT", "https://collector.example.com")
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    assert run("status", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["enabled"] is False
    assert data["rule"] == "do_not_track"
    assert data["config_sources"] == {"endpoint": "env:AUTOMAGIK_TELEMETRY_ENDPOINT"}
    assert data["destinations"]["otlp"].startswith("OTLP/HTTP traces https://collector.example.com")
    assert data["running"] is False


def test_opt_in_then_status_then_opt_out(
    capsys: pytest.CaptureFixture[str], isolated_user: Path
) -> None:
    assert run("opt-in") == 0
    assert "next start" in capsys.readouterr().out
    assert run("status") == 0
    out = capsys.readouterr().out
    assert out.startswith("Telemetry: ON (all)")
    assert "you opted in" in out
    assert "via automagik-telemetry opt-in" in out

    assert run("opt-in", "--level", "errors") == 0
    capsys.readouterr()
    assert run("status", "--json") == 0
    assert json.loads(capsys.readouterr().out)["level"] == "errors"

    assert run("opt-out") == 0
    assert "within about a second" in capsys.readouterr().out
    assert (isolated_user / ".automagik-no-telemetry").exists()
    assert run("status") == 0
    assert capsys.readouterr().out.startswith("Telemetry: OFF")


def test_opt_in_says_when_something_else_still_keeps_it_off(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    assert run("opt-in") == 0
    assert "still stays off here because CI environment detected" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["opt-in", "opt-out"])
def test_an_unwritable_config_dir_is_reported_not_a_traceback(
    command: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("AUTOMAGIK_TELEMETRY_CONFIG_DIR", str(blocker / "cfg"))
    assert run(command) == 1
    assert "cannot record your choice" in capsys.readouterr().err


def test_bad_configuration_exits_2_naming_the_setting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOMAGIK_TELEMETRY_TIMEOUT", "soon")
    assert run("status") == 2
    err = capsys.readouterr().err
    assert "timeout" in err
    assert "AUTOMAGIK_TELEMETRY_TIMEOUT" in err
    assert "'soon'" in err


def test_unknown_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        run("frobnicate")
    assert caught.value.code == 2


# -- doctor ---------------------------------------------------------------------------------


def doctor(url: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    os.environ["AUTOMAGIK_TELEMETRY_ENDPOINT"] = url
    try:
        code = run("doctor", "--timeout", "1", *extra)
    finally:
        del os.environ["AUTOMAGIK_TELEMETRY_ENDPOINT"]
    return code, capsys.readouterr().out


def test_doctor_reports_a_working_endpoint(
    receiver: OTLPReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = doctor(receiver.url, capsys)
    assert code == 0
    assert "OK: HTTP 200: the endpoint accepts OTLP/HTTP protobuf" in out
    assert "consent:  off" in out
    (request,) = receiver.received
    assert request.raw == b""  # an empty export request: no data about anyone


def test_doctor_sends_configured_headers(capsys: pytest.CaptureFixture[str]) -> None:
    def needs_key(request: Received) -> tuple[int, dict[str, str], bytes] | None:
        return None if request.headers.get("x-api-key") == "k" else (401, {}, b"")

    with running_receiver(behaviour=needs_key) as guarded:
        code, out = doctor(guarded.url, capsys)
        assert (code, "HTTP 401: authentication required") == (1, out.split("PROBLEM: ")[1][:33])
        os.environ["OTEL_EXPORTER_OTLP_HEADERS"] = "x-api-key=k"
        try:
            assert doctor(guarded.url, capsys)[0] == 0
        finally:
            del os.environ["OTEL_EXPORTER_OTLP_HEADERS"]


@pytest.mark.parametrize(
    ("status", "ok", "advice"),
    [
        (400, True, "reachable; the receiver rejected an empty request"),
        (403, False, "access denied"),
        (404, False, "no OTLP receiver at this path"),
        (415, False, "the receiver does not accept OTLP protobuf"),
        (429, False, "the receiver is rate-limiting"),
        (503, False, "server error"),
        (418, False, "unexpected answer"),
    ],
)
def test_doctor_explains_http_answers(
    status: int, ok: bool, advice: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_receiver(behaviour=lambda _: (status, {}, b"")) as answering:
        code, out = doctor(answering.url, capsys)
    assert code == (0 if ok else 1)
    assert f"HTTP {status}: {advice}" in out


def test_doctor_explains_a_closed_port(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, out = doctor(f"http://127.0.0.1:{port}", capsys)
    assert code == 1
    assert f"connection refused: nothing listens at http://127.0.0.1:{port}/v1/traces" in out


def test_doctor_explains_a_name_that_does_not_resolve(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = doctor("http://no-such-host.invalid", capsys)
    assert code == 1
    assert "does not resolve" in out


def test_doctor_explains_a_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    release = threading.Event()
    with running_receiver(behaviour=lambda _: (release.wait(10), (200, {}, b""))[1]) as slow:
        code, out = doctor(slow.url, capsys)
        release.set()
    assert code == 1
    assert "no answer within 1s" in out


def test_doctor_explains_tls_trouble(
    receiver: OTLPReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = doctor(receiver.url.replace("http://", "https://"), capsys)
    assert code == 1
    assert "TLS failed" in out


@contextmanager
def hanging_up_server() -> Iterator[int]:
    """Accepts a connection and closes it without a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def serve() -> None:
        try:
            while True:
                conn, _ = server.accept()
                conn.recv(65536)
                conn.close()
        except OSError:
            return

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


def test_doctor_explains_a_peer_that_hangs_up(capsys: pytest.CaptureFixture[str]) -> None:
    with hanging_up_server() as port:
        code, out = doctor(f"http://127.0.0.1:{port}", capsys)
    assert code == 1
    assert "cannot connect:" in out


def test_doctor_skips_the_network_check_for_the_console_backend(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOMAGIK_TELEMETRY_BACKEND", "console")
    assert run("doctor") == 0
    assert "backend:  console: stderr" in capsys.readouterr().out


# -- the installed entry points -------------------------------------------------------------


def test_console_script_and_module_entry_point(tmp_path: Path) -> None:
    env = {**os.environ, "AUTOMAGIK_TELEMETRY_CONFIG_DIR": str(tmp_path)}
    script = shutil.which("automagik-telemetry", path=str(Path(sys.executable).parent))
    assert script is not None, "the console script is not installed"
    opted = subprocess.run([script, "opt-in"], env=env, capture_output=True, text=True)
    assert opted.returncode == 0
    status = subprocess.run(
        [sys.executable, "-m", "automagik_telemetry", "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert status.returncode == 0
    assert json.loads(status.stdout)["rule"] == "stored_on"
    assert ConsentStore(tmp_path).read_preference() is not None


def test_status_shows_what_waits_in_the_spool_and_what_was_dropped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from automagik_telemetry.spool.store import SpoolStore

    monkeypatch.setenv("OTEL_SERVICE_NAME", "my tool")
    directory = tmp_path / "xdg-cache" / "automagik" / "spool" / "my_tool" / "otlp-0123456789"
    store = SpoolStore(directory, max_bytes=100, max_age=3600)
    store.write("traces", b"x" * 40)
    store.write("traces", b"y" * 200)  # bigger than the whole budget: refused, counted
    assert run("status") == 0
    out = capsys.readouterr().out
    assert "spool:        otlp-0123456789: 1 batches, 54 bytes, oldest" in out
    assert "dropped (too_large): 1 batches, 214 bytes" in out
    assert run("status", "--json") == 0
    spool = json.loads(capsys.readouterr().out)["spool"]["otlp-0123456789"]
    assert (spool["batches"], spool["dropped"]["too_large"]["batches"]) == (1, 1)


def test_status_names_the_consent_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("status") == 0
    shown = capsys.readouterr().out
    path = ConsentStore().preference_path
    assert f"consent file: {path}\n" in shown
    assert path.name == "telemetry-consent.json"


def test_doctor_offline_checks_the_configuration_without_a_network_probe(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.socket() as listener:  # any connection attempt would be accepted and seen
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        os.environ["AUTOMAGIK_TELEMETRY_ENDPOINT"] = url
        try:
            assert run("doctor", "--offline") == 0
        finally:
            del os.environ["AUTOMAGIK_TELEMETRY_ENDPOINT"]
        with pytest.raises(BlockingIOError):
            listener.accept()
    out = capsys.readouterr().out
    assert f"backend:  otlp: OTLP/HTTP traces {url}/v1/traces" in out
    assert "OK" not in out
    assert "PROBLEM" not in out


def cli_command() -> list[str]:
    script = shutil.which("automagik-telemetry", path=str(Path(sys.executable).parent))
    assert script is not None, "the console script is not installed"
    return [script]


def test_output_cut_short_by_its_reader_ends_quietly(tmp_path: Path) -> None:
    """``automagik-telemetry status | head -1``: the reader closes the pipe after one line."""
    env = {**os.environ, "AUTOMAGIK_TELEMETRY_CONFIG_DIR": str(tmp_path)}
    reader, writer = os.pipe()
    os.close(reader)  # a reader that is already gone: every write fails with EPIPE
    try:
        completed = subprocess.run(
            [*cli_command(), "status"], env=env, stdout=writer, stderr=subprocess.PIPE
        )
    finally:
        os.close(writer)
    assert completed.stderr == b""  # no BrokenPipeError traceback, no "Exception ignored"
    assert completed.returncode == 141


HEAVY = (
    "opentelemetry",
    "google.protobuf",
    "requests",
    "asyncio",
    "automagik_telemetry.engine",
    "automagik_telemetry.privacy",
)
HEAVY_STDLIB = {"ssl", "urllib.request"}


def test_consent_commands_never_load_the_pipeline(tmp_path: Path) -> None:
    """The command's own start-up is part of the user's wait: status, opt-in, opt-out and
    doctor --offline load the light front only (a ``python -X importtime`` check)."""
    env = {**os.environ, "AUTOMAGIK_TELEMETRY_CONFIG_DIR": str(tmp_path)}
    for argv in (["status"], ["opt-in"], ["opt-out"], ["doctor", "--offline"], ["status"]):
        completed = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "automagik_telemetry", *argv],
            env=env,
            capture_output=True,
            text=True,
        )
        assert completed.returncode == 0, completed.stderr
        loaded = {line.rsplit("|", 1)[-1].strip() for line in completed.stderr.splitlines()}
        heavy = {name for name in loaded if name.startswith(HEAVY) or name in HEAVY_STDLIB}
        assert heavy == set(), argv
