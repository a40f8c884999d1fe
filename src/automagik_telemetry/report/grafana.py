"""The generated files of ``infra/``: Grafana dashboards from the report's shared queries, and
the ClickHouse schema from the exporter's own DDL.

``make -C infra generate`` (``python -m automagik_telemetry.report.grafana DASHBOARD_DIR
[SCHEMA_FILE]``) rewrites them; a test fails when the committed files differ, so a dashboard
can never drift from the report's definitions (``queries.py``), nor the stack's tables from
what the ``clickhouse`` backend writes.

The panels use the ClickHouse data source plugin (``grafana-clickhouse-datasource``) in SQL
mode with its macros (``$__timeFilter``, ``$__timeInterval``) and three template variables:
``database`` (where the tables are, default ``otel``), ``service`` (multi-select; "All" is
the raw value ``'__all__'``) and, on the logs dashboard, ``search`` (text in log bodies).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .queries import QUERIES, Dialect

__all__ = [
    "DATASOURCE",
    "dashboards",
    "grafana_dialect",
    "main",
    "schema_sql",
    "write_dashboards",
]

DATASOURCE = {"type": "grafana-clickhouse-datasource", "uid": "automagik-clickhouse"}
_TIMESERIES, _TABLE, _LOGS = 0, 1, 2  # the plugin's query formats
_SERVICES = "(ServiceName IN (${service:singlequote}) OR '__all__' IN (${service:singlequote}))"


def grafana_dialect() -> Dialect:
    return Dialect(
        traces="${database}.otel_traces",
        logs="${database}.otel_logs",
        time_filter=lambda column: f"$__timeFilter({column})",
        bucket=lambda column: f"$__timeInterval({column})",
        timestamp=lambda column: column,
        services=_SERVICES,
        search="${search:sqlstring}",
        limit="200",
    )


# (query, title, panel type, query format, width, height, field config defaults, options)
_Panel = tuple[str, str, str, int, int, int, dict[str, Any], dict[str, Any]]
_STACKED = {"custom": {"drawStyle": "bars", "stacking": {"mode": "normal"}, "fillOpacity": 80}}
_ROWS = {"reduceOptions": {"values": True, "calcs": [], "fields": "/^installs$/"}}
_LAYOUT: dict[str, tuple[str, tuple[_Panel, ...]]] = {
    "usage": (
        "Automagik - usage",
        (
            (
                "activity_totals",
                "Active installs, services, records",
                "stat",
                _TABLE,
                24,
                4,
                {},
                {},
            ),
            (
                "events_over_time",
                "Events over time",
                "timeseries",
                _TIMESERIES,
                24,
                9,
                _STACKED,
                {},
            ),
            ("top_events", "Top events", "table", _TABLE, 12, 9, {}, {}),
            ("installs_over_time", "Active installs", "timeseries", _TIMESERIES, 12, 9, {}, {}),
            ("versions", "Versions (installs)", "bargauge", _TABLE, 8, 9, {}, _ROWS),
            (
                "operating_systems",
                "Operating systems (installs)",
                "piechart",
                _TABLE,
                8,
                9,
                {},
                _ROWS,
            ),
            ("python_versions", "Python versions (installs)", "piechart", _TABLE, 8, 9, {}, _ROWS),
        ),
    ),
    "errors": (
        "Automagik - errors",
        (
            ("error_totals", "Error rate, errors, spans", "stat", _TABLE, 24, 4, {}, {}),
            (
                "error_rate_over_time",
                "Error rate (share of spans with status Error)",
                "timeseries",
                _TIMESERIES,
                12,
                9,
                {"unit": "percentunit"},
                {},
            ),
            (
                "error_logs_over_time",
                "Error log records",
                "timeseries",
                _TIMESERIES,
                12,
                9,
                _STACKED,
                {},
            ),
            ("top_exceptions", "Top exception types", "table", _TABLE, 24, 8, {}, {}),
            ("recent_error_logs", "Recent error logs", "table", _TABLE, 24, 10, {}, {}),
        ),
    ),
    "performance": (
        "Automagik - performance",
        (
            (
                "latency_over_time",
                "Latency percentiles (p50/p95/p99)",
                "timeseries",
                _TIMESERIES,
                24,
                9,
                {"unit": "ms"},
                {},
            ),
            ("latency_by_span", "Latency by span name", "table", _TABLE, 24, 9, {"unit": "ms"}, {}),
            ("slowest_traces", "Slowest traces (root spans)", "table", _TABLE, 24, 10, {}, {}),
        ),
    ),
    "logs": (
        "Automagik - logs",
        (
            (
                "logs_by_severity",
                "Log records by severity",
                "timeseries",
                _TIMESERIES,
                24,
                8,
                _STACKED,
                {},
            ),
            ("recent_logs", "Logs (search: the search box above)", "logs", _LOGS, 24, 16, {}, {}),
        ),
    ),
}


def _variables(with_search: bool) -> list[dict[str, Any]]:
    d = grafana_dialect()
    variables: list[dict[str, Any]] = [
        {
            "name": "database",
            "label": "Database",
            "type": "query",
            "datasource": DATASOURCE,
            "query": "SELECT name FROM system.databases WHERE name NOT IN "
            "('system', 'INFORMATION_SCHEMA', 'information_schema') ORDER BY name",
            "current": {"text": "otel", "value": "otel"},
            "refresh": 1,
        },
        {
            "name": "service",
            "label": "Service",
            "type": "query",
            "datasource": DATASOURCE,
            "query": QUERIES["services"](d),
            "multi": True,
            "includeAll": True,
            "allValue": "'__all__'",
            "current": {"text": "All", "value": "$__all"},
            "refresh": 2,
        },
    ]
    if with_search:
        variables.append(
            {
                "name": "search",
                "label": "Search logs",
                "type": "textbox",
                "query": "",
                "current": {},
            }
        )
    return variables


def dashboards() -> dict[str, dict[str, Any]]:
    """Every dashboard by file name (``automagik-usage.json``, ...)."""
    d = grafana_dialect()
    out = {}
    for key, (title, panels) in _LAYOUT.items():
        x = y = row_height = 0
        built = []
        for number, (query, name, kind, fmt, width, height, defaults, options) in enumerate(
            panels, start=1
        ):
            if x + width > 24:
                x, y, row_height = 0, y + row_height, 0
            built.append(
                {
                    "id": number,
                    "type": kind,
                    "title": name,
                    "datasource": DATASOURCE,
                    "gridPos": {"x": x, "y": y, "w": width, "h": height},
                    "fieldConfig": {"defaults": defaults, "overrides": []},
                    "options": options,
                    "targets": [
                        {
                            "refId": "A",
                            "datasource": DATASOURCE,
                            "editorType": "sql",
                            "format": fmt,
                            "queryType": {0: "timeSeries", 1: "table", 2: "logs"}[fmt],
                            "rawSql": QUERIES[query](d),
                        }
                    ],
                }
            )
            x, row_height = x + width, max(row_height, height)
        out[f"automagik-{key}.json"] = {
            "uid": f"automagik-{key}",
            "title": title,
            "tags": ["automagik", "opentelemetry"],
            "timezone": "utc",
            "schemaVersion": 39,
            "editable": True,
            "time": {"from": "now-7d", "to": "now"},
            "refresh": "1m",
            "templating": {"list": _variables(with_search=key == "logs")},
            "panels": built,
        }
    return out


def write_dashboards(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, dashboard in dashboards().items():
        path = directory / name
        path.write_text(json.dumps(dashboard, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


def schema_sql(database: str = "otel") -> str:
    """The stack's ClickHouse init script: every table the clickhouse backend creates."""
    from ..config.clickhouse import TABLE_KINDS
    from ..exporters.clickhouse.ddl import create_statements
    from ..exporters.clickhouse.settings import ClickHouseSettings

    settings = ClickHouseSettings.create("http://clickhouse:8123", database=database)
    statements = create_statements(settings, TABLE_KINDS)
    return (
        "-- Generated by `make -C infra generate` from automagik_telemetry's DDL: the tables the\n"
        "-- clickhouse backend creates (database otel, no TTL). Runs at the first start only.\n"
        "SET flatten_nested = 1;\n\n" + ";\n\n".join(statements) + ";\n"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) not in (1, 2):
        print(
            "usage: python -m automagik_telemetry.report.grafana DASHBOARD_DIR [SCHEMA_FILE]",
            file=sys.stderr,
        )
        return 2
    written = write_dashboards(Path(args[0]))
    if len(args) == 2:
        Path(args[1]).write_text(schema_sql(), encoding="utf-8")
        written.append(Path(args[1]))
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
