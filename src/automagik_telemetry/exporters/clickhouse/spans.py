"""Spans to ``otel_traces`` rows, built column by column.

``SpanColumns`` holds plain lists, one per column; ``add_sdk_spans`` fills them from SDK
``ReadableSpan`` objects in one tight loop. The lists are the seam: ``compact.py`` fills them
from the live pipeline's compact spans column by column (and makes the block), a replay of
OTLP protobuf batches (the durable spool) fills them with decoded spans, and ``block()``
encodes whatever filled them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.trace import Link

from .native import NativeBlock, encode_strings
from .values import SPAN_KINDS, STATUS_CODES, as_string, plain, span_id_hex, trace_id_hex

__all__ = ["ResourceCache", "SpanColumns", "add_sdk_spans"]


class ResourceCache:
    """Encodes each distinct attribute map once per batch: a resource's dozen attributes
    repeat on every row, so they are encoded once and the bytes are reused."""

    def __init__(self) -> None:
        self._seen: dict[int, tuple[int, bytes, bytes, str]] = {}
        self._keep: list[object] = []  # keeps ids stable while the batch is built

    def get(
        self, owner: object, attributes: Mapping[str, Any] | None
    ) -> tuple[int, bytes, bytes, str]:
        """(entry count, encoded keys, encoded values, service.name) for ``owner``."""
        found = self._seen.get(id(owner))
        if found is None:
            items = plain(attributes)
            service = items.get("service.name", "")
            found = (
                len(items),
                encode_strings(list(items)),
                encode_strings([as_string(value) for value in items.values()]),
                service if type(service) is str else as_string(service),
            )
            self._seen[id(owner)] = found
            self._keep.append(owner)
        return found


class SpanColumns:
    """The columns of one insert into the traces table."""

    def __init__(self) -> None:
        self.timestamp: list[int] = []
        self.trace_id: list[str] = []
        self.span_id: list[str] = []
        self.parent_span_id: list[str] = []
        self.trace_state: list[str] = []
        self.span_name: list[str] = []
        self.span_kind: list[str] = []
        self.service_name: list[str] = []
        self.resource_offsets: list[int] = []
        self.resource_keys: list[bytes] = []
        self.resource_values: list[bytes] = []
        self.scope_name: list[str] = []
        self.scope_version: list[str] = []
        self.attribute_offsets: list[int] = []
        self.attribute_keys: list[str] = []
        self.attribute_values: list[str] = []
        self.duration: list[int] = []
        self.status_code: list[str] = []
        self.status_message: list[str] = []
        self.event_offsets: list[int] = []
        self.event_timestamp: list[int] = []
        self.event_name: list[str] = []
        self.event_attribute_offsets: list[int] = []
        self.event_attribute_keys: list[str] = []
        self.event_attribute_values: list[str] = []
        self.link_offsets: list[int] = []
        self.link_trace_id: list[str] = []
        self.link_span_id: list[str] = []
        self.link_trace_state: list[str] = []
        self.link_attribute_offsets: list[int] = []
        self.link_attribute_keys: list[str] = []
        self.link_attribute_values: list[str] = []

    def __len__(self) -> int:
        return len(self.timestamp)

    def block(self) -> NativeBlock:
        block = NativeBlock(len(self))
        block.numbers("Timestamp", "DateTime64(9)", self.timestamp)
        block.strings("TraceId", self.trace_id)
        block.strings("SpanId", self.span_id)
        block.strings("ParentSpanId", self.parent_span_id)
        block.strings("TraceState", self.trace_state)
        block.strings("SpanName", self.span_name, repeated=True)
        block.strings("SpanKind", self.span_kind, repeated=True)
        block.strings("ServiceName", self.service_name, repeated=True)
        block.encoded_map(
            "ResourceAttributes", self.resource_offsets, self.resource_keys, self.resource_values
        )
        block.strings("ScopeName", self.scope_name, repeated=True)
        block.strings("ScopeVersion", self.scope_version, repeated=True)
        block.string_map(
            "SpanAttributes", self.attribute_offsets, self.attribute_keys, self.attribute_values
        )
        block.numbers("Duration", "UInt64", self.duration)
        block.strings("StatusCode", self.status_code, repeated=True)
        block.strings("StatusMessage", self.status_message, repeated=True)
        events = self.event_offsets
        block.number_arrays("Events.Timestamp", "DateTime64(9)", events, self.event_timestamp)
        block.string_arrays("Events.Name", events, self.event_name)
        block.map_arrays(
            "Events.Attributes",
            events,
            self.event_attribute_offsets,
            self.event_attribute_keys,
            self.event_attribute_values,
        )
        links = self.link_offsets
        block.string_arrays("Links.TraceId", links, self.link_trace_id)
        block.string_arrays("Links.SpanId", links, self.link_span_id)
        block.string_arrays("Links.TraceState", links, self.link_trace_state)
        block.map_arrays(
            "Links.Attributes",
            links,
            self.link_attribute_offsets,
            self.link_attribute_keys,
            self.link_attribute_values,
        )
        return block


def _values(attributes: Mapping[str, Any]) -> list[str]:
    return [value if type(value) is str else as_string(value) for value in attributes.values()]


_PUBLIC = ("attributes", "events", "links")
_DIRECT: dict[type, bool] = {}


def _reads_directly(cls: type) -> bool:
    """Whether ``cls`` exposes its stored fields through the SDK's own properties. A subclass
    overriding one (a redacting view of a span, say) is read through its properties: reading
    the fields behind them could bypass the privacy processing."""
    direct = _DIRECT.get(cls)
    if direct is None:
        direct = all(getattr(cls, name, None) is getattr(ReadableSpan, name) for name in _PUBLIC)
        _DIRECT[cls] = direct
    return direct


def add_sdk_spans(columns: SpanColumns, spans: Sequence[ReadableSpan]) -> None:
    """Append SDK spans: Timestamp is the start, Duration end - start in nanoseconds.

    For the SDK's own span classes the loop reads the stored fields (``_attributes``,
    ``_events``, ``_links``): the public properties copy or wrap them on every access, and at
    100k spans/s those copies are a third of the time. Other classes use the properties.
    """
    c = columns
    resources = ResourceCache()
    attribute_total = c.attribute_offsets[-1] if c.attribute_offsets else 0
    resource_total = c.resource_offsets[-1] if c.resource_offsets else 0
    timestamps, durations = c.timestamp.append, c.duration.append
    trace_ids, span_ids, parents = c.trace_id.append, c.span_id.append, c.parent_span_id.append
    states, names, kinds = c.trace_state.append, c.span_name.append, c.span_kind.append
    codes, messages = c.status_code.append, c.status_message.append
    attribute_keys, attribute_values = c.attribute_keys.extend, c.attribute_values.extend
    attribute_offsets = c.attribute_offsets.append
    for span in spans:
        context = span.context
        start = span.start_time or 0
        timestamps(start)
        durations(max(0, (span.end_time or start) - start))
        trace_ids(trace_id_hex(context.trace_id))
        span_ids(span_id_hex(context.span_id))
        parent = span.parent
        parents(span_id_hex(parent.span_id) if parent is not None else "")
        state = context.trace_state
        states(state.to_header() if state else "")
        names(span.name)
        kinds(SPAN_KINDS[span.kind.value])
        status = span.status
        codes(STATUS_CODES[status.status_code.value])
        messages(status.description or "")
        resource = span.resource
        count, keys, values, service = resources.get(resource, resource.attributes)
        resource_total += count
        c.resource_offsets.append(resource_total)
        c.resource_keys.append(keys)
        c.resource_values.append(values)
        c.service_name.append(service)
        scope = span.instrumentation_scope
        c.scope_name.append(scope.name if scope is not None else "")
        c.scope_version.append((scope.version or "") if scope is not None else "")
        if _reads_directly(type(span)):
            attributes = plain(span._attributes)
            events, links = span._events, span._links
        else:
            attributes, events, links = plain(span.attributes), span.events, span.links
        if attributes:
            attribute_total += len(attributes)
            attribute_keys(attributes.keys())
            attribute_values(_values(attributes))
        attribute_offsets(attribute_total)
        if events:
            _add_events(c, events)
        c.event_offsets.append(len(c.event_name))
        if links:
            _add_links(c, links)
        c.link_offsets.append(len(c.link_trace_id))


def _add_events(c: SpanColumns, events: Sequence[Event]) -> None:
    total = c.event_attribute_offsets[-1] if c.event_attribute_offsets else 0
    for event in events:
        c.event_timestamp.append(event.timestamp)
        c.event_name.append(event.name)
        attributes = plain(event.attributes)
        if attributes:
            total += len(attributes)
            c.event_attribute_keys += attributes.keys()
            c.event_attribute_values += _values(attributes)
        c.event_attribute_offsets.append(total)


def _add_links(c: SpanColumns, links: Sequence[Link]) -> None:
    total = c.link_attribute_offsets[-1] if c.link_attribute_offsets else 0
    for link in links:
        context = link.context
        c.link_trace_id.append(trace_id_hex(context.trace_id))
        c.link_span_id.append(span_id_hex(context.span_id))
        state = context.trace_state
        c.link_trace_state.append(state.to_header() if state else "")
        attributes = plain(link.attributes)
        if attributes:
            total += len(attributes)
            c.link_attribute_keys += attributes.keys()
            c.link_attribute_values += _values(attributes)
        c.link_attribute_offsets.append(total)
