"""The ``CREATE`` statements for our tables, rendered from ``tables.py`` and the settings.

Only validated identifiers (backquoted), the validated engine text and integers reach the SQL
text; there is nothing else to interpolate. With a cluster name, every statement runs
``ON CLUSTER`` and MergeTree engines become their Replicated variants (with the server's
``default_replica_path``/``default_replica_name`` unless the engine names its own).
"""

from __future__ import annotations

from collections.abc import Iterable

from .settings import ClickHouseSettings
from .tables import TABLES, TRACE_ID_TS, Column, Nested, TableSpec

__all__ = ["create_statements", "lookup_statements", "quote", "table_ref", "ttl_clause"]

_UNITS = ((86400, "Day"), (3600, "Hour"), (60, "Minute"), (1, "Second"))


def quote(identifier: str) -> str:
    """Backquote an identifier that config validation already restricted to ``[A-Za-z0-9_]``."""
    return f"`{identifier}`"


def table_ref(settings: ClickHouseSettings, table: str) -> str:
    return f"{quote(settings.database)}.{quote(table)}"


def ttl_clause(seconds: int, on: str) -> str:
    """``TTL <on> + toIntervalDay(30)``, in the largest unit that divides ``seconds``."""
    if seconds <= 0:
        return ""
    size, unit = next((size, unit) for size, unit in _UNITS if seconds % size == 0)
    return f"TTL {on} + toInterval{unit}({seconds // size})"


def _on_cluster(settings: ClickHouseSettings) -> str:
    return f" ON CLUSTER {quote(settings.cluster_name)}" if settings.cluster_name else ""


def _engine(settings: ClickHouseSettings) -> str:
    engine = settings.table_engine
    if settings.cluster_name and not engine.startswith("Replicated"):
        engine = "Replicated" + engine
    return engine


def _column(column: Column | Nested) -> str:
    if isinstance(column, Nested):
        fields = ", ".join(f"{field.name} {field.type}" for field in column.fields)
        return f"{column.name} Nested({fields}) CODEC(ZSTD(1))"
    text = f"{column.name} {column.type}"
    if column.default:
        text += f" DEFAULT {column.default}"
    return text + (f" CODEC({column.codec})" if column.codec else "")


def _create_table(settings: ClickHouseSettings, spec: TableSpec, table: str) -> str:
    body = ",\n    ".join([*(_column(column) for column in spec.columns), *spec.indexes])
    clauses = [
        f"CREATE TABLE IF NOT EXISTS {table_ref(settings, table)}{_on_cluster(settings)} (",
        f"    {body}",
        f") ENGINE = {_engine(settings)}",
        f"PARTITION BY {spec.partition_by}",
    ]
    if spec.primary_key:
        clauses.append(f"PRIMARY KEY {spec.primary_key}")
    clauses.append(f"ORDER BY {spec.order_by}")
    if ttl := ttl_clause(settings.ttl, spec.ttl_on):
        clauses.append(ttl)
    clauses.append("SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1")
    return "\n".join(clauses)


def lookup_statements(settings: ClickHouseSettings) -> list[str]:
    """The trace-id lookup table and the materialized view feeding it from the traces table."""
    traces = settings.tables["traces"]
    view = table_ref(settings, f"{traces}_trace_id_ts_mv")
    return [
        _create_table(settings, TRACE_ID_TS, f"{traces}_trace_id_ts"),
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {view}{_on_cluster(settings)}\n"
        f"TO {table_ref(settings, f'{traces}_trace_id_ts')}\n"
        "AS SELECT TraceId, min(Timestamp) AS Start, max(Timestamp) AS End\n"
        f"FROM {table_ref(settings, traces)}\n"
        "WHERE TraceId != ''\n"
        "GROUP BY TraceId",
    ]


def create_statements(
    settings: ClickHouseSettings, kinds: Iterable[str], *, lookup: bool = True
) -> list[str]:
    """The database (unless ``default``), then each table of ``kinds``; ``traces`` brings the
    trace-id lookup table and its view unless ``lookup`` is off. All ``IF NOT EXISTS``: safe
    to rerun."""
    statements = []
    if settings.database != "default":
        statements.append(
            f"CREATE DATABASE IF NOT EXISTS {quote(settings.database)}{_on_cluster(settings)}"
        )
    for kind in kinds:
        statements.append(_create_table(settings, TABLES[kind], settings.tables[kind]))
        if kind == "traces" and lookup:
            statements += lookup_statements(settings)
    return statements
