"""``QueuedSpan``: a finished span as it waits for export, in a fraction of the memory.

A finished SDK span keeps everything it needed while it was live: a lock, ``BoundedAttributes``
with a lock and a dict of its own, two ``BoundedList``s, a ``SpanContext`` with a ``TraceFlags``
object and two large ints — about 3 KB. Waiting for export it needs only what the encoders
read, so ``QueuedSpan`` keeps, in ``__slots__``:

* the ids, times and flags packed in one 51-byte ``bytes`` (``_ids``, layout below) instead of
  a ``SpanContext``, a ``TraceFlags`` and four ints;
* the attribute values as a tuple, with the tuple of keys shared by every span that has the
  same keys (instrumentations set the same keys on every span) instead of a dict per span;
* one shared copy of a repeated string (span names, user agents and other values that repeat
  but arrive as a fresh ``str`` per request), through a small bounded table;
* the rare parts (events, links, a status, trace state, dropped counts) in one ``_extra``
  tuple, ``None`` for most spans.

About 0.4 KB for a realistic span with seven attributes (docs/ENCODING.md has the measure). It
answers the same read-only questions as ``ReadableSpan`` (rebuilding a ``SpanContext`` when
asked), so every exporter accepts it; the OTLP encoder reads the packed fields directly.
"""

from __future__ import annotations

import struct
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

from opentelemetry.attributes import BoundedAttributes
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.util import BoundedList
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode, TraceFlags
from opentelemetry.trace.span import DEFAULT_TRACE_STATE, TraceState

__all__ = ["IDS", "QueuedSpan"]

_UNSET = Status(StatusCode.UNSET)
_EMPTY: Mapping[str, Any] = MappingProxyType({})
_EMPTY_STATE = TraceState()
_NO_EXTRA: tuple[Any, ...] = (_UNSET, None, None, (), (), 0, 0, 0)  # what most spans have

# ``_ids``: trace id (16, big-endian), span id (8), parent span id (8, zeros without a parent),
# start and end time (8 each, little-endian as protobuf's fixed64), trace flags, the parent's
# trace flags, and the bits below. The encoder copies the slices straight into the wire format.
IDS = struct.Struct(">QQQQ")
TRACE_ID = struct.Struct(">QQ")
TIMES = struct.Struct("<QQBBB")
HAS_PARENT, PARENT_REMOTE, REMOTE, NO_START, NO_END = 1, 2, 4, 8, 16
_MASK64 = (1 << 64) - 1

# Shared copies of repeated strings and key tuples. Bounded: cleared when full (which only
# loses sharing, never data); long strings are not worth a lookup.
_SHARED_ENTRIES = 4096
_SHARED_CHARS = 256
_strings: dict[str, str] = {}
_keys: dict[tuple[str, ...], tuple[str, ...]] = {}


_PUBLIC = (
    "name",
    "context",
    "parent",
    "kind",
    "start_time",
    "end_time",
    "status",
    "attributes",
    "events",
    "links",
    "resource",
    "instrumentation_scope",
    "dropped_attributes",
    "dropped_events",
    "dropped_links",
)
_DIRECT: dict[type, bool] = {}
_UNSET_CODE = StatusCode.UNSET


def _sdk_layout_is_known() -> bool:
    """Whether the SDK builds spans, span contexts and statuses as ``_compact_sdk`` reads them
    (checked once, at import). If a release changes that, every span takes the general path:
    slower, never wrong."""
    state = TraceState([("k", "v")])
    context = SpanContext(1, 2, True, TraceFlags(1), state)
    status = Status(StatusCode.ERROR, "why")
    span: Any = ReadableSpan("probe", context, attributes=BoundedAttributes(attributes={"k": "v"}))
    return (
        tuple(context) == (1, 2, True, 1, state, True)
        and (status._status_code, status._description) == (StatusCode.ERROR, "why")
        and type(BoundedList(1)._dq) is deque  # type: ignore[attr-defined]
        and type(span._attributes._dict) is dict
        and {"_name", "_context", "_parent", "_start_time", "_end_time", "_status"}
        <= set(vars(span))
    )


_FAST = _sdk_layout_is_known()


def _reads_directly(cls: type) -> bool:
    """Whether ``cls`` answers through the SDK's own properties, so its fields can be read
    directly. A subclass overriding one (a redacting view, say) is read through its
    properties: reading the fields behind them could bypass what the override does."""
    direct = _DIRECT.get(cls)
    if direct is None:
        direct = issubclass(cls, ReadableSpan) and all(
            getattr(cls, name, None) is getattr(ReadableSpan, name) for name in _PUBLIC
        )
        _DIRECT[cls] = direct
    return direct


def _shared(value: Any) -> Any:
    """The shared copy of a short string (``value`` itself the first time; anything else as
    it is). ``_shared_values`` keeps the table bounded."""
    if type(value) is str and len(value) <= _SHARED_CHARS:
        return _strings.setdefault(value, value)
    return value


