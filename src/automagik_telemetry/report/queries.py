"""The questions both the Grafana dashboards and the built-in report ask, written once.

Each query is a function of a ``Dialect``: the dialect says where the tables are, how a time
range is filtered, how timestamps are bucketed and how services are selected. The Grafana
dialect (``grafana.py``) writes the data source's macros and template variables; the report's
dialect writes ClickHouse query parameters (``{start_ms:Int64}``), so values never become SQL
text. "Active installs", "error rate" or "an event" therefore mean the same thing on a
dashboard and in a report: change the definition here and both follow.

The measures read the OpenTelemetry Collector's table layout (docs/BACKENDS.md):

- an **event** is a log record with an event name (what ``track_event`` and the OTel Events API
  write; ``EventName`` column);
- an **install** is a distinct ``automagik.install.id`` resource attribute (a random id per
  user, see docs/CONSENT.md), counted over spans and log records;
- the **error rate** is the share of spans whose status is ``Error``;
- an **exception** is a span event named ``exception`` or a log record with ``exception.type``;
  the same type on the same span counts once (``track_error`` writes both);
- **latency** is a span's duration, in milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "ACTIVE_INSTALLS",
    "ERROR_RATE",
    "ERROR_SEVERITY",
    "INSTALL_ID",
    "QUERIES",
    "Dialect",
    "Query",
]

INSTALL_ID = "ResourceAttributes['automagik.install.id']"
ACTIVE_INSTALLS = "uniqExactIf(install, install != '')"
"""Over rows that carry ``install`` (the ``INSTALL_ID`` of an activity row)."""
ERROR_RATE = "countIf(StatusCode = 'Error') / count()"
ERROR_SEVERITY = "SeverityNumber >= 17"
"""ERROR and FATAL (OTel severity numbers 17-24)."""
_BODY = "if(Body = '' AND EventName != '', concat('event ', EventName), Body)"
"""A log record's text; an event without a body shows its name."""
_MAJOR_MINOR = "arrayStringConcat(arraySlice(splitByChar('.', {}), 1, 2), '.')"


@dataclass(frozen=True)
class Dialect:
    """How the shared queries are placed in one world (Grafana, or the report)."""

    traces: str
    """The traces table, qualified (``db.otel_traces`` or ``${database}.otel_traces``)."""
    logs: str
    time_filter: Callable[[str], str]
    """``column`` -> a condition keeping the selected time range."""
    bucket: Callable[[str], str]
    """``column`` -> the start of the time bucket a row falls in (the x axis of a chart)."""
    timestamp: Callable[[str], str]
    """``column`` -> how a single timestamp is returned (a table's time column)."""
    services: str
    """A condition on ``ServiceName`` keeping the selected services."""
    search: str = "''"
    """An SQL string expression: the text searched for in log bodies (``''`` finds all)."""
    limit: str = "50"

    def where(self, column: str = "Timestamp") -> str:
        return f"{self.time_filter(column)} AND {self.services}"


Query = Callable[[Dialect], str]


def _activity(d: Dialect) -> str:
    """Spans and log records of the range as ``(Timestamp, install, resource)`` rows."""
    return (
        f"SELECT Timestamp, {INSTALL_ID} AS install, ResourceAttributes, ServiceName "
        f"FROM {d.traces} WHERE {d.where()} "
        f"UNION ALL SELECT Timestamp, {INSTALL_ID} AS install, ResourceAttributes, ServiceName "
        f"FROM {d.logs} WHERE {d.where()}"
    )


def _installs_by(label: str) -> Query:
    def query(d: Dialect) -> str:
        return (
            f"SELECT {label} AS label, {ACTIVE_INSTALLS} AS installs, count() AS records "
            f"FROM ({_activity(d)}) GROUP BY label ORDER BY installs DESC, records DESC, label "
            f"LIMIT 20"
        )

    return query


def events_over_time(d: Dialect) -> str:
    return (
        f"SELECT {d.bucket('Timestamp')} AS time, EventName AS event, count() AS events "
        f"FROM {d.logs} WHERE {d.where()} AND EventName != '' "
        f"GROUP BY time, event ORDER BY time, event"
    )


def top_events(d: Dialect) -> str:
    return (
        f"SELECT EventName AS event, count() AS events, "
        f"uniqExactIf({INSTALL_ID}, {INSTALL_ID} != '') AS installs "
        f"FROM {d.logs} WHERE {d.where()} AND EventName != '' "
        f"GROUP BY event ORDER BY events DESC, event LIMIT 20"
    )


def installs_over_time(d: Dialect) -> str:
    return (
        f"SELECT {d.bucket('Timestamp')} AS time, {ACTIVE_INSTALLS} AS installs "
        f"FROM ({_activity(d)}) GROUP BY time ORDER BY time"
    )


def activity_totals(d: Dialect) -> str:
    return (
        f"SELECT {ACTIVE_INSTALLS} AS installs, uniqExact(ServiceName) AS services, "
        f"count() AS records FROM ({_activity(d)})"
    )


versions = _installs_by(
    "concat(ServiceName, ' ', if(ResourceAttributes['service.version'] = '', '(no version)', "
    "ResourceAttributes['service.version']))"
)
operating_systems = _installs_by(
    "if(ResourceAttributes['os.type'] = '', '(unknown)', ResourceAttributes['os.type'])"
)
python_versions = _installs_by(
    "if(ResourceAttributes['process.runtime.version'] = '', '(unknown)', concat("
    "ResourceAttributes['process.runtime.name'], ' ', "
    + _MAJOR_MINOR.format("ResourceAttributes['process.runtime.version']")
    + "))"
)


