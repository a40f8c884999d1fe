"""The report's charts: static SVG drawn by pygal, inlined into the page.

pygal (``pip install 'automagik-telemetry[report]'``) is imported on first use only. It was
chosen over matplotlib's SVG backend because it is pure Python with one small dependency:
~1.8 MB installed and ~45 ms to import here, against ~170 MB (numpy, pillow, fonttools, ...)
and ~0.2-0.3 s for matplotlib, for charts of the same kind. Its SVG needs no script and no
network: the inline config script pygal adds for its optional tooltips is removed, so the
report shows the same in a browser with JavaScript off.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import Any

from .data import ReportData, Table

__all__ = ["ChartLibraryMissingError", "render_charts"]

_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
_TOP_SERIES = 8
WIDE_CHARTS = frozenset({"events_over_time", "logs_by_severity"})
"""Charts drawn across the whole page width (the others share a row with a neighbour)."""
COLORS = ("#2563eb", "#f97316", "#16a34a", "#dc2626", "#9333ea", "#0891b2", "#ca8a04", "#db2777")
LEVEL_COLORS = {
    "TRACE": "#94a3b8",
    "DEBUG": "#64748b",
    "INFO": "#2563eb",
    "WARN": "#f59e0b",
    "WARNING": "#f59e0b",
    "ERROR": "#dc2626",
    "FATAL": "#7f1d1d",
    "CRITICAL": "#7f1d1d",
}


class ChartLibraryMissingError(ImportError):
    """pygal is not installed: the message names the extra that brings it."""


def _pygal() -> Any:
    try:
        import pygal
    except ImportError as error:
        raise ChartLibraryMissingError(
            "the HTML report draws its charts with pygal, which is not installed: "
            "pip install 'automagik-telemetry[report]' (or use --format text)"
        ) from error
    return pygal


def render_charts(data: ReportData) -> dict[str, str]:
    """One SVG per chart that has data, by chart name (charts without data are left out)."""
    pygal = _pygal()
    builders: dict[str, Callable[[Any, ReportData, Table], str | None]] = {
        "events_over_time": _stacked_over_time("event", "events"),
        "top_events": _ranking("event", "events"),
        "installs_over_time": _bars_over_time("installs"),
        "versions": _ranking("label", "installs"),
        "operating_systems": _pie,
        "python_versions": _pie,
        "error_rate_over_time": _lines_over_time(("error_rate",), percent=True),
        "top_exceptions": _ranking("exception", "occurrences"),
        "latency_by_span": _latency,
        "latency_over_time": _lines_over_time(("p50_ms", "p95_ms", "p99_ms")),
        "logs_by_severity": _stacked_over_time("level", "records", LEVEL_COLORS),
    }
    charts = {}
    for name, build in builders.items():
        svg = build(pygal, data, data.sections[name])
        if svg is not None:
            charts[name] = _SCRIPT.sub("", svg)
    return charts


def _config(pygal: Any, colors: Sequence[str] = COLORS, **options: Any) -> dict[str, Any]:
    style = pygal.style.Style(
        background="transparent",
        plot_background="transparent",
        foreground="#1f2937",
        foreground_strong="#111827",
        foreground_subtle="#6b7280",
        font_family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
        label_font_size=12,
        major_label_font_size=12,
        legend_font_size=12,
        value_font_size=11,
        colors=tuple(colors),
    )
    return {
        "style": style,
        "js": [],
        "disable_xml_declaration": True,
        "width": 540,
        "height": 300,
        "explicit_size": True,
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 4,
        "truncate_legend": 40,
        "truncate_label": 40,
        **options,
    }


def _time_labels(data: ReportData, shown: int = 5) -> tuple[list[int], list[str], list[str]]:
    """Bucket starts, their labels (UTC) and the ``shown`` labels to print."""
    buckets = data.buckets()
    layout = "%Y-%m-%d" if data.bucket >= 86400 else "%m-%d %H:%M"
    labels = [datetime.fromtimestamp(b, timezone.utc).strftime(layout) for b in buckets]
    step = max(1, -(-len(labels) // shown))
    return buckets, labels, labels[::step]


def _stacked_over_time(
    key: str, value: str, palette: dict[str, str] | None = None
) -> Callable[[Any, ReportData, Table], str | None]:
    def build(pygal: Any, data: ReportData, table: Table) -> str | None:
        rows = table.records()
        if not rows:
            return None
        totals: dict[str, int] = {}
        for row in rows:
            totals[row[key]] = totals.get(row[key], 0) + row[value]
        ranked = sorted(totals, key=lambda name: (-totals[name], name))
        shown, other = ranked[:_TOP_SERIES], set(ranked[_TOP_SERIES:])
        buckets, labels, major = _time_labels(data, shown=10)
        index = {bucket: i for i, bucket in enumerate(buckets)}
        series = {name: [0] * len(buckets) for name in [*shown, *(["other"] if other else [])]}
        for row in rows:
            name = "other" if row[key] in other else row[key]
            series[name][index[int(row["time"])]] += row[value]
        colors = [palette.get(n, "#94a3b8") for n in series] if palette else COLORS
        chart = pygal.StackedBar(
            **_config(pygal, colors, width=1100, x_labels_major=major, show_minor_x_labels=False)
        )
        chart.x_labels = labels
        for name, values in series.items():
            chart.add(name, values)
        return str(chart.render(is_unicode=True))

    return build


def _lines_over_time(
    columns: tuple[str, ...], percent: bool = False
) -> Callable[[Any, ReportData, Table], str | None]:
    def build(pygal: Any, data: ReportData, table: Table) -> str | None:
        rows = table.records()
        if not rows:
            return None
        buckets, labels, major = _time_labels(data)
        by_time = {int(row["time"]): row for row in rows}
        options: dict[str, Any] = {"x_labels_major": major, "show_minor_x_labels": False}
        if percent:
            options["value_formatter"] = lambda v: f"{v:.1%}"
        chart = pygal.Line(**_config(pygal, **options, dots_size=2, allow_interruptions=True))
        chart.x_labels = labels
        for column in columns:
            chart.add(
                column.replace("_ms", " (ms)").replace("_", " "),
                [_number(by_time[b][column]) if b in by_time else None for b in buckets],
            )
        return str(chart.render(is_unicode=True))

    return build


def _bars_over_time(column: str) -> Callable[[Any, ReportData, Table], str | None]:
    def build(pygal: Any, data: ReportData, table: Table) -> str | None:
        rows = table.records()
        if not rows:
            return None
        buckets, labels, major = _time_labels(data)
        by_time = {int(row["time"]): row[column] for row in rows}
        chart = pygal.Bar(
            **_config(pygal, x_labels_major=major, show_minor_x_labels=False, show_legend=False)
        )
        chart.x_labels = labels
        chart.add(column, [by_time.get(bucket, 0) for bucket in buckets])
        return str(chart.render(is_unicode=True))

    return build


def _ranking(key: str, value: str) -> Callable[[Any, ReportData, Table], str | None]:
    def build(pygal: Any, data: ReportData, table: Table) -> str | None:
        rows = [row for row in table.records() if row[value]][:12]
        if not rows:
            return None
        rows.reverse()  # pygal draws the first label at the bottom
        chart = pygal.HorizontalBar(
            **_config(pygal, height=max(160, 34 * len(rows) + 80), show_legend=False),
            print_values=True,
            show_x_labels=False,
        )
        chart.x_labels = [str(row[key]) for row in rows]
        chart.add(value, [row[value] for row in rows])
        return str(chart.render(is_unicode=True))

    return build


def _pie(pygal: Any, data: ReportData, table: Table) -> str | None:
    rows = [row for row in table.records() if row["installs"]][:8]
    if not rows:
        return None
    chart = pygal.Pie(**_config(pygal, height=260, inner_radius=0.45, legend_at_bottom=False))
    for row in rows:
        chart.add(str(row["label"]), row["installs"])
    return str(chart.render(is_unicode=True))


def _latency(pygal: Any, data: ReportData, table: Table) -> str | None:
    rows = table.records()[:12]
    if not rows:
        return None
    rows.reverse()
    chart = pygal.HorizontalBar(
        **_config(pygal, height=max(200, 48 * len(rows) + 100)),
        value_formatter=lambda v: f"{v:,.0f} ms",
        max_scale=5,
    )
    chart.x_labels = [str(row["span"]) for row in rows]
    for column in ("p50_ms", "p95_ms", "p99_ms"):
        chart.add(column[:3], [_number(row[column]) for row in rows])
    return str(chart.render(is_unicode=True))


def _number(value: object) -> float:
    return float(value)  # type: ignore[arg-type]
