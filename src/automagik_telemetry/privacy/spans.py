"""``PrivacySpanProcessor``: every ended span is scrubbed before any exporter sees it.

SDK spans are read-only once ended, so a span that needs scrubbing is handed on as a copy;
one that does not (most of them) is handed on as is — no copy, no allocation. Redaction runs
once, in front of the whole fan-out of backends, and never raises into the app: a span that
cannot be scrubbed is dropped, never sent as it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from opentelemetry.attributes import BoundedAttributes
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan, Span, SpanProcessor
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.util import BoundedList
from opentelemetry.trace import Link, Status

from ..diagnostics import internal_log
from .counts import REDACTED_ATTRIBUTE, encode_counts
from .keys import GENAI_MESSAGE_EVENTS
from .redactor import CLEAN, NUMBERS, PLAIN, Redactor
from .resources import ResourceCache
from .scanner import Counts

__all__ = ["PrivacySpanProcessor", "redact_span"]

_EMPTY: Mapping[str, Any] = MappingProxyType({})

_LAYOUT = frozenset(
    {
        "_name", "_context", "_kind", "_instrumentation_info", "_instrumentation_scope",
        "_parent", "_start_time", "_end_time", "_attributes", "_events", "_links",
        "_resource", "_status",
    }
)  # fmt: skip


def _sdk_layout_is_known() -> bool:
    """Whether the SDK's spans are built as this module expects (checked once, at import).

    The fast paths read and copy a ``ReadableSpan``'s fields directly. If an SDK release
    renames or adds a field, copying the fields could carry an unscrubbed one along, so
    every span then takes the public API instead: slower, never wrong.
    """
    span = ReadableSpan("probe", attributes=BoundedAttributes(attributes={"k": "v"}))
    return (
        set(span.__dict__) == _LAYOUT
        and type(getattr(span._attributes, "_dict", None)) is dict
        and hasattr(BoundedList(1), "_dq")
    )


_FAST = _sdk_layout_is_known()


class _ScrubbedSpan(ReadableSpan):
    """A scrubbed copy that still reports the original's dropped counts."""

    _dropped: tuple[int, int | None, int | None]
    """Attributes dropped by the SDK's limits; events and links too when they were
    replaced (``None``: still the SDK's bounded list, which knows its own count)."""

    @property
    def dropped_attributes(self) -> int:
        return self._dropped[0]

    @property
    def dropped_events(self) -> int:
        dropped = self._dropped[1]
        return super().dropped_events if dropped is None else dropped

    @property
    def dropped_links(self) -> int:
        dropped = self._dropped[2]
        return super().dropped_links if dropped is None else dropped


def _copy(
    span: ReadableSpan,
    name: str,
    attributes: Mapping[str, Any],
    resource: Resource,
    status: Status,
    events: list[Event] | None,
    links: list[Link] | None,
    dropped_attributes: int,
) -> ReadableSpan:
    """A ``_ScrubbedSpan`` like ``span`` with the scrubbed parts (``None``: unchanged).

    The SDK hands processors a plain ``ReadableSpan``; copying its ``__dict__`` costs a
    quarter of calling the constructor, and this runs on the app's thread for every span
    that needs scrubbing. Anything else (a subclass) goes through the constructor.
    """
    copy = _ScrubbedSpan.__new__(_ScrubbedSpan)
    if _FAST and type(span) is ReadableSpan:
        state = span.__dict__.copy()
        state["_name"] = name
        state["_attributes"] = attributes
        state["_resource"] = resource
        state["_status"] = status
        if events is not None:
            state["_events"] = events
        if links is not None:
            state["_links"] = links
        state["_dropped"] = (
            dropped_attributes,
            None if events is None else span.dropped_events,
            None if links is None else span.dropped_links,
        )
        copy.__dict__ = state
        return copy
    ReadableSpan.__init__(
        copy,
        name,
        span.context,
        span.parent,
        resource,
        attributes,
        span.events if events is None else events,
        span.links if links is None else links,
        span.kind,
        None,
        status,
        span.start_time,
        span.end_time,
        span.instrumentation_scope,
    )
    copy._dropped = (span.dropped_attributes, span.dropped_events, span.dropped_links)
    return copy


def _frozen(attributes: Mapping[str, Any], dropped: int) -> BoundedAttributes:
    bounded = BoundedAttributes(attributes=attributes, immutable=True)
    bounded.dropped = dropped
    return bounded