def _shared_values(values: Iterable[Any]) -> tuple[Any, ...]:
    """``values`` with each short string replaced by its shared copy, written out (no call per
    value): it runs on the app's thread for every attribute of every span."""
    strings = _strings
    shared = []
    for value in values:
        if type(value) is str and len(value) <= _SHARED_CHARS:
            value = strings.setdefault(value, value)
        shared.append(value)
    if len(strings) > _SHARED_ENTRIES:
        strings.clear()  # bounded: only loses sharing, never data
    return tuple(shared)


def _shared_keys(keys: tuple[str, ...]) -> tuple[str, ...]:
    shared = _keys.setdefault(keys, keys)
    if len(_keys) > _SHARED_ENTRIES:
        _keys.clear()
    return shared


def _extra(
    status: Status,
    state: TraceState | None,
    parent_state: TraceState | None,
    events: Sequence[Event],
    links: Sequence[Link],
    dropped: tuple[int, int, int],
) -> tuple[Any, ...] | None:
    """``QueuedSpan._extra``: the parts most spans do not have, or ``None`` without any."""
    if status.is_unset and not status.description:
        status = _UNSET  # most spans end UNSET: one shared Status
    if status is _UNSET and not (state or parent_state or events or links or any(dropped)):
        return None
    return (status, state or None, parent_state or None, tuple(events), tuple(links), *dropped)


