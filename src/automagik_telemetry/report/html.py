"""The HTML report: one self-contained file (inline CSS and SVG; no script, font or image is
fetched), so it can be mailed, archived or opened offline. Every value from the store is
escaped; chart labels are escaped by pygal's XML writer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from html import escape
from typing import Any

from .._version import __version__
from .charts import WIDE_CHARTS
from .data import ReportData, Table
from .text import format_duration, totals

__all__ = ["render_html"]

_SECTIONS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "usage",
        "Usage",
        (
            ("events_over_time", "Events over time"),
            ("top_events", "Top events"),
            ("installs_over_time", "Active installs over time"),
            ("versions", "Versions (by installs)"),
            ("operating_systems", "Operating systems (by installs)"),
            ("python_versions", "Python versions (by installs)"),
        ),
    ),
    (
        "errors",
        "Errors",
        (
            ("error_rate_over_time", "Error rate (share of spans with status Error)"),
            ("top_exceptions", "Top exception types"),
        ),
    ),
    (
        "performance",
        "Performance",
        (
            ("latency_by_span", "Latency percentiles by span name"),
            ("latency_over_time", "Latency percentiles over time"),
        ),
    ),
    ("logs", "Logs", (("logs_by_severity", "Log records by severity"),)),
)
_TABLES: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "errors": ("recent_error_logs", ("time", "service", "level", "body")),
    "performance": ("slowest_traces", ("time", "service", "span", "duration_ms", "status")),
    "logs": ("recent_logs", ("time", "service", "level", "body")),
}
_MAX_ROWS = {"slowest_traces": 20}
_TABLE_TITLES = {
    "recent_error_logs": "Recent error logs",
    "slowest_traces": "Slowest traces (root spans)",
    "recent_logs": "Recent logs",
}
_CSS = """
:root { color-scheme: light; --ink: #111827; --muted: #6b7280; --line: #e5e7eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: #f8fafc; }
header, main { max-width: 1180px; margin: 0 auto; padding: 16px 24px; }
header h1 { margin: 8px 0 4px; font-size: 24px; }
.meta { color: var(--muted); margin: 0; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 16px; }
.tile { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px;
        min-width: 140px; }
.tile b { display: block; font-size: 22px; }
.tile span { color: var(--muted); font-size: 12px; text-transform: uppercase; }
section { margin: 24px 0; }
h2 { font-size: 18px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 16px; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px;
         padding: 12px; min-width: 0; }
figure.wide { grid-column: 1 / -1; }
figure svg { max-width: 100%; height: auto; display: block; margin: 0 auto; }
figcaption { font-weight: 600; margin-bottom: 6px; }
.empty { color: var(--muted); font-style: italic; padding: 24px 0; }
table { width: 100%; border-collapse: collapse; background: #fff; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line);
         vertical-align: top; }
td.body { font-family: ui-monospace, Menlo, Consolas, monospace; white-space: pre-wrap;
          word-break: break-word; }
.note { background: #fef3c7; border: 1px solid #fcd34d; border-radius: 8px; padding: 8px 12px; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 24px; }
"""


def render_html(data: ReportData, charts: Mapping[str, str]) -> str:
    """The whole page; ``charts`` are the SVGs of ``render_charts`` by chart name."""
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # nothing may be fetched: no script, no connection, images and styles inline only
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        "<title>Automagik Telemetry report</title>",
        f"<style>{_CSS}</style></head><body>",
        _header(data, generated),
        "<main>",
    ]
    if data.missing_tables:
        missing = ", ".join(escape(name) for name in data.missing_tables)
        parts.append(
            f'<p class="note">No table {missing} in database {escape(data.database)}: '
            "the sections that read it are empty (nothing of that kind was recorded yet).</p>"
        )
    for key, title, charts_of_section in _SECTIONS:
        parts.append(f'<section id="{key}"><h2>{title}</h2><div class="grid">')
        for name, caption in charts_of_section:
            parts.append(_figure(name, caption, charts.get(name)))
        parts.append("</div>")
        if key in _TABLES:
            name, columns = _TABLES[key]
            parts.append(_table(name, _TABLE_TITLES[name], data.sections[name], columns))
        parts.append("</section>")
    parts += [
        "</main>",
        f"<footer>automagik-telemetry {escape(__version__)} · generated {generated}</footer>",
        "</body></html>",
    ]
    return "\n".join(parts)


def _header(data: ReportData, generated: str) -> str:
    start, end = (
        datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d %H:%M")
        for t in (data.start, data.end)
    )
    services = ", ".join(data.services) if data.services else "all services"
    tiles = "".join(
        f'<div class="tile"><b>{escape(value)}</b><span>{escape(label)}</span></div>'
        for label, value in totals(data)
    )
    return (
        "<header><h1>Automagik Telemetry report</h1>"
        f'<p class="meta">{escape(data.source)}, database {escape(data.database)} · '
        f"{start} to {end} UTC ({format_duration(data.end - data.start)}) · "
        f"{escape(services)} · generated {generated}</p>"
        f'<div class="tiles">{tiles}</div></header>'
    )


def _figure(name: str, caption: str, svg: str | None) -> str:
    body = svg if svg is not None else '<p class="empty">No data in this period.</p>'
    wide = ' class="wide"' if name in WIDE_CHARTS else ""
    return f'<figure data-chart="{name}"{wide}><figcaption>{caption}</figcaption>{body}</figure>'


def _table(name: str, title: str, table: Table, columns: Iterable[str]) -> str:
    columns = tuple(columns)
    rows = table.records()[: _MAX_ROWS.get(name)]
    head = "".join(f"<th>{escape(column.replace('_', ' '))}</th>" for column in columns)
    if not rows:
        body = f'<tr><td colspan="{len(columns)}" class="empty">No data in this period.</td></tr>'
    else:
        body = "".join(
            "<tr>" + "".join(_cell(column, row[column]) for column in columns) + "</tr>"
            for row in rows
        )
    return (
        f'<h3>{title}</h3><table data-table="{name}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def _cell(column: str, value: Any) -> str:
    if column == "time":
        text = datetime.fromtimestamp(int(value) / 1000, timezone.utc).strftime("%m-%d %H:%M:%S")
    elif column == "duration_ms":
        text = f"{float(value):,.1f} ms"
    else:
        text = str(value)
    css = ' class="body"' if column == "body" else ""
    return f"<td{css}>{escape(text)}</td>"
