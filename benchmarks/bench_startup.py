"""Short runs: what a command-line tool pays for telemetry, start to exit, as a user sees it.

A 20-line CLI calls ``configure_automagik()``, ``track_event()`` and opens one span, then exits.
Each scenario runs as a fresh interpreter (wall time of the whole process, exit included),
scenarios interleaved round by round, medians reported, side by side with:

* the bare interpreter (``python -c pass``) and the OTel API alone (import + one span, no SDK);
* the same tool on the stock SDK: traces, logs and metrics providers, each with the stock
  OTLP/HTTP exporter, to a healthy endpoint (a receiver in another process);
* ours with no consent recorded (what most users have), and with consent to a healthy, a
  refusing (nothing listens) and a black-holed endpoint (accepts, never answers);
* the ``automagik-telemetry`` commands ``status``, ``opt-in``, ``opt-out`` and ``doctor
  --offline``.

Targets (issue 10): consent off adds <= 15 ms to the OTel API alone; consent on <= 1.1x the stock
tool; a refused or black-holed endpoint adds <= 100 ms to a healthy run; CLI commands <= 150 ms.

Run: ``.venv/bin/python benchmarks/bench_startup.py [--rounds 11]``
"""

from __future__ import annotations

import argparse
import http.server
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from automagik_telemetry.consent.environment import CI_VARIABLES

TOOL = """
import sys
mode = sys.argv[1]
if mode == "api":
    from opentelemetry import trace
    with trace.get_tracer("cli").start_as_current_span("command"):
        pass
elif mode == "stock":
    from opentelemetry import _logs, metrics, trace
    from opentelemetry._logs import SeverityNumber
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(tracer_provider)
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
    _logs.set_logger_provider(logger_provider)
    metrics.set_meter_provider(
        MeterProvider(metric_readers=[PeriodicExportingMetricReader(OTLPMetricExporter())])
    )
    _logs.get_logger("cli").emit(
        event_name="cli.command", severity_number=SeverityNumber.INFO,
        attributes={"command": "run"},
    )
    with trace.get_tracer("cli").start_as_current_span("command"):
        pass
else:
    from opentelemetry import trace
    from automagik_telemetry import configure_automagik, track_event
    configure_automagik(service_name="bench-cli")
    track_event("cli.command", {"command": "run"})
    with trace.get_tracer("cli").start_as_current_span("command"):
        pass
"""


class _Healthy(http.server.BaseHTTPRequestHandler):
    """Answers every OTLP request with 200 after reading it (run in its own process)."""

    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        del format, args


def _serve_healthy(port: int) -> None:
    http.server.ThreadingHTTPServer(("127.0.0.1", port), _Healthy).serve_forever()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _black_hole() -> tuple[socket.socket, int]:
    """A socket that accepts connections (the kernel completes the handshake from the backlog)
    and never answers: a captive portal or a firewall that drops."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1024)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(sock.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return sock, int(sock.getsockname()[1])


def _environment(home: Path, extra: dict[str, str]) -> dict[str, str]:
    # As an installed package runs: from compiled bytecode (a shell that sets
    # PYTHONDONTWRITEBYTECODE would otherwise make every run compile our sources again).
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AUTOMAGIK_", "OTEL_"))
        and key not in _CI_AND_CONSENT
        and key != "PYTHONDONTWRITEBYTECODE"
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
    )
    env.update(extra)
    return env


_CI_AND_CONSENT = {*CI_VARIABLES, "DO_NOT_TRACK", "ENVIRONMENT"}


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    completed = subprocess.run(command, env=env, capture_output=True, check=False, timeout=120)
    elapsed = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"{command} failed: {completed.stderr.decode()[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11)
    args = parser.parse_args()

    import compileall

    for path in sys.path:
        if path.endswith(("site-packages", "src")):
            compileall.compile_dir(path, quiet=1, workers=0)
    work = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    tool = work / "tool.py"
    tool.write_text(TOOL)
    python = sys.executable
    cli = str(Path(python).with_name("automagik-telemetry"))

    import multiprocessing

    healthy_port = _free_port()
    server = multiprocessing.Process(target=_serve_healthy, args=(healthy_port,), daemon=True)
    server.start()
    hole, hole_port = _black_hole()
    refused_port = _free_port()
    time.sleep(0.3)

    def endpoint(port: int) -> dict[str, str]:
        return {
            "AUTOMAGIK_TELEMETRY_ENABLED": "1",
            "AUTOMAGIK_TELEMETRY_ENDPOINT": f"http://127.0.0.1:{port}",
            "OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}",
        }

    scenarios: dict[str, tuple[list[str], dict[str, str]]] = {
        "bare interpreter (python -c pass)": ([python, "-c", "pass"], {}),
        "OTel API alone (import + one span)": ([python, str(tool), "api"], {}),
        "ours, no consent recorded": ([python, str(tool), "ours"], {}),
        "stock SDK tool, healthy endpoint": (
            [python, str(tool), "stock"],
            {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{healthy_port}"},
        ),
        "ours, consent on, healthy endpoint": ([python, str(tool), "ours"], endpoint(healthy_port)),
        "ours, endpoint refusing connections": (
            [python, str(tool), "ours"],
            endpoint(refused_port),
        ),
        "ours, black-holed endpoint": ([python, str(tool), "ours"], endpoint(hole_port)),
        "automagik-telemetry status": ([cli, "status"], {}),
        "automagik-telemetry opt-in": ([cli, "opt-in"], {}),
        "automagik-telemetry opt-out": ([cli, "opt-out"], {}),
        "automagik-telemetry doctor --offline": ([cli, "doctor", "--offline"], {}),
    }
    times: dict[str, list[float]] = {name: [] for name in scenarios}
    try:
        for round_number in range(args.rounds):
            for index, (name, (command, extra)) in enumerate(scenarios.items()):
                home = work / f"home-{round_number}-{index}"
                home.mkdir()
                times[name].append(_timed(command, _environment(home, extra)))
                shutil.rmtree(home, ignore_errors=True)
            print(f"round {round_number + 1}/{args.rounds} done", file=sys.stderr)
    finally:
        server.terminate()
        hole.close()
        shutil.rmtree(work, ignore_errors=True)

    median = {name: statistics.median(values) * 1000 for name, values in times.items()}
    api = median["OTel API alone (import + one span)"]
    stock = median["stock SDK tool, healthy endpoint"]
    healthy = median["ours, consent on, healthy endpoint"]
    print(f"\nwall time per run, median of {args.rounds} fresh processes, interleaved\n")
    print("| run | wall time | against |\n|---|---|---|")
    refused = median["ours, endpoint refusing connections"]
    black_hole = median["ours, black-holed endpoint"]
    notes = {
        "ours, no consent recorded": f"+{median['ours, no consent recorded'] - api:.0f} ms over "
        "the API alone (target <= +15 ms)",
        "ours, consent on, healthy endpoint": f"{healthy / stock:.2f}x the stock tool "
        "(target <= 1.1x)",
        "ours, endpoint refusing connections": f"{refused - healthy:+.0f} ms over healthy "
        "(target <= +100 ms)",
        "ours, black-holed endpoint": f"{black_hole - healthy:+.0f} ms over healthy "
        "(target <= +100 ms)",
    }
    for name, value in median.items():
        note = notes.get(name, "target <= 150 ms" if name.startswith("automagik-telemetry") else "")
        print(f"| {name} | {value:.0f} ms | {note} |")


if __name__ == "__main__":
    main()
