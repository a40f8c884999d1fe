"""The whole product with one command and no server: consent, redaction, storage, charts.

Run with ``make demo`` (or ``python examples/demo_embedded.py`` once the ``embedded`` and
``report`` extras are installed). It

1. shows the consent decision your machine gives today (most likely: off, nobody opted in);
2. runs a small command-line tool, "automagik-notes", on four simulated machines (four install
   ids, two versions), with consent given *for this demo only*: each run is its own process
   writing to an embedded ClickHouse store under ``.demo/store`` (chDB, no server). Each run
   replays a week of use (backdated spans and events), then does one real command now that
   logs an e-mail address and fails once;
3. shows what the store kept of that personal data;
4. prints the text report and writes the HTML report (``.demo/report.html``).

Nothing leaves this machine: the only backend is the local store.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

from opentelemetry import trace
from opentelemetry._logs import LogRecord, SeverityNumber
from opentelemetry.trace import SpanKind, Status, StatusCode

from automagik_telemetry import (
    TelemetryConfig,
    configure_automagik,
    decide_consent,
    track_error,
    track_event,
)

SERVICE = "automagik-notes"
COMMANDS = ("add", "list", "done", "search", "sync")
EMAIL = "alice@example.com"
MACHINES = (("1.1.0", 9), ("1.2.0", 14), ("1.2.0", 11), ("1.2.0", 6))
"""(version, sessions in the simulated week) per simulated machine."""


class SyncError(Exception):
    """The failure the tool reports now and then."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path(".demo"), help="where the demo writes")
    parser.add_argument("--run-machine", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    store = (args.dir / "store").absolute()
    if args.run_machine is not None:
        run_machine(store, args.run_machine)
        return

    shutil.rmtree(store, ignore_errors=True)  # a fresh store each run (the demo's own files)
    decision = decide_consent(TelemetryConfig.resolve(service_name=SERVICE))
    print("Step 1 - the consent decision for this machine:")
    print(f"  telemetry would be {'ON' if decision.enabled else 'OFF'}: {decision.reason}")
    print("  (the demo gives consent in code, for its own runs only: enabled=True)\n")

    print(f"Step 2 - {SERVICE} on {len(MACHINES)} simulated machines -> embedded store {store}")
    for machine in range(len(MACHINES)):
        env = {
            **os.environ,
            # each machine has its own user config dir, hence its own random install id
            "AUTOMAGIK_TELEMETRY_CONFIG_DIR": str(args.dir.absolute() / f"machine-{machine}"),
        }
        command = [sys.executable, __file__, "--dir", str(args.dir), "--run-machine", str(machine)]
        subprocess.run(command, env=env, check=True)
    print()

    from automagik_telemetry.cli import main as cli

    print("Step 3 - what the store kept of the personal data the tool logged:")
    show_stored_personal_data(store)

    print("\nStep 4 - the report, as text (automagik-telemetry report --format text):\n")
    url = f"chdb://{store}"
    code = cli(["report", "--clickhouse-url", url, "--since", "8d", "--format", "text"])
    report = args.dir / "report.html"
    code = code or cli(["report", "--clickhouse-url", url, "--since", "8d", "--out", str(report)])
    if code == 0:
        print(f"Open {report.absolute().as_uri()} to see the charts.")
    sys.exit(code)


def run_machine(store: Path, machine: int) -> None:
    """One machine's process: a week of history, then one real command now."""
    version, sessions = MACHINES[machine]
    handle = configure_automagik(
        service_name=SERVICE,
        service_version=version,
        enabled=True,  # consent for the demo only; real tools ask the user
        backend="clickhouse",
        clickhouse_url=f"chdb://{store}",
        capture_logging=True,  # stdlib logging WARNING and up becomes log records
    )
    assert handle.pipeline is not None
    events = handle.pipeline.logger_provider.get_logger(SERVICE, version)
    tracer = trace.get_tracer(SERVICE, version)
    rng = random.Random(machine)
    now = time.time_ns()
    for _ in range(sessions):
        at = now - rng.randrange(0, 7 * 86400) * 10**9
        for command in rng.sample(COMMANDS, rng.randint(1, 3)):
            replay_command(tracer, events, rng, command, at)
            at += rng.randint(5, 90) * 10**9

    # one real command, now: personal data in a log line and a span attribute, and a failure
    with tracer.start_as_current_span("cli sync", kind=SpanKind.INTERNAL) as span:
        span.set_attribute("user.email", EMAIL)
        track_event("automagik.cli.command", {"command": "sync"})
        logging.getLogger(SERVICE).warning("sync failed for %s: server unreachable", EMAIL)
        try:
            raise SyncError("server unreachable")
        except SyncError as error:
            track_error(error, {"command": "sync"})
            span.set_status(Status(StatusCode.ERROR, "sync failed"))
    handle.shutdown()
    print(f"  machine {machine + 1}: version {version}, {sessions} sessions in the last week")


def replay_command(
    tracer: trace.Tracer, events: object, rng: random.Random, command: str, at: int
) -> None:
    """A past command: a span tree with realistic durations and an event, backdated to ``at``."""
    duration = int(rng.lognormvariate(3.5, 0.8) * 1e6)  # ~30 ms median
    failed = command == "sync" and rng.random() < 0.3
    root = tracer.start_span(f"cli {command}", kind=SpanKind.INTERNAL, start_time=at)
    context = trace.set_span_in_context(root)
    inner = tracer.start_span("storage.read", context=context, start_time=at + duration // 10)
    inner.end(end_time=at + duration // 2)
    if failed:
        root.record_exception(SyncError("server unreachable"), timestamp=at + duration)
        root.set_status(Status(StatusCode.ERROR, "sync failed"))
    root.end(end_time=at + duration)
    events.emit(  # type: ignore[attr-defined]
        LogRecord(
            timestamp=at,
            event_name="automagik.cli.command",
            body="automagik.cli.command",
            severity_number=SeverityNumber.INFO,
            severity_text="INFO",
            attributes={"command": command},
        )
    )


def show_stored_personal_data(store: Path) -> None:
    import clickhouse_connect

    client = clickhouse_connect.get_client(interface="chdb", path=str(store))
    try:
        body = client.query(
            "SELECT Body FROM default.otel_logs WHERE Body LIKE 'sync failed for %' LIMIT 1"
        ).result_rows
        attribute = client.query(
            "SELECT SpanAttributes['user.email'] FROM default.otel_traces "
            "WHERE mapContains(SpanAttributes, 'user.email') LIMIT 1"
        ).result_rows
    finally:
        client.close()
    for what, rows in (("log line", body), ("span attribute user.email", attribute)):
        value = rows[0][0] if rows else "(nothing stored)"
        print(f"  {what}: {value!r}")
    if any(rows and EMAIL in rows[0][0] for rows in (body, attribute)):
        print("  -> stored as sent: this build has no privacy engine yet, so nothing was redacted")
    else:
        print("  -> redacted before it left the process: the store never saw the address")


if __name__ == "__main__":
    main()
