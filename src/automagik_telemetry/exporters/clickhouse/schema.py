"""Start-up of the tables: create them all (optionally), then check what is really there.

As the collector does, every table is created at start, not just before its first insert:
tools open tables whether or not this program ever writes them (HyperDX's metric sources read
``otel_metrics_summary`` and ``otel_metrics_exponential_histogram``, which the Python SDK never
produces). Then each table is described and compared with ``tables.py``: an existing table that
lacks a column we write, or has it with an incompatible type, would make every insert fail or,
worse, silently lose data, so a mismatch becomes one clear message naming the table, each
problem and the fix. A mismatch blocks only its own table. Columns marked optional (added by
newer collector versions) may be absent: we say so once and write the others.
"""

from __future__ import annotations

from .connection import ClickHouseConnection
from .ddl import create_statements, has_text_indexes, lookup_statements, table_ref
from .errors import SchemaMismatchError
from .tables import TABLES, ExpectedColumn, normalize_type

__all__ = ["check_columns", "prepare_table", "prepare_tables"]

_UNKNOWN_TABLE = 60
_COMPUTED = ("ALIAS", "MATERIALIZED", "EPHEMERAL")

Prepared = dict[str, "frozenset[str] | SchemaMismatchError"]


def prepare_tables(connection: ClickHouseConnection) -> Prepared:
    """Create (if enabled) and check every table; by kind, the optional columns it lacks (left
    out of inserts) or the ``SchemaMismatchError`` that keeps rows out of it. Raises the
    driver's error when the server cannot be used at all (the caller retries later)."""
    settings = connection.settings
    if settings.create_schema:
        text = _text_indexes(connection)
        for statement in create_statements(settings, TABLES, lookup=False, text_indexes=text):
            connection.command(statement, settings={"flatten_nested": 1})
    prepared: Prepared = {}
    for kind in TABLES:
        try:
            prepared[kind] = check_table(connection, kind)
        except SchemaMismatchError as error:
            prepared[kind] = error
    if settings.create_schema and not isinstance(prepared["traces"], Exception):
        for statement in lookup_statements(settings):  # the view reads the checked table
            connection.command(statement)
    return prepared


def prepare_table(connection: ClickHouseConnection, kind: str) -> frozenset[str]:
    """Create (if enabled) and check the table of ``kind`` alone: a table dropped while we
    were running is recreated this way. Raises ``SchemaMismatchError`` or the driver's error."""
    settings = connection.settings
    if settings.create_schema:
        text = _text_indexes(connection)
        for statement in create_statements(settings, [kind], lookup=False, text_indexes=text):
            connection.command(statement, settings={"flatten_nested": 1})
    absent = check_table(connection, kind)
    if settings.create_schema and kind == "traces":
        for statement in lookup_statements(settings):
            connection.command(statement)
    return absent


def _text_indexes(connection: ClickHouseConnection) -> bool:
    return has_text_indexes(connection.server_version())


def check_table(connection: ClickHouseConnection, kind: str) -> frozenset[str]:
    """Describe the table of ``kind`` and compare it with what we write."""
    settings = connection.settings
    table = table_ref(settings, settings.tables[kind])
    try:
        described = connection.describe(table)
    except Exception as error:
        if getattr(error, "code", None) != _UNKNOWN_TABLE:
            raise
        raise SchemaMismatchError(
            f"table {table} does not exist and clickhouse_create_schema is off: create it "
            f"(docs/BACKENDS.md has the DDL) or turn clickhouse_create_schema on"
        ) from error
    return check_columns(table, TABLES[kind].expected(), described)


def check_columns(
    table: str,
    expected: tuple[ExpectedColumn, ...],
    described: list[tuple[str, str, str]],
) -> frozenset[str]:
    found = {name: (type_name, default_kind) for name, type_name, default_kind in described}
    problems: list[str] = []
    fixes: list[str] = []
    absent: set[str] = set()
    for column in expected:
        actual = found.get(column.name)
        wanted = column.types[0]
        if actual is None:
            if column.optional:
                absent.add(column.name)
                continue
            problems.append(f"column {column.name} ({wanted}) is missing")
            fixes.append(f"ADD COLUMN `{column.name}` {wanted}")
        elif actual[1] in _COMPUTED:
            problems.append(f"column {column.name} is {actual[1]} and cannot be written")
        elif normalize_type(actual[0]) not in column.types:
            problems.append(
                f"column {column.name} is {actual[0]}, expected {' or '.join(column.types)}"
            )
    if problems:
        hint = f" Fix: ALTER TABLE {table} {', '.join(fixes)}," if fixes else " Fix:"
        raise SchemaMismatchError(
            f"table {table} does not fit the OpenTelemetry schema we write: "
            + "; ".join(problems)
            + f".{hint} or point clickhouse_table_names at another table. No rows are written "
            "to it until then."
        )
    return frozenset(absent)
