"""Spans to an OTLP ``ExportTraceServiceRequest``, written directly in the wire format.

Field for field what the stock ``encode_spans`` produces (``opentelemetry-proto``'s
``trace.proto``): the span ``flags`` carry only the has-/is-remote-parent bits, links carry no
trace state, the ``status`` is always present. A property test parses both encodings and
requires equal messages for spans of every shape.

Each span is encoded on its own: one that cannot be (an unknown object, an out-of-range
count) is retried with the stock encoder and, if that fails too, dropped and counted; the rest
of the batch goes out. An attribute that cannot be encoded is left out of its span, as the
stock encoder leaves it out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry.trace import SpanKind

from ..delivery.queued import HAS_PARENT, NO_END, NO_START, PARENT_REMOTE, QueuedSpan
from .common import encode_items
from .wire import (
    attribute_pairs,
    attributes,
    fixed32,
    fixed64,
    length_delimited,
    string_field,
    uint32,
    varint,
)

__all__ = ["encode_spans"]

_HAS_REMOTE = 0x100  # SpanFlags: whether the parent is remote is known
_IS_REMOTE = 0x200
_FLAGS_LOCAL = b"\x85\x01" + fixed32(_HAS_REMOTE)
_FLAGS_REMOTE = b"\x85\x01" + fixed32(_HAS_REMOTE | _IS_REMOTE)
_KINDS = [b"\x30" + varint(kind + 1) for kind in range(5)]  # SDK SpanKind -> OTLP enum
_ZERO_TIME = bytes(8)
_KIND_FIELDS = {id(kind): _KINDS[kind.value] for kind in SpanKind}  # no Enum hashing per span
_UNSET_AND_FLAGS = b"\x7a\x00" + _FLAGS_LOCAL  # an UNSET status without message + flags
_UNSET_AND_REMOTE = b"\x7a\x00" + _FLAGS_REMOTE
_NAMES = 1024
_names: dict[str, bytes] = {}  # span names repeat: their encoded field, bounded


def encode_spans(spans: Sequence[Any]) -> bytes:
    """``spans`` (``ReadableSpan`` or anything that answers the same questions, such as our
    ``QueuedSpan``) as a serialized ``ExportTraceServiceRequest``."""
    return encode_items("traces", spans, _body, _stock_span)


def _body(span: Any, parts: list[bytes]) -> int:
    if type(span) is QueuedSpan and span._extra is None:
        return _queued_body(span, parts)
    return span_body(span, parts)


def span_body(span: Any, parts: list[bytes]) -> int:
    """Append the fields of one ``Span`` message to ``parts``; return the number of attributes
    that could not be encoded."""
    context = span.get_span_context()
    parts.append(b"\x0a\x10")
    parts.append(context.trace_id.to_bytes(16, "big"))
    parts.append(b"\x12\x08")
    parts.append(context.span_id.to_bytes(8, "big"))
    state = context.trace_state
    if state:
        parts.append(string_field(b"\x1a", ",".join([f"{k}={v}" for k, v in state.items()])))
    parent = span.parent
    if parent:
        parts.append(b"\x22\x08")
        parts.append(parent.span_id.to_bytes(8, "big"))
    parts.append(string_field(b"\x2a", span.name))
    parts.append(_KINDS[span.kind.value])
    start, end = span.start_time, span.end_time
    if start:
        parts.append(b"\x39" + fixed64(start))
    if end:
        parts.append(b"\x41" + fixed64(end))
    failed = attributes(b"\x4a", span.attributes, parts)
    dropped = span.dropped_attributes
    if dropped:
        parts.append(b"\x50" + uint32(dropped))
    for event in span.events:
        failed += _event(event, parts)
    dropped = span.dropped_events
    if dropped:
        parts.append(b"\x60" + uint32(dropped))
    for link in span.links:
        failed += _link(link, parts)
    dropped = span.dropped_links
    if dropped:
        parts.append(b"\x70" + uint32(dropped))
    status = span.status
    description = status.description
    code = status.status_code.value
    if description or code:
        body = string_field(b"\x12", description) + (b"\x18" + varint(code) if code else b"")
        parts.append(b"\x7a" + length_delimited(body))
    else:
        parts.append(b"\x7a\x00")
    parts.append(_FLAGS_REMOTE if parent and parent.is_remote else _FLAGS_LOCAL)
    return failed


def _queued_body(span: QueuedSpan, parts: list[bytes]) -> int:
    """``span_body`` for the common compact span (no events, links, status or trace state):
    the ids and times are copied from their packed bytes."""
    ids = span._ids
    bits = ids[50]
    append = parts.append
    append(b"".join((b"\x0a\x10", ids[:16], b"\x12\x08", ids[16:24])))
    if bits & HAS_PARENT:
        append(b"\x22\x08" + ids[24:32])
    name = span._name
    encoded = _names.get(name)
    if encoded is None:
        encoded = string_field(b"\x2a", name)
        if len(_names) >= _NAMES:
            _names.clear()
        _names[name] = encoded
    append(encoded)
    append(_KIND_FIELDS[id(span._kind)])
    start, end = ids[32:40], ids[40:48]
    if not bits & NO_START and start != _ZERO_TIME:
        append(b"\x39" + start)
    if not bits & NO_END and end != _ZERO_TIME:
        append(b"\x41" + end)
    failed = attribute_pairs(b"\x4a", zip(span._keys, span._values, strict=True), parts)
    append(_UNSET_AND_REMOTE if bits & PARENT_REMOTE else _UNSET_AND_FLAGS)
    return failed


def _event(event: Any, parts: list[bytes]) -> int:
    body = [string_field(b"\x12", event.name)]
    timestamp = event.timestamp
    if timestamp:
        body.insert(0, b"\x09" + fixed64(timestamp))
    failed = attributes(b"\x1a", event.attributes, body)
    dropped = event.dropped_attributes
    if dropped:
        body.append(b"\x20" + uint32(dropped))
    parts.append(b"\x5a" + length_delimited(b"".join(body)))
    return failed


def _link(link: Any, parts: list[bytes]) -> int:
    context = link.context
    body = [
        b"\x0a\x10",
        context.trace_id.to_bytes(16, "big"),
        b"\x12\x08",
        context.span_id.to_bytes(8, "big"),
    ]
    failed = attributes(b"\x22", link.attributes, body)
    dropped = link.dropped_attributes
    if dropped:
        body.append(b"\x28" + uint32(dropped))
    body.append(b"\x35" + fixed32(_HAS_REMOTE | (_IS_REMOTE if context.is_remote else 0)))
    parts.append(b"\x6a" + length_delimited(b"".join(body)))
    return failed


def _stock_span(span: Any) -> bytes | None:
    """The stock encoder's bytes for one span we could not encode (an object of a shape we do
    not know); ``None`` if it cannot encode it either."""
    try:
        from opentelemetry.exporter.otlp.proto.common.trace_encoder import (
            encode_spans as stock,
        )

        request = stock([span])
        return bytes(request.resource_spans[0].scope_spans[0].spans[0].SerializeToString())
    except Exception:
        return None
