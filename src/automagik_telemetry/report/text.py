"""The report as plain text for a terminal (``--format text``): the headline numbers and the
top rows of each section, with bars drawn in characters. Needs no charting library."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from .data import ReportData

__all__ = ["format_duration", "render_text", "totals"]

_BAR = 24
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def format_duration(seconds: float) -> str:
    """``604800`` -> ``7d``; the largest unit that divides, else seconds."""
    whole = round(seconds)
    for size, unit in ((604800, "w"), (86400, "d"), (3600, "h"), (60, "m")):
        if whole >= size and whole % size == 0:
            return f"{whole // size}{unit}"
    return f"{whole}s"


def totals(data: ReportData) -> list[tuple[str, str]]:
    """The headline numbers: ``(label, value)``."""
    activity = _first(data, "activity_totals")
    errors = _first(data, "error_totals")
    events = sum(row["events"] for row in data.sections["top_events"].records())
    spans = int(errors.get("spans", 0))
    rate = errors.get("error_rate") if spans else None
    return [
        ("active installs", f"{int(activity.get('installs', 0)):,}"),
        ("services", f"{int(activity.get('services', 0)):,}"),
        ("events", f"{events:,}"),
        ("spans", f"{spans:,}"),
        ("error rate", "n/a" if rate is None else f"{float(rate):.1%}"),
    ]


def render_text(data: ReportData) -> str:
    start, end = (
        datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d %H:%M")
        for t in (data.start, data.end)
    )
    lines = [
        f"Automagik Telemetry report: {data.source}, database {data.database}",
        f"{start} to {end} UTC (last {format_duration(data.end - data.start)})"
        + (f", services {', '.join(data.services)}" if data.services else ""),
    ]
    if data.missing_tables:
        lines.append(f"(no table {', '.join(data.missing_tables)}: those sections are empty)")
    lines += ["", "  ".join(f"{label}: {value}" for label, value in totals(data))]
    _ranked(lines, "Top events", data, "top_events", "event", "events")
    _ranked(lines, "Versions (installs)", data, "versions", "label", "installs")
    _ranked(lines, "Operating systems (installs)", data, "operating_systems", "label", "installs")
    _ranked(lines, "Python (installs)", data, "python_versions", "label", "installs")
    _ranked(lines, "Top exception types", data, "top_exceptions", "exception", "occurrences")
    latency = data.sections["latency_by_span"].records()[:10]
    lines += ["", "Latency by span name (ms)     p50       p95       p99    spans"]
    if not latency:
        lines.append("  (no spans)")
    for row in latency:
        lines.append(
            f"  {_cut(str(row['span']), 24):<24}"
            + "".join(f"{_ms(row[c]):>10}" for c in ("p50_ms", "p95_ms", "p99_ms"))
            + f"{row['spans']:>9,}"
        )
    logs = data.sections["recent_logs"].records()[:10]
    lines += ["", "Recent logs"]
    if not logs:
        lines.append("  (no log records)")
    for row in logs:
        when = datetime.fromtimestamp(int(row["time"]) / 1000, timezone.utc).strftime(
            "%m-%d %H:%M:%S"
        )
        body = " ".join(str(row["body"]).split())
        lines.append(f"  {when}  {row['level'] or '-'!s:<7} {_cut(body, 90)}")
    return "\n".join(lines) + "\n"


def _ranked(
    lines: list[str], title: str, data: ReportData, section: str, key: str, value: str
) -> None:
    rows = [row for row in data.sections[section].records() if row[value]][:8]
    lines += ["", title]
    if not rows:
        lines.append("  (none)")
        return
    top = max(row[value] for row in rows)
    for row in rows:
        bar = "#" * max(1, round(_BAR * row[value] / top))
        lines.append(f"  {_cut(str(row[key]), 36):<36} {row[value]:>8,}  {bar}")


def _first(data: ReportData, section: str) -> dict[str, Any]:
    records: Sequence[dict[str, Any]] = data.sections[section].records()
    return records[0] if records else {}


def _cut(text: str, width: int) -> str:
    """At most ``width`` characters, control characters (terminal escapes) shown as ``?``."""
    text = _CONTROL.sub("?", text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _ms(value: object) -> str:
    return f"{float(value):,.1f}"  # type: ignore[arg-type]