class QueuedSpan:
    __slots__ = ("_extra", "_ids", "_keys", "_kind", "_name", "_resource", "_scope", "_values")

    _extra: tuple[Any, ...] | None
    _ids: bytes
    _keys: tuple[str, ...]
    _kind: SpanKind
    _name: str
    _resource: Resource
    _scope: InstrumentationScope | None
    _values: tuple[Any, ...]

    @classmethod
    def of(cls, span: ReadableSpan) -> QueuedSpan | ReadableSpan:
        """Compact ``span`` (the span itself if it holds something the packed layout cannot,
        such as an id wider than OTLP allows: the encoder then decides what to do with it)."""
        try:
            if _FAST and _reads_directly(type(span)):  # the SDK's ReadableSpan
                return cls._compact_sdk(span)
            return cls._compact(span)
        except (struct.error, AttributeError, TypeError, ValueError):
            return span

    @classmethod
    def _compact_sdk(cls, span: Any) -> QueuedSpan:
        """A span whose class answers through the SDK's own properties (the SDK hands
        processors a plain ``ReadableSpan``), read through its fields: this runs on the app's
        thread at every ``span.end()``. The span context is unpacked as the tuple it is,
        repeated strings are shared inline, and no function is called per attribute."""
        queued = cls.__new__(cls)
        queued._name = _shared(span._name)
        queued._kind = span._kind
        queued._resource = span._resource
        queued._scope = span._instrumentation_scope
        trace_id, span_id, remote, flags, state, _ = span._context
        parent, start, end = span._parent, span._start_time, span._end_time
        bits = REMOTE if remote else 0
        if start is None:
            bits |= NO_START
        if end is None:
            bits |= NO_END
        if parent is None:
            parent_id = parent_flags = 0
            parent_state = None
        else:
            _, parent_id, parent_remote, parent_flags, parent_state, _ = parent
            bits |= HAS_PARENT | (PARENT_REMOTE if parent_remote else 0)
        ids = IDS.pack(trace_id >> 64, trace_id & _MASK64, span_id, parent_id)
        queued._ids = ids + TIMES.pack(start or 0, end or 0, flags, parent_flags, bits)
        raw = span._attributes
        if type(raw) is BoundedAttributes:
            pairs: Mapping[str, Any] = raw._dict  # immutable once the span ended
            dropped_attributes = raw.dropped
        else:
            pairs = raw or _EMPTY
            dropped_attributes = 0
        queued._keys = _shared_keys(tuple(pairs))
        queued._values = _shared_values(pairs.values())
        events, links, status = span._events, span._links, span._status
        dropped_events = dropped_links = 0
        if isinstance(events, BoundedList):
            events, dropped_events = events._dq, events.dropped  # type: ignore[attr-defined]
        if isinstance(links, BoundedList):
            links, dropped_links = links._dq, links.dropped  # type: ignore[attr-defined]
        if (
            status._status_code is _UNSET_CODE
            and not status._description
            and (state is DEFAULT_TRACE_STATE or not state)
            and (parent_state is None or parent_state is DEFAULT_TRACE_STATE or not parent_state)
            and not events
            and not links
            and not (dropped_attributes or dropped_events or dropped_links)
        ):
            queued._extra = None  # what most spans have
        else:
            counts = (dropped_attributes, dropped_events, dropped_links)
            queued._extra = _extra(status, state, parent_state, events, links, counts)
        return queued

    @classmethod
    def _compact(cls, span: ReadableSpan) -> QueuedSpan:
        """Through the public properties: for a span class that overrides one (a redacting
        view, say), reading the fields behind them could bypass what the override does."""
        queued = cls.__new__(cls)
        name, kind, resource, scope = (
            span.name,
            span.kind,
            span.resource,
            span.instrumentation_scope,
        )
        context, parent, start, end = span.context, span.parent, span.start_time, span.end_time
        status, events, links = span.status, span.events, span.links
        raw = span.attributes
        dropped_events, dropped_links = span.dropped_events, span.dropped_links
        queued._name = _shared(name)
        queued._kind = kind
        queued._resource = resource
        queued._scope = scope
        bits = (REMOTE if context.is_remote else 0) | (NO_START if start is None else 0)
        bits |= NO_END if end is None else 0
        parent_id = parent_flags = 0
        if parent is not None:
            bits |= HAS_PARENT | (PARENT_REMOTE if parent.is_remote else 0)
            parent_id, parent_flags = parent.span_id, parent.trace_flags
        trace_id = context.trace_id
        queued._ids = IDS.pack(
            trace_id >> 64, trace_id & _MASK64, context.span_id, parent_id
        ) + TIMES.pack(start or 0, end or 0, context.trace_flags, parent_flags, bits)
        pairs = raw or _EMPTY
        queued._keys = _shared_keys(tuple(pairs))
        queued._values = _shared_values(pairs.values())
        dropped_attributes = span.dropped_attributes
        state = context.trace_state
        parent_state = parent.trace_state if parent is not None else None
        counts = (dropped_attributes, dropped_events, dropped_links)
        queued._extra = _extra(status, state, parent_state, events, links, counts)
        return queued

    # -- the ReadableSpan questions exporters ask ---------------------------------------------

    def _part(self, index: int) -> Any:
        extra = self._extra
        return _NO_EXTRA[index] if extra is None else extra[index]

    @property
    def name(self) -> str:
        return self._name

    @property
    def context(self) -> SpanContext:
        return self._span_context(16, REMOTE, 48, 1)

    def get_span_context(self) -> SpanContext:
        return self.context

    @property
    def parent(self) -> SpanContext | None:
        if not self._ids[50] & HAS_PARENT:
            return None
        return self._span_context(24, PARENT_REMOTE, 49, 2)

    def _span_context(self, id_at: int, remote: int, flags_at: int, state: int) -> SpanContext:
        """The span's own context or its parent's, rebuilt from the packed bytes."""
        ids = self._ids
        trace_hi, trace_lo = TRACE_ID.unpack_from(ids)
        return SpanContext(
            (trace_hi << 64) | trace_lo,
            int.from_bytes(ids[id_at : id_at + 8], "big"),
            is_remote=bool(ids[50] & remote),
            trace_flags=TraceFlags(ids[flags_at]),
            trace_state=self._part(state) or _EMPTY_STATE,
        )

    @property
    def kind(self) -> SpanKind:
        return self._kind

    @property
    def start_time(self) -> int | None:
        start, _, _, _, bits = TIMES.unpack_from(self._ids, 32)
        return None if bits & NO_START else int(start)

    @property
    def end_time(self) -> int | None:
        _, end, _, _, bits = TIMES.unpack_from(self._ids, 32)
        return None if bits & NO_END else int(end)

    @property
    def status(self) -> Status:
        status: Status = self._part(0)
        return status

    @property
    def attributes(self) -> Mapping[str, Any]:
        return MappingProxyType(dict(zip(self._keys, self._values, strict=True)))  # read-only

    @property
    def events(self) -> Sequence[Event]:
        events: Sequence[Event] = self._part(3)
        return events

    @property
    def links(self) -> Sequence[Link]:
        links: Sequence[Link] = self._part(4)
        return links

    @property
    def resource(self) -> Resource:
        return self._resource

    @property
    def instrumentation_scope(self) -> InstrumentationScope | None:
        return self._scope

    @property
    def instrumentation_info(self) -> None:
        return None

    @property
    def dropped_attributes(self) -> int:
        dropped: int = self._part(5)
        return dropped

    @property
    def dropped_events(self) -> int:
        dropped: int = self._part(6)
        return dropped

    @property
    def dropped_links(self) -> int:
        dropped: int = self._part(7)
        return dropped

    def to_readable(self) -> ReadableSpan:
        return ReadableSpan(
            name=self._name,
            context=self.context,
            parent=self.parent,
            resource=self._resource,
            attributes=dict(zip(self._keys, self._values, strict=True)),
            events=self.events,
            links=self.links,
            kind=self._kind,
            status=self.status,
            start_time=self.start_time,
            end_time=self.end_time,
            instrumentation_scope=self._scope,
        )

    def to_json(self, indent: int | None = 4) -> str:
        """What ``ReadableSpan.to_json`` prints (the console backend uses it)."""
        text: str = self.to_readable().to_json(indent)
        return text
