"""Run the shared queries against a store and keep the answers: the data behind a report.

One code path for a ClickHouse server (``http(s)://``) and the embedded store (``chdb://``):
the exporters' ``ClickHouseConnection``. Every value (time range, bucket size, services, row
limit) travels as a ClickHouse query parameter; the only SQL text we compose is validated
identifiers (database and table names) and the shared query definitions.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..exporters.clickhouse.connection import ClickHouseConnection
from ..exporters.clickhouse.ddl import table_ref
from ..exporters.clickhouse.errors import ClickHouseError
from ..exporters.clickhouse.settings import ClickHouseSettings
from .queries import QUERIES, Dialect

__all__ = [
    "REPORT_SECTIONS",
    "NoStoreError",
    "ReportData",
    "ReportError",
    "Table",
    "bucket_seconds",
    "collect",
    "parse_since",
    "report_dialect",
]

REPORT_SECTIONS = tuple(name for name in QUERIES if name != "services")
"""The shared queries a report runs (all but the dashboards' service selector)."""
_BUCKETS = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 86400, 7 * 86400)
_MAX_BUCKETS = 120
_SINCE = re.compile(r"^\s*(?P<num>[0-9]+)\s*(?P<unit>[smhdw])\s*$", re.IGNORECASE)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


class ReportError(Exception):
    """The report could not be made (store unreachable, locked, or failing a query); the
    message says why and what to do."""


class NoStoreError(ReportError):
    """A ``chdb://`` URL names a directory that holds no store (a typo, most likely)."""


@dataclass(frozen=True)
class Table:
    """One query's answer: column names and rows."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class ReportData:
    source: str
    """Where the data came from, for people (never a password)."""
    database: str
    start: float
    """Epoch seconds, inclusive."""
    end: float
    bucket: int
    """Seconds per time bucket of the charts over time."""
    sections: Mapping[str, Table]
    missing_tables: tuple[str, ...] = ()
    services: tuple[str, ...] = field(default_factory=tuple)

    def buckets(self) -> list[int]:
        """Every bucket start of the range, so charts over time show gaps as zeros."""
        first = int(self.start) // self.bucket * self.bucket
        return list(range(first, int(self.end) + 1, self.bucket))


def parse_since(text: str) -> int:
    """``7d``, ``24h``, ``90m``, ``30s``, ``2w`` -> seconds (more than zero)."""
    match = _SINCE.match(text)
    seconds = int(match["num"]) * _UNITS[match["unit"].lower()] if match else 0
    if seconds <= 0:
        raise ValueError(f"{text!r} is not a duration such as 7d, 24h, 90m, 30s or 2w")
    return seconds


def bucket_seconds(span: float) -> int:
    """The smallest bucket from a fixed ladder that keeps a chart at most ~120 bars wide."""
    return next((size for size in _BUCKETS if span / size <= _MAX_BUCKETS), _BUCKETS[-1])


def report_dialect(settings: ClickHouseSettings) -> Dialect:
    """The shared queries with ClickHouse query parameters for every value."""

    def time_filter(column: str) -> str:
        return (
            f"{column} >= fromUnixTimestamp64Milli({{start_ms:Int64}}) "
            f"AND {column} < fromUnixTimestamp64Milli({{end_ms:Int64}})"
        )

    return Dialect(
        traces=table_ref(settings, settings.tables["traces"]),
        logs=table_ref(settings, settings.tables["logs"]),
        time_filter=time_filter,
        bucket=lambda c: f"intDiv(toUnixTimestamp({c}), {{bucket_s:UInt32}}) * {{bucket_s:UInt32}}",
        timestamp=lambda c: f"toUnixTimestamp64Milli({c})",
        services="(empty({services:Array(String)}) OR has({services:Array(String)}, ServiceName))",
        limit="{limit:UInt32}",
    )


def collect(
    settings: ClickHouseSettings,
    since: int,
    *,
    services: Sequence[str] = (),
    limit: int = 50,
    now: float | None = None,
) -> ReportData:
    """Run every report query over the last ``since`` seconds. Raises ``ReportError``."""
    end = time.time() if now is None else now
    start = end - since
    bucket = bucket_seconds(since)
    url = settings.url
    if url.embedded and not (Path(url.path) / "metadata").is_dir():
        raise NoStoreError(
            f"no embedded ClickHouse store at {url.path}: a store is a directory a program "
            "wrote with clickhouse_url=chdb://<directory> (check the path)"
        )
    tables = [settings.tables["traces"], settings.tables["logs"]]
    params: dict[str, object] = {
        "start_ms": int(start * 1000),
        "end_ms": int(end * 1000),
        "bucket_s": bucket,
        "services": list(services),
        "limit": limit,
        "db": settings.database,
        "tables": tables,
    }
    dialect = report_dialect(settings)
    connection = ClickHouseConnection(settings)
    try:
        present = {row[0] for row in _query(connection, _TABLES_SQL, params).rows}
        missing = tuple(t for t in tables if t not in present)
        sections: dict[str, Table] = {}
        for name in REPORT_SECTIONS:
            sql = QUERIES[name](dialect)
            if any(table_ref(settings, table) in sql for table in missing):
                sections[name] = Table((), [])
            else:
                sections[name] = _query(connection, sql, params)
    finally:
        connection.close()
    return ReportData(
        source=settings.url.describe(),
        database=settings.database,
        start=start,
        end=end,
        bucket=bucket,
        sections=sections,
        missing_tables=missing,
        services=tuple(services),
    )


_TABLES_SQL = (
    "SELECT name FROM system.tables "
    "WHERE database = {db:String} AND has({tables:Array(String)}, name)"
)


def _query(connection: ClickHouseConnection, sql: str, params: Mapping[str, object]) -> Table:
    try:
        result = connection.client.query(sql, parameters=dict(params))
    except ClickHouseError as error:  # the embedded store is locked or already in use
        raise ReportError(str(error)) from error
    except Exception as error:
        where = connection.settings.url.describe()
        first_line = (str(error).strip() or repr(error)).splitlines()[0]
        raise ReportError(f"querying the {where} failed: {first_line}") from error
    return Table(tuple(result.column_names), [tuple(row) for row in result.result_rows])
