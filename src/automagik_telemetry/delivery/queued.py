"""``QueuedSpan``: a finished span as it waits for export, in a fraction of the memory.

A finished SDK span keeps everything it needed while it was live: a lock, ``BoundedAttributes``
with a lock of its own, two ``BoundedList``s each with a lock and a deque — about 3 KB. Waiting
for export it needs none of that. ``QueuedSpan`` keeps the values (the attribute dict itself is
taken over, not copied) in ``__slots__``, under 1 KB for a typical span, and answers the same
read-only questions as ``ReadableSpan`` so every exporter and encoder accepts it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from opentelemetry.attributes import BoundedAttributes
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import Link, SpanContext, SpanKind, Status, StatusCode

__all__ = ["QueuedSpan"]

_EMPTY: Mapping[str, Any] = MappingProxyType({})
_UNSET = Status(StatusCode.UNSET)


class QueuedSpan:
    __slots__ = (
        "_attributes",
        "_context",
        "_dropped_attributes",
        "_dropped_events",
        "_dropped_links",
        "_end_time",
        "_events",
        "_kind",
        "_links",
        "_name",
        "_parent",
        "_resource",
        "_scope",
        "_start_time",
        "_status",
    )

    _attributes: Mapping[str, Any]
    _context: SpanContext | None
    _dropped_attributes: int
    _dropped_events: int
    _dropped_links: int
    _end_time: int | None
    _events: tuple[Event, ...]
    _kind: SpanKind
    _links: tuple[Link, ...]
    _name: str
    _parent: SpanContext | None
    _resource: Resource
    _scope: InstrumentationScope | None
    _start_time: int | None
    _status: Status

    @classmethod
    def of(cls, span: ReadableSpan) -> QueuedSpan:
        """Compact ``span``: a handful of attribute reads, no copy of the attribute values."""
        queued = cls.__new__(cls)
        queued._name = span.name
        queued._context = span.context
        queued._parent = span.parent
        queued._kind = span.kind
        queued._start_time = span.start_time
        queued._end_time = span.end_time
        status = span.status
        # Most spans end UNSET: share one Status instead of keeping one per span.
        queued._status = _UNSET if status.is_unset and not status.description else status
        queued._resource = span.resource
        queued._scope = span.instrumentation_scope
        raw = getattr(span, "_attributes", None)
        if isinstance(raw, BoundedAttributes) and hasattr(raw, "_dict"):
            queued._attributes = raw._dict or _EMPTY  # immutable once the span ended
            queued._dropped_attributes = raw.dropped
        else:
            queued._attributes = dict(span.attributes or _EMPTY) or _EMPTY
            queued._dropped_attributes = span.dropped_attributes
        queued._events = tuple(span.events)
        queued._dropped_events = span.dropped_events
        queued._links = tuple(span.links)
        queued._dropped_links = span.dropped_links
        return queued

    # -- the ReadableSpan questions exporters ask ---------------------------------------------

    @property
    def name(self) -> str:
        return self._name

    @property
    def context(self) -> SpanContext | None:
        return self._context

    def get_span_context(self) -> SpanContext | None:
        return self._context

    @property
    def parent(self) -> SpanContext | None:
        return self._parent

    @property
    def kind(self) -> SpanKind:
        return self._kind

    @property
    def start_time(self) -> int | None:
        return self._start_time

    @property
    def end_time(self) -> int | None:
        return self._end_time

    @property
    def status(self) -> Status:
        return self._status

    @property
    def attributes(self) -> Mapping[str, Any]:
        return MappingProxyType(self._attributes)  # read-only, like ReadableSpan

    @property
    def events(self) -> Sequence[Event]:
        return self._events

    @property
    def links(self) -> Sequence[Link]:
        return self._links

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
        return self._dropped_attributes

    @property
    def dropped_events(self) -> int:
        return self._dropped_events

    @property
    def dropped_links(self) -> int:
        return self._dropped_links

    def to_readable(self) -> ReadableSpan:
        return ReadableSpan(
            name=self._name,
            context=self._context,
            parent=self._parent,
            resource=self._resource,
            attributes=self._attributes,
            events=self._events,
            links=self._links,
            kind=self._kind,
            status=self._status,
            start_time=self._start_time,
            end_time=self._end_time,
            instrumentation_scope=self._scope,
        )

    def to_json(self, indent: int | None = 4) -> str:
        """What ``ReadableSpan.to_json`` prints (the console backend uses it)."""
        text: str = self.to_readable().to_json(indent)
        return text
