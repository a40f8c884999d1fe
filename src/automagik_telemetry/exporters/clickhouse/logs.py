"""Log records to ``otel_logs`` rows, built column by column (see ``spans.py`` for the shape).

As the collector: Timestamp falls back to the observed time when the record has none, ids are
lowercase hex or ``''`` outside a span, SeverityText is kept as sent and SeverityNumber is the
OTLP number, the body is rendered with ``AsString`` (maps and arrays as JSON).
"""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry.sdk._logs import ReadableLogRecord

from .native import NativeBlock
from .spans import ResourceCache
from .values import as_string, plain, span_id_hex, trace_id_hex

__all__ = ["LogColumns", "add_sdk_logs", "logs_block"]


class LogColumns:
    """The columns of one insert into the logs table."""

    def __init__(self) -> None:
        self.timestamp: list[int] = []
        self.trace_id: list[str] = []
        self.span_id: list[str] = []
        self.trace_flags: list[int] = []
        self.severity_text: list[str] = []
        self.severity_number: list[int] = []
        self.service_name: list[str] = []
        self.body: list[str] = []
        self.resource_schema_url: list[str] = []
        self.resource_offsets: list[int] = []
        self.resource_keys: list[bytes] = []
        self.resource_values: list[bytes] = []
        self.scope_schema_url: list[str] = []
        self.scope_name: list[str] = []
        self.scope_version: list[str] = []
        self.scope_offsets: list[int] = []
        self.scope_keys: list[bytes] = []
        self.scope_values: list[bytes] = []
        self.attribute_offsets: list[int] = []
        self.attribute_keys: list[str] = []
        self.attribute_values: list[str] = []
        self.event_name: list[str] = []

    def __len__(self) -> int:
        return len(self.timestamp)

    def block(self) -> NativeBlock:
        block = NativeBlock(len(self))
        block.numbers("Timestamp", "DateTime64(9)", self.timestamp)
        block.strings("TraceId", self.trace_id)
        block.strings("SpanId", self.span_id)
        block.numbers("TraceFlags", "UInt8", self.trace_flags)
        block.strings("SeverityText", self.severity_text, repeated=True)
        block.numbers("SeverityNumber", "UInt8", self.severity_number)
        block.strings("ServiceName", self.service_name, repeated=True)
        block.strings("Body", self.body)
        block.strings("ResourceSchemaUrl", self.resource_schema_url, repeated=True)
        block.encoded_map(
            "ResourceAttributes", self.resource_offsets, self.resource_keys, self.resource_values
        )
        block.strings("ScopeSchemaUrl", self.scope_schema_url, repeated=True)
        block.strings("ScopeName", self.scope_name, repeated=True)
        block.strings("ScopeVersion", self.scope_version, repeated=True)
        block.encoded_map("ScopeAttributes", self.scope_offsets, self.scope_keys, self.scope_values)
        block.string_map(
            "LogAttributes", self.attribute_offsets, self.attribute_keys, self.attribute_values
        )
        block.strings("EventName", self.event_name, repeated=True)
        return block


def add_sdk_logs(columns: LogColumns, records: Sequence[ReadableLogRecord]) -> None:
    c = columns
    resources, scopes = ResourceCache(), ResourceCache()
    resource_total = c.resource_offsets[-1] if c.resource_offsets else 0
    scope_total = c.scope_offsets[-1] if c.scope_offsets else 0
    attribute_total = c.attribute_offsets[-1] if c.attribute_offsets else 0
    for readable in records:
        record = readable.log_record
        c.timestamp.append(record.timestamp or record.observed_timestamp or 0)
        c.trace_id.append(trace_id_hex(record.trace_id or 0))
        c.span_id.append(span_id_hex(record.span_id or 0))
        c.trace_flags.append(int(record.trace_flags or 0))
        c.severity_text.append(record.severity_text or "")
        severity = record.severity_number
        c.severity_number.append(severity.value if severity is not None else 0)
        body = record.body
        c.body.append(body if type(body) is str else as_string(body))
        c.event_name.append(record.event_name or "")
        resource = readable.resource
        count, keys, values, service = resources.get(resource, resource.attributes)
        resource_total += count
        c.resource_offsets.append(resource_total)
        c.resource_keys.append(keys)
        c.resource_values.append(values)
        c.service_name.append(service)
        c.resource_schema_url.append(resource.schema_url or "")
        scope = readable.instrumentation_scope
        if scope is not None:
            count, keys, values, _ = scopes.get(scope, scope.attributes)
            c.scope_name.append(scope.name)
            c.scope_version.append(scope.version or "")
            c.scope_schema_url.append(scope.schema_url or "")
        else:
            count, keys, values = 0, b"", b""
            c.scope_name.append("")
            c.scope_version.append("")
            c.scope_schema_url.append("")
        scope_total += count
        c.scope_offsets.append(scope_total)
        c.scope_keys.append(keys)
        c.scope_values.append(values)
        attributes = plain(record.attributes)
        if attributes:
            attribute_total += len(attributes)
            c.attribute_keys += attributes.keys()
            c.attribute_values += [
                value if type(value) is str else as_string(value) for value in attributes.values()
            ]
        c.attribute_offsets.append(attribute_total)


def logs_block(records: Sequence[ReadableLogRecord]) -> NativeBlock:
    """SDK log records as one Native block for the logs table."""
    columns = LogColumns()
    add_sdk_logs(columns, records)
    return columns.block()