def _mapping(attributes: Any) -> Mapping[str, Any]:
    """The plain dict inside the SDK's ``BoundedAttributes`` (iterating the wrapper costs a
    Python call per item, on the app's thread), or ``attributes`` itself."""
    inner = getattr(attributes, "_dict", None)
    if type(inner) is dict:
        return inner
    return attributes if attributes is not None else _EMPTY


def redact_span(span: ReadableSpan, redactor: Redactor, resources: ResourceCache) -> ReadableSpan:
    """``span`` scrubbed: the same object if nothing had to change, else a copy.

    Runs on the app's thread at every ``span.end()``, so it is written for speed: a clean
    span costs a couple of dict lookups per attribute and allocates nothing but ``counts``.
    """
    if _FAST and type(span) is ReadableSpan:  # what the SDK hands processors: read directly
        state = span.__dict__
        name, bounded, resource = state["_name"], state["_attributes"], state["_resource"]
        events, links, status = state["_events"], state["_links"], state["_status"]
    else:
        name, bounded, resource = span.name, span.attributes, span.resource
        events, links, status = span.events, span.links, span.status
    counts: Counts = {}
    new_name = name if redactor.lookup(name) is CLEAN else redactor.scrub_text(name, counts)
    raw = bounded._dict if type(bounded) is BoundedAttributes else _mapping(bounded)
    scrubbed = redactor.redact_attributes(raw, counts)
    events = getattr(events, "_dq", events)  # the deque inside the SDK's BoundedList
    new_events = _events(events, redactor, counts) if events else None
    links = getattr(links, "_dq", links)
    new_links = _links(links, redactor, counts) if links else None
    if status.description:
        description = redactor.scrub_text(status.description, counts)
        if description is not status.description:
            status = Status(status.status_code, description)
    last_resource, last_scrubbed = resources.last
    if last_resource is resource and last_scrubbed is not None:
        new_resource = last_scrubbed
    else:
        new_resource = resources.get(resource)
    attributes: Mapping[str, Any] = raw
    if counts:
        if scrubbed is None:
            scrubbed = dict(raw)
        scrubbed[REDACTED_ATTRIBUTE] = encode_counts(counts)
        attributes = scrubbed
    elif new_resource is resource:
        return span
    dropped = getattr(bounded, "dropped", 0)
    return _copy(span, new_name, attributes, new_resource, status, new_events, new_links, dropped)


def _fast_path(span: ReadableSpan, redactor: Redactor, resources: ResourceCache) -> Any:
    """``redact_span`` for the common case, written out for speed: an SDK span whose name
    has been seen before, with plain keys, string or number values (those not seen before
    are scanned here) and no events, links or status message.
    Returns the span, a scrubbed copy, or ``None`` when anything is unusual (then the
    general path runs). Half the cost of the general path, on the app's thread."""
    if not _FAST or type(span) is not ReadableSpan:
        return None
    state: dict[str, Any] = span.__dict__
    bounded: Any = state["_attributes"]
    events: Any = state["_events"]
    links: Any = state["_links"]
    if (
        type(bounded) is not BoundedAttributes
        or type(events) is not BoundedList
        or type(links) is not BoundedList
        or events._dq  # type: ignore[attr-defined]  # the deque inside BoundedList
        or links._dq  # type: ignore[attr-defined]
        or state["_status"].description
    ):
        return None
    lookup = redactor.lookup
    if lookup(state["_name"]) is not CLEAN:
        return None
    scan = redactor.scan_new
    resource, scrubbed_resource = resources.last
    if resource is not state["_resource"]:
        return None
    key_kind = redactor.key_kind
    changed: dict[str, Any] | None = None
    single: tuple[str, tuple[tuple[str, int], ...], str] | None = None
    counts: Counts | None = None  # only needed when two values had findings
    raw: dict[str, Any] = bounded._dict
    for key, value in raw.items():
        if key_kind(key) is not PLAIN:
            return None
        kind = type(value)
        if kind is str:
            hit = lookup(value)
            if hit is None:  # a value not seen yet (a unique URL): scanned here, not again
                hit = scan(value)
            if hit is CLEAN:
                continue
            if changed is None:
                changed = dict(raw)
                single = hit
            else:
                if counts is None:
                    counts = dict(single[1])  # type: ignore[index]
                for found_kind, found in hit[1]:
                    counts[found_kind] = counts.get(found_kind, 0) + found
            changed[key] = hit[0]
        elif kind not in NUMBERS:
            return None
    if changed is None:
        if scrubbed_resource is resource:
            return span
        changed = raw  # only the resource changes
    else:
        # One value with findings (the usual case): its counts are cached as JSON already.
        changed[REDACTED_ATTRIBUTE] = encode_counts(counts) if counts else single[2]  # type: ignore[index]
    copy = _ScrubbedSpan.__new__(_ScrubbedSpan)
    copied = state.copy()
    copied["_attributes"] = changed
    copied["_resource"] = scrubbed_resource
    copied["_dropped"] = (bounded.dropped, None, None)
    copy.__dict__ = copied
    return copy


