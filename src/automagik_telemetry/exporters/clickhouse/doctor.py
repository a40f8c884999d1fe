"""``doctor`` for the ClickHouse backend: is everything in place for our inserts to succeed?

Imported by ``cli/doctor.py`` only when ``clickhouse`` is among the backends (this module loads
the driver, and for ``chdb://`` the engine). Each check is one ``(ok, explanation)`` line, in
the order a person would fix things: the embedded store's directory (writable, not locked by
another process, its size), the server (reachable, credentials), the database, each table
against the schema we write (with the fix to run), and the right to insert — probed with an
insert of *zero rows* built by our own encoders, so the server checks exactly the columns we
write and nothing is stored. Never prints a password: every message goes through ``_mask``.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from ...config import TelemetryConfig
from .compact import spans_block
from .connection import ClickHouseConnection, _locked_by_another_process
from .ddl import table_ref
from .errors import SchemaMismatchError
from .logs import logs_block
from .metrics import MetricColumns
from .native import NativeBlock
from .schema import check_table
from .settings import ClickHouseSettings
from .tables import TABLES, layout_of, metrics_layout_of

__all__ = ["Check", "check_clickhouse"]

Check = tuple[bool, str]
_AUTH_FAILED = 516
_NOT_ENOUGH_PRIVILEGES = 497


def check_clickhouse(config: TelemetryConfig, timeout: float) -> list[Check]:
    """Every check of the ClickHouse destination of ``config``; never raises."""
    settings = ClickHouseSettings.from_config(config)
    settings = dataclasses.replace(settings, timeout=min(settings.timeout, timeout))
    checks: list[Check] = []
    if settings.url.embedded:
        checks += _store_directory(settings.url.path)
        if not all(ok for ok, _ in checks):
            return checks
    connection = ClickHouseConnection(settings)
    try:
        _server(connection, checks)
    except Exception as error:  # anything the driver raises: explained, never raised
        checks.append((False, _mask(f"unexpected error: {error}", settings)))
    finally:
        connection.close()
    return checks


def _store_directory(path: str) -> list[Check]:
    directory = Path(path)
    if not directory.exists():
        parent = next(p for p in directory.parents if p.exists())
        if os.access(parent, os.W_OK | os.X_OK):
            return [(True, f"store directory {path} does not exist yet; it is created at start")]
        return [(False, f"store directory {path} cannot be created: {parent} is not writable")]
    if not directory.is_dir() or not os.access(directory, os.W_OK | os.X_OK):
        return [(False, f"store directory {path} is not a writable directory")]
    if _locked_by_another_process(path):
        return [
            (
                False,
                f"store {path} is in use by another process (chDB locks its directory): that "
                "process's data is written, ours waits in the spool until it is free; run "
                "doctor again when it has exited to check the tables",
            )
        ]
    size = sum(f.stat().st_size for f in directory.rglob("*") if f.is_file())
    return [(True, f"store directory {path} is writable, not locked, {_size(size)} on disk")]


def _size(size: int) -> str:
    power = 0
    while power < 3 and size >= 1024 ** (power + 1):
        power += 1
    if power == 0:
        return f"{size} bytes"
    return f"{size / 1024**power:.1f} {('KiB', 'MiB', 'GiB')[power - 1]}"


def _server(connection: ClickHouseConnection, checks: list[Check]) -> None:
    """Appends to ``checks`` as it goes: what was found before an unexpected error stays."""
    settings = connection.settings
    try:
        client = connection.client
        version = client.command("SELECT version()")
    except Exception as error:
        checks.append((False, _explain_open(error, settings)))
        return
    who = "" if settings.url.embedded else f", user {settings.user} accepted"
    checks.append((True, f"ClickHouse {version} reachable{who}"))
    database = settings.database
    if not client.command(f"EXISTS DATABASE `{database}`"):
        if settings.create_schema:
            checks.append((True, f"database {database} does not exist yet; created at start"))
        else:
            fix = f"CREATE DATABASE `{database}`, or turn clickhouse_create_schema on"
            checks.append((False, f"database {database} does not exist. Fix: {fix}"))
        return
    checks.append((True, f"database {database} exists"))
    for kind in TABLES:
        checks.append(_table(connection, kind))


def _table(connection: ClickHouseConnection, kind: str) -> Check:
    settings = connection.settings
    table = table_ref(settings, settings.tables[kind])
    if not connection.client.command(f"EXISTS TABLE {table}"):
        if settings.create_schema:
            return True, f"table {table} does not exist yet; created at start"
        return False, (
            f"table {table} does not exist and clickhouse_create_schema is off. Fix: create it "
            "(docs/BACKENDS.md has the DDL) or turn clickhouse_create_schema on"
        )
    try:
        absent = check_table(connection, kind)
    except SchemaMismatchError as error:
        return False, str(error)
    block = _empty_block(kind)
    names = [name for name in block.names if name not in absent]
    try:
        connection.insert(table, names, block.to_bytes(skip=absent))
    except Exception as error:
        if getattr(error, "code", None) == _NOT_ENOUGH_PRIVILEGES:
            return False, _mask(
                f"table {table} fits, but user {settings.user} may not insert into it. Fix: "
                f"GRANT INSERT ON {table} TO {settings.user} ({error})",
                settings,
            )
        return False, _mask(f"table {table} fits, but a test insert failed: {error}", settings)
    missing = f" (without the newer column {', '.join(sorted(absent))})" if absent else ""
    if kind == "logs":
        missing += _LAYOUTS[layout_of(connection.describe(table))]
    elif kind.startswith("metrics_"):
        missing += _METRIC_LAYOUTS[metrics_layout_of(connection.describe(table))]
    return True, f"table {table} fits the schema we write{missing}; inserts allowed"


_LAYOUTS = {
    "current": ", the collector's current layout",
    "legacy": ", the older collector layout (TimestampTime keys), used as it is",
}
_METRIC_LAYOUTS = {
    "current": ", the collector's current layout",
    "legacy": ", the older collector layout (nanosecond times, attributes in the key), used "
    "as it is",
}


def _empty_block(kind: str) -> NativeBlock:
    """Zero rows, every column we write: the insert the server checks, storing nothing."""
    if kind == "traces":
        return spans_block([])
    if kind == "logs":
        return logs_block([])
    return MetricColumns(kind).block()


def _explain_open(error: Exception, settings: ClickHouseSettings) -> str:
    code = getattr(error, "code", None)
    if code == _AUTH_FAILED or "Authentication failed" in str(error):
        return _mask(
            f"{settings.url.describe()} rejected user {settings.user}: check clickhouse_user "
            "and clickhouse_password (AUTOMAGIK_TELEMETRY_CLICKHOUSE_USER / _PASSWORD)",
            settings,
        )
    if settings.url.embedded:
        return _mask(f"cannot open {settings.url.describe()}: {error}", settings)
    return _mask(
        f"{settings.url.describe()} is not reachable within {settings.timeout:g}s: {error}",
        settings,
    )


def _mask(text: str, settings: ClickHouseSettings) -> str:
    """No password in anything we print, whatever the driver put in its message."""
    secrets = [settings.password, settings.url.password]
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
