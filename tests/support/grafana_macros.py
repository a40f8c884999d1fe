"""What Grafana and its ClickHouse data source do to a panel's SQL before ClickHouse sees it.

Template variables first (Grafana's template service): ``$var``, ``${var}``, ``${var:raw}``,
``${var:singlequote}``, ``${var:sqlstring}``; a multi-value variable set to "All" with a
custom ``allValue`` becomes that value *unformatted* (Grafana skips formatting for custom all
values). Then the plugin's macros, as its Go code writes them (grafana/clickhouse-datasource,
pkg/macros/macros.go): ``$__timeFilter(c)`` -> ``c >= toDateTime(from) AND c <= toDateTime(to)``,
``$__timeInterval(c)`` -> ``toStartOfInterval(toDateTime(c), INTERVAL n second)`` and the rest.
Anything left that looks like a macro or variable is an error: a dashboard must not depend on
something this expander does not know.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

ALL = object()
"""The value of a multi-value variable set to "All"."""


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime
    interval_seconds: int = 60


def _sql_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def _format(value: str | Sequence[str], fmt: str | None) -> str:
    values = [value] if isinstance(value, str) else list(value)
    if fmt == "singlequote":
        return ",".join("'" + v.replace("'", "\\'") + "'" for v in values)
    if fmt == "sqlstring":
        return ",".join(_sql_string(v) for v in values)
    if fmt in (None, "raw"):
        return (
            ",".join(values) if fmt == "raw" or len(values) == 1 else "{" + ",".join(values) + "}"
        )
    raise ValueError(f"variable format {fmt!r} is not supported by the expander")


_VARIABLE = re.compile(r"\$\{(\w+)(?::(\w+))?\}|\$(?!__)(\w+)")


def expand_variables(
    sql: str, values: Mapping[str, object], all_values: Mapping[str, str] | None = None
) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match[1] or match[3]
        if name not in values:
            raise KeyError(f"template variable ${name} has no value in this test")
        value = values[name]
        if value is ALL:
            assert all_values, f"${name} is All but has no allValue"
            assert name in all_values, f"${name} is All but has no allValue"
            return all_values[name]
        assert isinstance(value, (str, list, tuple))
        return _format(value, match[2])

    return _VARIABLE.sub(replace, sql)


def _args(text: str, start: int) -> tuple[list[str], int]:
    """Comma-separated arguments of a macro call starting at ``text[start] == '('``."""
    depth, args, current = 0, [], ""
    for position in range(start, len(text)):
        char = text[position]
        if char == "(":
            depth += 1
            if depth == 1:
                continue
        elif char == ")":
            depth -= 1
            if depth == 0:
                args.append(current.strip())
                return [a for a in args if a], position + 1
        elif char == "," and depth == 1:
            args.append(current.strip())
            current = ""
            continue
        current += char
    raise ValueError(f"unbalanced macro call in {text[start : start + 60]!r}")


def expand_macros(sql: str, time: TimeRange) -> str:
    start, end = (int(t.timestamp()) for t in (time.start, time.end))
    start_ms, end_ms = (int(t.timestamp() * 1000) for t in (time.start, time.end))
    day = lambda t: f"toDate('{t.astimezone(timezone.utc):%Y-%m-%d}')"  # noqa: E731
    functions = {
        "timeFilter": lambda c: f"{c} >= toDateTime({start}) AND {c} <= toDateTime({end})",
        "timeFilter_ms": lambda c: (
            f"{c} >= fromUnixTimestamp64Milli({start_ms}) "
            f"AND {c} <= fromUnixTimestamp64Milli({end_ms})"
        ),
        "dateFilter": lambda c: f"{c} >= {day(time.start)} AND {c} <= {day(time.end)}",
        "timeInterval": lambda c: (
            f"toStartOfInterval(toDateTime({c}), INTERVAL {max(time.interval_seconds, 1)} second)"
        ),
        "timeInterval_ms": lambda c: (
            f"toStartOfInterval(toDateTime64({c}, 3), "
            f"INTERVAL {time.interval_seconds * 1000} millisecond)"
        ),
    }
    constants = {
        "fromTime_ms": f"fromUnixTimestamp64Milli({start_ms})",
        "toTime_ms": f"fromUnixTimestamp64Milli({end_ms})",
        "fromTime": f"toDateTime({start})",
        "toTime": f"toDateTime({end})",
        "interval_s": str(max(time.interval_seconds, 1)),
    }
    out, position = [], 0
    for match in re.finditer(r"\$__(\w+)", sql):
        if match.start() < position:
            continue
        out.append(sql[position : match.start()])
        name = match[1]
        if name in functions:
            args, position = _args(sql, match.end())
            assert len(args) == 1, f"$__{name} takes one argument, got {args}"
            out.append(functions[name](args[0]))
        elif name in constants:
            out.append(constants[name])
            position = match.end()
        else:
            raise ValueError(f"macro $__{name} is not known to the expander")
    out.append(sql[position:])
    return "".join(out)


def expand(
    sql: str,
    time: TimeRange,
    values: Mapping[str, object],
    all_values: Mapping[str, str] | None = None,
) -> str:
    """Variables, then macros; fails on anything left over."""
    expanded = expand_macros(expand_variables(sql, values, all_values), time)
    leftover = re.search(r"\$\w+|\$\{", expanded)
    assert leftover is None, f"unexpanded {leftover[0]!r} in {expanded}"
    return expanded


def utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)