def _events(events: Sequence[Event], redactor: Redactor, counts: Counts) -> list[Event] | None:
    scrubbed: list[Event] | None = None
    for index, event in enumerate(events):
        name = redactor.scrub_text(event.name, counts)
        attributes = redactor.redact_attributes(
            _mapping(event.attributes), counts, genai_message=event.name in GENAI_MESSAGE_EVENTS
        )
        if attributes is None and name is event.name:
            continue
        if scrubbed is None:
            scrubbed = list(events)
        if attributes is not None:
            frozen = _frozen(attributes, event.dropped_attributes)
        else:
            frozen = event.attributes  # type: ignore[assignment]
        scrubbed[index] = Event(name, frozen, event.timestamp)
    return scrubbed


def _links(links: Sequence[Link], redactor: Redactor, counts: Counts) -> list[Link] | None:
    scrubbed: list[Link] | None = None
    for index, link in enumerate(links):
        attributes = redactor.redact_attributes(_mapping(link.attributes), counts)
        if attributes is None:
            continue
        if scrubbed is None:
            scrubbed = list(links)
        scrubbed[index] = Link(link.context, _frozen(attributes, link.dropped_attributes))
    return scrubbed


_NOOP_HOOKS = frozenset(
    {
        SpanProcessor.on_start,
        SpanProcessor._on_ending,
        BatchSpanProcessor.on_start,
        BatchSpanProcessor._on_ending,
        SimpleSpanProcessor.on_start,
        SimpleSpanProcessor._on_ending,
    }
)


def _noop(*args: Any, **kwargs: Any) -> None:
    """Stands in for a next processor's hook that does nothing."""


class PrivacySpanProcessor(SpanProcessor):
    """Scrubs each ended span, then hands it to ``next_processor`` (for example a
    ``BatchSpanProcessor``, or a fan-out of several). Add it to any ``TracerProvider``::

        provider.add_span_processor(PrivacySpanProcessor(BatchSpanProcessor(exporter)))
    """

    def __init__(self, next_processor: SpanProcessor, redactor: Redactor | None = None) -> None:
        self.next_processor = next_processor
        self.redactor = redactor if redactor is not None else Redactor()
        self._resources = ResourceCache(self.redactor)
        # The SDK calls on_start and _on_ending for every span; when the next processor's
        # are the SDK's do-nothing ones, skip the delegation.
        for hook in ("on_start", "_on_ending"):
            if getattr(type(next_processor), hook, None) in _NOOP_HOOKS:
                setattr(self, hook, _noop)

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        try:
            self.next_processor.on_start(span, parent_context=parent_context)
        except Exception:
            internal_log.error("privacy.span_start", "span processor failed", exc_info=True)

    def _on_ending(self, span: Span) -> None:
        try:
            self.next_processor._on_ending(span)
        except Exception:
            internal_log.error("privacy.span_ending", "span processor failed", exc_info=True)

    def on_end(self, span: ReadableSpan) -> None:
        try:
            scrubbed = _fast_path(span, self.redactor, self._resources)
            if scrubbed is None:
                scrubbed = redact_span(span, self.redactor, self._resources)
        except Exception:
            internal_log.error(
                "privacy.span", "could not scrub a span; it was dropped", exc_info=True
            )
            return
        try:
            self.next_processor.on_end(scrubbed)
        except Exception:
            internal_log.error("privacy.span_end", "span processor failed", exc_info=True)

    def shutdown(self) -> None:
        try:
            self.next_processor.shutdown()
        except Exception:
            internal_log.error("privacy.span_shutdown", "span processor failed", exc_info=True)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        try:
            return self.next_processor.force_flush(timeout_millis)
        except Exception:
            internal_log.error("privacy.span_flush", "span processor failed", exc_info=True)
            return False
