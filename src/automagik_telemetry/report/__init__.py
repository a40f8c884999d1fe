"""The built-in report: what a store holds, as one self-contained HTML page or a terminal summary.

``automagik-telemetry report --clickhouse-url chdb:///path`` (or a server's ``http(s)://`` URL)
runs the queries the Grafana dashboards run (``queries.py``, one definition for both), then
draws them (``charts.py``, pygal from the ``report`` extra) into one HTML file that needs no
network to view (``html.py``), or prints a summary (``text.py``, no extra needed).
Importing this package loads neither pygal nor the ClickHouse client.
"""

from .data import ReportData, ReportError, Table, collect, parse_since
from .queries import QUERIES, Dialect

__all__ = [
    "QUERIES",
    "Dialect",
    "ReportData",
    "ReportError",
    "Table",
    "collect",
    "parse_since",
    "render_html_report",
    "render_text",
]


def render_html_report(data: ReportData) -> str:
    """The self-contained HTML page. Raises ``ChartLibraryMissingError`` without pygal."""
    from .charts import render_charts
    from .html import render_html

    return render_html(data, render_charts(data))


def render_text(data: ReportData) -> str:
    """The terminal summary."""
    from .text import render_text as render

    return render(data)
