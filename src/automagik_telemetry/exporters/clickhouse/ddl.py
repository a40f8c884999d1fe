"""The ``CREATE`` statements for our tables, rendered from ``tables.py`` and the settings.

Only validated identifiers (backquoted or single-quoted: config validation restricts them to
``[A-Za-z0-9_]``), the validated engine text and integers reach the SQL text; there is nothing
else to interpolate.

With a cluster name the layout is the one ClickHouse users scale out with: every statement runs
``ON CLUSTER``; the data lives in local tables (``<name>_local``) with the Replicated variant
of the engine (the server's ``default_replica_path``/``default_replica_name`` unless the engine
names its own) and the TTL; a ``Distributed`` table under the configured name spreads rows over
the shards and reads from all of them, so tools and our inserts use the usual names. Sharding
keys: the trace id for traces and the trace-id table (a trace, and its lookup row, stay on one
shard: trace views need no cross-shard join), the trace id for logs inside a trace (next to
their spans) and a random shard for the others, the series (service, metric, attributes) for
metrics (a series' points stay together, so rates over it are computed on one shard). The
trace-id view runs on each shard, from the local traces table to the local trace-id table.
"""

from __future__ import annotations

from collections.abc import Iterable

from .settings import ClickHouseSettings
from .tables import TABLES, TRACE_ID_TS, Column, Nested, TableSpec

__all__ = [
    "SHARDING_KEYS",
    "TEXT_INDEX_VERSION",
    "create_statements",
    "has_text_indexes",
    "local_name",
    "lookup_statements",
    "quote",
    "table_ref",
    "table_statements",
    "ttl_clause",
]

_UNITS = ((86400, "Day"), (3600, "Hour"), (60, "Minute"), (1, "Second"))
_BY_TRACE = "cityHash64(TraceId)"
_METRIC_SERIES = "cityHash64(ServiceName, MetricName, Attributes)"
SHARDING_KEYS: dict[str, str] = {
    "traces": _BY_TRACE,
    "trace_id_ts": _BY_TRACE,
    "logs": f"if(TraceId = '', rand(), {_BY_TRACE})",
    **{kind: _METRIC_SERIES for kind in TABLES if kind.startswith("metrics_")},
}
"""The ``Distributed`` tables' sharding keys, by table kind (see the module docstring)."""


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


TEXT_INDEX_VERSION = (26, 2)
"""ClickHouse versions from this one on get text indexes instead of bloom filters (as the
collector decides); ``tokenbf_v1`` is deprecated there."""


def has_text_indexes(version: str) -> bool:
    """Whether a server of ``version`` (``26.9.2.1``) gets text indexes."""
    parts = tuple(int(part) for part in version.split(".")[:2] if part.isdigit())
    return parts >= TEXT_INDEX_VERSION


def local_name(settings: ClickHouseSettings, table: str) -> str:
    """Where a table's rows are stored: the table itself, or on a cluster its local table."""
    return f"{table}_local" if settings.cluster_name else table


def _on_cluster(settings: ClickHouseSettings) -> str:
    return f" ON CLUSTER {quote(settings.cluster_name)}" if settings.cluster_name else ""


def _engine(settings: ClickHouseSettings) -> str:
    engine = settings.table_engine
    if settings.cluster_name and not engine.startswith("Replicated"):
        engine = "Replicated" + engine
    return engine


def _name(name: str) -> str:
    return name if name.isidentifier() else quote(name)


def _column(column: Column | Nested) -> str:
    if isinstance(column, Nested):
        fields = ", ".join(f"{field.name} {field.type}" for field in column.fields)
        return f"{column.name} Nested({fields}) CODEC(ZSTD(1))"
    text = f"{_name(column.name)} {column.type}"
    if column.default:
        text += f" {column.computed} {column.default}"
    return text + (f" CODEC({column.codec})" if column.codec else "")


def table_statements(
    settings: ClickHouseSettings, spec: TableSpec, table: str, *, text_indexes: bool = False
) -> list[str]:
    """The table; on a cluster its local table and the ``Distributed`` table over it. With
    ``text_indexes`` (a server that has them) the spec's text indexes replace its blooms."""
    indexes = spec.text_indexes if text_indexes and spec.text_indexes else spec.indexes
    body = ",\n    ".join([*(_column(column) for column in spec.columns), *indexes])
    local = local_name(settings, table)
    clauses = [
        f"CREATE TABLE IF NOT EXISTS {table_ref(settings, local)}{_on_cluster(settings)} (",
        f"    {body}",
        f") ENGINE = {_engine(settings)}",
        f"PARTITION BY {spec.partition_by}",
    ]
    if spec.primary_key:
        clauses.append(f"PRIMARY KEY {spec.primary_key}")
    clauses.append(f"ORDER BY {spec.order_by}")
    if ttl := ttl_clause(settings.ttl, spec.ttl_on):
        clauses.append(ttl)
    clauses.append(
        "SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1"
        # a batch re-sent with its deduplication token (a retry after a lost answer, a spool
        # replay after a crash) is stored once; Replicated tables deduplicate by default
        + ("" if _engine(settings).startswith("Replicated") else _DEDUPLICATION)
    )
    statements = ["\n".join(clauses)]
    if settings.cluster_name:
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {table_ref(settings, table)}{_on_cluster(settings)}\n"
            f"AS {table_ref(settings, local)}\n"
            f"ENGINE = Distributed('{settings.cluster_name}', '{settings.database}', "
            f"'{local}', {SHARDING_KEYS[spec.kind]})"
        )
    return statements


_DEDUPLICATION = ", non_replicated_deduplication_window = 1000"


def lookup_statements(settings: ClickHouseSettings) -> list[str]:
    """The trace-id lookup table and the materialized view feeding it from the traces table
    (on a cluster: on each shard, from the local traces table to the local lookup table)."""
    traces = settings.tables["traces"]
    lookup = f"{traces}_trace_id_ts"
    view = table_ref(settings, f"{traces}_trace_id_ts_mv")
    return [
        *table_statements(settings, TRACE_ID_TS, lookup),
        f"CREATE MATERIALIZED VIEW IF NOT EXISTS {view}{_on_cluster(settings)}\n"
        f"TO {table_ref(settings, local_name(settings, lookup))}\n"
        "AS SELECT TraceId, min(Timestamp) AS Start, max(Timestamp) AS End\n"
        f"FROM {table_ref(settings, local_name(settings, traces))}\n"
        "WHERE TraceId != ''\n"
        "GROUP BY TraceId",
    ]


def create_statements(
    settings: ClickHouseSettings,
    kinds: Iterable[str],
    *,
    lookup: bool = True,
    text_indexes: bool = False,
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
        spec, table = TABLES[kind], settings.tables[kind]
        statements += table_statements(settings, spec, table, text_indexes=text_indexes)
        if kind == "traces" and lookup:
            statements += lookup_statements(settings)
    return statements