def error_rate_over_time(d: Dialect) -> str:
    return (
        f"SELECT {d.bucket('Timestamp')} AS time, {ERROR_RATE} AS error_rate "
        f"FROM {d.traces} WHERE {d.where()} GROUP BY time ORDER BY time"
    )


def error_totals(d: Dialect) -> str:
    return (
        f"SELECT {ERROR_RATE} AS error_rate, countIf(StatusCode = 'Error') AS errors, "
        f"count() AS spans FROM {d.traces} WHERE {d.where()}"
    )


def _exceptions(d: Dialect) -> str:
    return (
        f"SELECT Timestamp, SpanId, LogAttributes['exception.type'] AS type, "
        f"LogAttributes['exception.message'] AS message FROM {d.logs} "
        f"WHERE {d.where()} AND type != '' "
        f"UNION ALL SELECT Timestamp, SpanId, event.2['exception.type'] AS type, "
        f"event.2['exception.message'] AS message FROM {d.traces} "
        f"ARRAY JOIN arrayZip(Events.Name, Events.Attributes) AS event "
        f"WHERE {d.where()} AND event.1 = 'exception'"
    )


def top_exceptions(d: Dialect) -> str:
    return (
        "SELECT if(type = '', '(no type)', type) AS exception, "
        "uniqExactIf(SpanId, SpanId != '') + countIf(SpanId = '') AS occurrences, "
        "argMax(message, Timestamp) AS last_message "
        f"FROM ({_exceptions(d)}) GROUP BY exception "
        "ORDER BY occurrences DESC, exception LIMIT 20"
    )


def error_logs_over_time(d: Dialect) -> str:
    return (
        f"SELECT {d.bucket('Timestamp')} AS time, ServiceName AS service, count() AS errors "
        f"FROM {d.logs} WHERE {d.where()} AND {ERROR_SEVERITY} "
        f"GROUP BY time, service ORDER BY time, service"
    )


def recent_error_logs(d: Dialect) -> str:
    return (
        f"SELECT {d.timestamp('Timestamp')} AS time, ServiceName AS service, "
        f"SeverityText AS level, Body AS body, TraceId AS trace_id FROM {d.logs} "
        f"WHERE {d.where()} AND {ERROR_SEVERITY} ORDER BY Timestamp DESC LIMIT {d.limit}"
    )


def latency_by_span(d: Dialect) -> str:
    return (
        "SELECT SpanName AS span, count() AS spans, "
        "quantile(0.5)(Duration) / 1e6 AS p50_ms, quantile(0.95)(Duration) / 1e6 AS p95_ms, "
        f"quantile(0.99)(Duration) / 1e6 AS p99_ms FROM {d.traces} WHERE {d.where()} "
        "GROUP BY span ORDER BY p95_ms DESC, span LIMIT 20"
    )


def latency_over_time(d: Dialect) -> str:
    return (
        f"SELECT {d.bucket('Timestamp')} AS time, quantile(0.5)(Duration) / 1e6 AS p50_ms, "
        "quantile(0.95)(Duration) / 1e6 AS p95_ms, quantile(0.99)(Duration) / 1e6 AS p99_ms "
        f"FROM {d.traces} WHERE {d.where()} GROUP BY time ORDER BY time"
    )


def slowest_traces(d: Dialect) -> str:
    return (
        f"SELECT {d.timestamp('Timestamp')} AS time, TraceId AS trace_id, "
        "ServiceName AS service, SpanName AS span, Duration / 1e6 AS duration_ms, "
        f"StatusCode AS status FROM {d.traces} WHERE {d.where()} AND ParentSpanId = '' "
        f"ORDER BY Duration DESC LIMIT {d.limit}"
    )


def logs_by_severity(d: Dialect) -> str:
    return (
        f"SELECT {d.bucket('Timestamp')} AS time, "
        "if(SeverityText = '', 'UNSPECIFIED', upper(SeverityText)) AS level, count() AS records "
        f"FROM {d.logs} WHERE {d.where()} GROUP BY time, level ORDER BY time, level"
    )


def recent_logs(d: Dialect) -> str:
    return (
        f"SELECT {d.timestamp('Timestamp')} AS time, ServiceName AS service, "
        f"SeverityText AS level, {_BODY} AS body, TraceId AS trace_id "
        f"FROM {d.logs} WHERE {d.where()} AND body ILIKE concat('%', {d.search}, '%') "
        f"ORDER BY Timestamp DESC LIMIT {d.limit}"
    )


def services(d: Dialect) -> str:
    """The services seen in the range: the choices of the dashboards' service selector."""
    return (
        f"SELECT ServiceName AS service FROM (SELECT ServiceName FROM {d.traces} "
        f"WHERE {d.time_filter('Timestamp')} UNION ALL SELECT ServiceName FROM {d.logs} "
        f"WHERE {d.time_filter('Timestamp')}) GROUP BY service ORDER BY service"
    )


QUERIES: dict[str, Query] = {
    "events_over_time": events_over_time,
    "top_events": top_events,
    "installs_over_time": installs_over_time,
    "activity_totals": activity_totals,
    "versions": versions,
    "operating_systems": operating_systems,
    "python_versions": python_versions,
    "error_rate_over_time": error_rate_over_time,
    "error_totals": error_totals,
    "top_exceptions": top_exceptions,
    "error_logs_over_time": error_logs_over_time,
    "recent_error_logs": recent_error_logs,
    "latency_by_span": latency_by_span,
    "latency_over_time": latency_over_time,
    "slowest_traces": slowest_traces,
    "logs_by_severity": logs_by_severity,
    "recent_logs": recent_logs,
    "services": services,
}
"""Every shared query by name: dashboard panels and report sections refer to these names."""
