"""``automagik-telemetry doctor`` with the ClickHouse backend: a server through the HTTP front
(in this process) and the embedded store (in real CLI processes: chDB's lock is per process).
Exit code 1 whenever something stops our inserts; never a password in the output."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from automagik_telemetry.cli import main
from tests.support.clickhouse_http import ClickHouseFront, FrontRequest

from .test_locked_store import ROOT, finish, python

PASSWORD = "s3cret-Pw_42"


Doctor = Callable[..., "tuple[int, str]"]


@pytest.fixture
def doctor(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Doctor:
    """``doctor(url, **settings)``: runs the command in this process; (exit code, output)."""

    def run(url: str, **env: str) -> tuple[int, str]:
        monkeypatch.setenv("AUTOMAGIK_TELEMETRY_BACKEND", "clickhouse")
        monkeypatch.setenv("AUTOMAGIK_TELEMETRY_CLICKHOUSE_URL", url)
        for name, value in env.items():
            monkeypatch.setenv(f"AUTOMAGIK_TELEMETRY_CLICKHOUSE_{name.upper()}", value)
        code = main(["doctor", "--timeout", "5"])
        return code, capsys.readouterr().out

    return run


def problems(out: str) -> list[str]:
    return [line.strip()[len("PROBLEM: ") :] for line in out.splitlines() if "PROBLEM:" in line]


def test_a_healthy_server(
    fresh_front: ClickHouseFront,
    database: str,
    engine: Any,
    doctor: Doctor,
) -> None:
    fresh_front.user, fresh_front.password = "writer", PASSWORD
    code, out = doctor(fresh_front.url, database=database, user="writer", password=PASSWORD)
    assert code == 0, out
    assert f"database {database} does not exist yet; created at start" in out
    assert engine.command(f"EXISTS DATABASE `{database}`") == 0
    engine.command(f"CREATE DATABASE `{database}`")
    code, out = doctor(fresh_front.url, database=database, user="writer", password=PASSWORD)
    assert code == 0, out
    assert "reachable, user writer accepted" in out
    assert f"table `{database}`.`otel_logs` does not exist yet; created at start" in out
    assert PASSWORD not in out
    engine.command(f"DROP DATABASE `{database}`")


def test_tables_that_fit_and_one_that_does_not(
    fresh_front: ClickHouseFront,
    database: str,
    engine: Any,
    doctor: Doctor,
) -> None:
    from automagik_telemetry.exporters.clickhouse import ClickHouseSpanExporter

    from .telemetry import many_spans

    exporter = ClickHouseSpanExporter(fresh_front.url, database=database)
    assert exporter.export(many_spans(5)).name == "SUCCESS"
    exporter.shutdown()
    engine.command(f"ALTER TABLE `{database}`.otel_logs DROP COLUMN SeverityText")
    code, out = doctor(fresh_front.url, database=database, create_schema="0")
    assert code == 1
    assert f"table `{database}`.`otel_traces` fits the schema we write; inserts allowed" in out
    (problem,) = problems(out)
    assert problem.startswith(f"table `{database}`.`otel_logs` does not fit")
    assert "Fix: ALTER TABLE" in problem
    assert "ADD COLUMN `SeverityText` String" in problem
    assert (
        engine.command(f"SELECT count() FROM `{database}`.otel_traces") == 5
    )  # untouched by the probes
    engine.command(f"DROP TABLE `{database}`.otel_metrics_sum")
    code, out = doctor(fresh_front.url, database=database, create_schema="0")
    assert any("otel_metrics_sum` does not exist and clickhouse_create_schema is off" in p
               for p in problems(out))  # fmt: skip
    engine.command(f"DROP DATABASE `{database}`")


def test_a_missing_database_without_create_schema(
    fresh_front: ClickHouseFront,
    database: str,
    doctor: Doctor,
) -> None:
    code, out = doctor(fresh_front.url, database=database, create_schema="no")
    assert code == 1
    assert problems(out) == [f"database {database} does not exist. Fix: CREATE DATABASE "
                             f"`{database}`, or turn clickhouse_create_schema on"]  # fmt: skip


def test_wrong_credentials_and_no_server(
    fresh_front: ClickHouseFront,
    doctor: Doctor,
) -> None:
    fresh_front.user, fresh_front.password = "writer", "the-right-one"
    code, out = doctor(fresh_front.url, user="writer", password=PASSWORD)
    assert code == 1
    (problem,) = problems(out)
    assert "rejected user writer: check clickhouse_user and clickhouse_password" in problem
    assert PASSWORD not in out
    url = fresh_front.url.replace("http://", f"http://writer:{PASSWORD}@")
    code, out = doctor(url)
    assert code == 1
    assert PASSWORD not in out
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, out = doctor(f"http://127.0.0.1:{port}")
    assert code == 1
    assert f"ClickHouse server http://127.0.0.1:{port} is not reachable within 5s" in out


def test_insert_denied(
    fresh_front: ClickHouseFront,
    database: str,
    engine: Any,
    doctor: Doctor,
) -> None:
    """A read-only user: the server refuses our zero-row insert (the front answers as a server
    with grants would, code 497), and doctor says which grant is missing."""
    from automagik_telemetry.exporters.clickhouse import ClickHouseLogExporter

    from .telemetry import sample_logs

    exporter = ClickHouseLogExporter(fresh_front.url, database=database)
    assert exporter.export(sample_logs()).name == "SUCCESS"
    exporter.shutdown()

    def read_only(request: FrontRequest) -> tuple[int, int | None, str] | None:
        if request.query.lstrip().upper().startswith("INSERT"):
            return 403, 497, "Code: 497. DB::Exception: reader: Not enough privileges."
        return None

    fresh_front.fault = read_only
    code, out = doctor(fresh_front.url, database=database, user="reader")
    assert code == 1
    denied = [p for p in problems(out) if "may not insert" in p]
    assert len(denied) == 7
    assert f"GRANT INSERT ON `{database}`.`otel_logs` TO reader" in out

    def failing(request: FrontRequest) -> tuple[int, int | None, str] | None:
        if request.query.lstrip().upper().startswith("INSERT"):
            return 500, 241, "Code: 241. DB::Exception: Memory limit exceeded."
        if request.query.startswith("DESCRIBE") and "otel_metrics_summary" in request.query:
            return 500, 999, "Code: 999. DB::Exception: Keeper session expired."
        return None

    fresh_front.fault = failing
    code, out = doctor(fresh_front.url, database=database)
    assert code == 1
    assert f"table `{database}`.`otel_logs` fits, but a test insert failed: " in out
    assert "Memory limit exceeded" in out
    assert "unexpected error: " in out  # the checks stop there, explained, nothing raised
    assert "otel_metrics_summary` fits" not in out
    engine.command(f"DROP DATABASE `{database}`")


def cli_doctor(url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOMAGIK_", "OTEL_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        AUTOMAGIK_TELEMETRY_BACKEND="clickhouse",
        AUTOMAGIK_TELEMETRY_CLICKHOUSE_URL=url,
    )
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from automagik_telemetry.cli import main; sys.exit(main(['doctor']))",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
    )


_WRITE = """
import sys
from automagik_telemetry.exporters.clickhouse import ClickHouseSpanExporter
from tests.clickhouse.telemetry import many_spans
exporter = ClickHouseSpanExporter(sys.argv[1])
assert exporter.export(many_spans(100)).name == "SUCCESS"
exporter.shutdown()
"""


def test_the_embedded_store(tmp_path: Path, store_path: Path, engine: Any) -> None:
    store = tmp_path / "store"
    fresh = cli_doctor(f"chdb://{store}")
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert f"store directory {store} does not exist yet; it is created at start" in fresh.stdout

    finish(python(_WRITE, f"chdb://{store}"))
    written = cli_doctor(f"chdb://{store}")
    assert written.returncode == 0, written.stdout + written.stderr
    assert f"store directory {store} is writable, not locked, " in written.stdout
    assert " KiB on disk" in written.stdout or " MiB on disk" in written.stdout
    assert "table `default`.`otel_traces` fits the schema we write; inserts allowed" in (
        written.stdout
    )
    assert (
        "table `default`.`otel_logs` fits the schema we write, the collector's current layout;"
        in written.stdout
    )

    held = cli_doctor(f"chdb://{store_path}")  # this test process holds the shared store
    assert held.returncode == 1
    assert f"store {store_path} is in use by another process" in held.stdout

    (tmp_path / "file").write_text("")
    not_a_directory = cli_doctor(f"chdb://{tmp_path / 'file'}")
    assert not_a_directory.returncode == 1
    assert "is not a writable directory" in not_a_directory.stdout
    under_a_file = cli_doctor(f"chdb://{tmp_path / 'file' / 'store'}")
    assert under_a_file.returncode == 1
    assert f"cannot be created: {tmp_path / 'file'} is not writable" in under_a_file.stdout

    (tmp_path / "empty").mkdir()
    empty = cli_doctor(f"chdb://{tmp_path / 'empty'}")
    assert "not locked, 0 bytes on disk" in empty.stdout

    broken = tmp_path / "broken"
    (broken / "status").mkdir(parents=True)  # not locked, just unusable: the engine's error
    unusable = cli_doctor(f"chdb://{broken}")
    assert unusable.returncode == 1
    assert f"cannot open embedded ClickHouse store (chDB) at {broken}" in unusable.stdout


def test_older_logs_and_metric_tables_are_recognised_and_left_as_they_are(
    fresh_front: ClickHouseFront, database: str, engine: Any, doctor: Doctor
) -> None:
    from automagik_telemetry.exporters.clickhouse import ClickHouseSettings
    from automagik_telemetry.exporters.clickhouse.ddl import table_statements
    from automagik_telemetry.exporters.clickhouse.tables import (
        LEGACY_LOGS,
        LEGACY_METRICS,
        TABLES,
    )

    engine.command(f"CREATE DATABASE `{database}`")
    settings = ClickHouseSettings.create(fresh_front.url, database=database)
    for statement in table_statements(settings, LEGACY_LOGS, "otel_logs"):
        engine.command(statement)
    for statement in table_statements(settings, LEGACY_METRICS["metrics_sum"], "otel_metrics_sum"):
        engine.command(statement)
    for statement in table_statements(settings, TABLES["metrics_gauge"], "otel_metrics_gauge"):
        engine.command(statement)
    code, out = doctor(fresh_front.url, database=database)
    assert code == 0, out
    assert "otel_logs` fits the schema we write, the older collector layout" in out
    assert "otel_metrics_sum` fits the schema we write, the older collector layout" in out
    assert "otel_metrics_gauge` fits the schema we write, the collector's current layout" in out
    key = f"SELECT sorting_key FROM system.tables WHERE database = '{database}' AND name = "
    assert engine.command(key + "'otel_logs'") == "ServiceName, TimestampTime, Timestamp"
    assert engine.command(key + "'otel_metrics_sum'") == (
        "ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix)"
    )
    engine.command(f"DROP DATABASE `{database}`")
