"""Log records to an OTLP ``ExportLogsServiceRequest``, written directly in the wire format.

Field for field what the stock ``encode_logs`` produces (``logs.proto``): the ``body`` is always
present (an empty ``AnyValue`` for ``None``), trace and span ids only when set, ``flags`` the
W3C trace flags. A property test parses both encodings and requires equal messages.

Failures are isolated: where the stock encoder fails the whole batch for one record (a body of
a type OTLP cannot carry, say), here that record's body is left out and counted; a record that
cannot be encoded at all is dropped and counted; the rest of the batch goes out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .common import encode_items
from .wire import (
    EncodingError,
    any_value,
    attributes,
    fixed32,
    fixed64,
    length_delimited,
    string_field,
    uint32,
    varint,
)

__all__ = ["encode_logs"]


def encode_logs(records: Sequence[Any]) -> bytes:
    """``records`` (``ReadableLogRecord``) as a serialized ``ExportLogsServiceRequest``."""
    return encode_items("logs", records, record_body, _no_fallback)


def _no_fallback(record: Any) -> None:
    """Where ours fails on a record, the stock encoder fails on its whole batch."""
    return


def record_body(item: Any, parts: list[bytes]) -> int:
    """Append the fields of one ``LogRecord`` message to ``parts``; return how many of its
    attributes (or its body) could not be encoded."""
    record = item.log_record
    timestamp = record.timestamp
    if timestamp:
        parts.append(b"\x09" + fixed64(timestamp))
    severity = getattr(record.severity_number, "value", None)
    if severity:
        parts.append(b"\x10" + varint(severity))
    parts.append(string_field(b"\x1a", record.severity_text))
    failed = 0
    try:
        body = any_value(record.body)
    except (EncodingError, TypeError, ValueError, RecursionError):
        body, failed = b"", 1
    parts.append(b"\x2a" + length_delimited(body))
    failed += attributes(b"\x32", record.attributes, parts)
    dropped = item.dropped_attributes
    if dropped:
        parts.append(b"\x38" + uint32(dropped))
    flags = int(record.trace_flags)
    if flags:
        parts.append(b"\x45" + fixed32(flags))
    trace_id, span_id = record.trace_id, record.span_id
    if trace_id:
        parts.append(b"\x4a\x10" + trace_id.to_bytes(16, "big"))
    if span_id:
        parts.append(b"\x52\x08" + span_id.to_bytes(8, "big"))
    observed = record.observed_timestamp
    if observed:
        parts.append(b"\x59" + fixed64(observed))
    parts.append(string_field(b"\x62", record.event_name))
    return failed
