"""``report``: charts and numbers from a ClickHouse server or an embedded store.

Exit codes follow the CLI's: 2 when the command line or the configuration is wrong (bad URL,
no store at a ``chdb://`` path, a missing extra), 1 when the store could not be read (locked by
a running program, unreachable, failing a query) or the file could not be written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..config import TelemetryConfig
from ..errors import ConfigurationError

__all__ = ["register", "run_report"]

_DESCRIPTION = (
    "Reads the telemetry tables (the OpenTelemetry Collector's layout, as the clickhouse "
    "backend writes them) and renders one self-contained HTML file with charts - events, "
    "active installs, versions, errors, latency, logs - that opens offline, or a text summary. "
    "The URL may also come from AUTOMAGIK_TELEMETRY_CLICKHOUSE_URL (and the user, password, "
    "database and table prefix from their AUTOMAGIK_TELEMETRY_CLICKHOUSE_* variables)."
)


def _since(text: str) -> int:
    from ..report.data import parse_since

    try:
        return parse_since(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _positive(text: str) -> int:
    if text.isdigit() and 0 < int(text) <= 10_000:
        return int(text)
    raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to 10000")


def register(commands: Any) -> None:
    report = commands.add_parser(
        "report",
        help="charts from a ClickHouse server or an embedded store",
        description=_DESCRIPTION,
    )
    report.add_argument(
        "--clickhouse-url",
        metavar="URL",
        help="chdb:///path/to/store or http(s)://[user:password@]host[:port][/database]",
    )
    report.add_argument(
        "--database", help="database of the tables (default: from the URL, else default)"
    )
    report.add_argument("--table-prefix", help="table name prefix (default: otel)")
    report.add_argument(
        "--since",
        type=_since,
        default="7d",
        metavar="DURATION",
        help="how far back: 7d (default), 24h, 90m, 2w",
    )
    report.add_argument(
        "--service",
        action="append",
        default=[],
        metavar="NAME",
        help="only this service (repeatable)",
    )
    report.add_argument(
        "--format", choices=["html", "text"], default="html", help="html (default) or text"
    )
    report.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="where to write (html default: report.html; text: stdout)",
    )
    report.add_argument(
        "--limit", type=_positive, default=50, help="rows in the recent-logs tables (50)"
    )
    report.set_defaults(run=run_report)


def run_report(args: argparse.Namespace, config: TelemetryConfig) -> int:
    from ..report import ReportError, collect, render_html_report, render_text
    from ..report.charts import ChartLibraryMissingError
    from ..report.data import NoStoreError

    url = args.clickhouse_url or config.clickhouse_url
    if not url:
        return _fail(
            "give --clickhouse-url (chdb:///path/to/store or http(s)://host:8123) or set "
            "AUTOMAGIK_TELEMETRY_CLICKHOUSE_URL",
            2,
        )
    try:
        settings = _settings(url, args, config)
        data = collect(settings, args.since, services=args.service, limit=args.limit)
        output = render_text(data) if args.format == "text" else render_html_report(data)
    except (ConfigurationError, ChartLibraryMissingError, NoStoreError) as error:
        return _fail(str(error), 2)
    except ReportError as error:
        return _fail(str(error), 1)
    out = args.out if args.out is not None or args.format == "text" else Path("report.html")
    if out is None:
        sys.stdout.write(output)
        return 0
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(output, encoding="utf-8")
    except OSError as error:
        return _fail(f"cannot write the report to {out}: {error.strerror or error}", 1)
    size = len(output.encode()) // 1024 + 1
    print(f"Wrote {out} ({size} KB): open it in any browser, no network needed.")
    return 0


def _settings(url: str, args: argparse.Namespace, config: TelemetryConfig) -> Any:
    """The destination's settings: the command line beats the environment, which beats the
    URL (the exporters' own precedence)."""
    from ..exporters.clickhouse.settings import ClickHouseSettings

    options: dict[str, object] = {
        "user": config.clickhouse_user,
        "password": config.clickhouse_password,
        "database": args.database or config.clickhouse_database,
        "table_prefix": args.table_prefix or config.clickhouse_table_prefix,
        "table_names": config.clickhouse_table_names,
    }
    return ClickHouseSettings.create(url, **{k: v for k, v in options.items() if v is not None})


def _fail(message: str, code: int) -> int:
    print(f"automagik-telemetry report: {message}", file=sys.stderr)
    return code
