"""What every signal's request shares: resource and scope envelopes, grouping, failure counts.

An OTLP request nests items under their resource and instrumentation scope. The stock encoders
group with dictionaries keyed by the SDK's ``Resource`` and ``InstrumentationScope`` (equal
objects share a group) and re-encode both for every batch. Here the grouping is the same — so
the messages are the same — with an identity fast path (consecutive items nearly always share
both objects; ``Resource.__hash__`` serializes the whole resource to JSON), and the encoded
envelopes are memoized across batches.

Failures are isolated: an item that cannot be encoded is dropped and counted, never its batch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..diagnostics import internal_log
from .wire import attributes, length_delimited, string_field

__all__ = ["EncodingCounts", "counts", "encode_items", "encode_request", "note_dropped"]

_ENVELOPES = 256


class EncodingCounts:
    """What the encoders had to leave out since start-up (read by status and tests)."""

    __slots__ = ("_lock", "attributes", "items")

    def __init__(self) -> None:
        self.items = 0
        """Items (spans, log records, metric points) dropped because they could not be encoded."""
        self.attributes = 0
        """Attributes (or a log body) left out of an item that was otherwise sent."""
        self._lock = threading.Lock()

    def add(self, items: int = 0, attributes: int = 0) -> None:
        with self._lock:
            self.items += items
            self.attributes += attributes


counts = EncodingCounts()


def note_dropped(signal: str, items: int, attributes: int, error: BaseException | None) -> None:
    """Count what was left out and say so (rate-limited) — data loss is never silent."""
    if not items and not attributes:
        return
    counts.add(items, attributes)
    internal_log.warning(
        f"encoding.{signal}.dropped",
        "%s: %d item(s) and %d attribute(s) could not be encoded and were left out (%s)",
        signal,
        items,
        attributes,
        f"{type(error).__name__}: {error}" if error is not None else "unsupported values",
    )


_resources: dict[int, tuple[Any, bytes]] = {}
_scopes: dict[int, tuple[Any, bytes]] = {}


def _memo(memo: dict[int, tuple[Any, bytes]], obj: Any, encode: Callable[[Any], bytes]) -> bytes:
    """Memoized by identity; the entry keeps the object alive so its id cannot be reused.
    SDK resources and scopes are immutable and live as long as their provider."""
    entry = memo.get(id(obj))
    if entry is not None and entry[0] is obj:
        return entry[1]
    encoded = encode(obj)
    if len(memo) >= _ENVELOPES:
        memo.clear()
    memo[id(obj)] = (obj, encoded)
    return encoded


def _resource_body(resource: Any) -> bytes:
    parts: list[bytes] = []
    attributes(b"\x0a", resource.attributes, parts)
    return b"".join(parts)


def _scope_body(scope: Any) -> bytes:
    if scope is None:
        return b""
    parts = [string_field(b"\x0a", scope.name), string_field(b"\x12", scope.version)]
    attributes(b"\x1a", scope.attributes, parts)
    return b"".join(parts)


Groups = dict[Any, dict[Any, list[bytes]]]


def group(items: Iterable[tuple[Any, Any, bytes]]) -> Groups:
    """``(resource, scope, encoded item)`` grouped as the stock encoders group them."""
    groups: Groups = {}
    last_resource: Any = object()
    last_scope: Any = object()
    scopes: dict[Any, list[bytes]] = {}
    current: list[bytes] = []
    for resource, scope, encoded in items:
        if resource is not last_resource:
            scopes = groups.setdefault(resource, {})
            last_resource, last_scope = resource, object()
        if scope is not last_scope:
            current = scopes.setdefault(scope, [])
            last_scope = scope
        current.append(encoded)
    return groups


def encode_request(groups: Groups, item_tag: bytes) -> bytes:
    """The export request: ``Resource*{1: resource, 2: Scope*{1: scope, 2: items, 3: schema},
    3: schema}`` — the same layout for spans, log records and metrics."""
    out: list[bytes] = []
    for resource, scopes in groups.items():
        body = [b"\x0a", length_delimited(_memo(_resources, resource, _resource_body))]
        for scope, items in scopes.items():
            scoped = [b"\x0a", length_delimited(_memo(_scopes, scope, _scope_body))]
            for encoded in items:
                scoped.append(item_tag)
                scoped.append(length_delimited(encoded))
            if scope is not None:
                scoped.append(string_field(b"\x1a", scope.schema_url))
            body.append(b"\x12")
            body.append(length_delimited(b"".join(scoped)))
        body.append(string_field(b"\x1a", resource.schema_url))
        out.append(b"\x0a")
        out.append(length_delimited(b"".join(body)))
    return b"".join(out)


Body = Callable[[Any, list[bytes]], int]
"""Appends the fields of one item's message to the list; returns how many attributes (or a
log body) it had to leave out."""


def encode_items(
    signal: str, items: Iterable[Any], body: Body, fallback: Callable[[Any], bytes | None]
) -> bytes:
    """Spans or log records (anything with ``resource`` and ``instrumentation_scope``) as an
    export request, each item encoded on its own: one that ``body`` cannot encode is tried
    with ``fallback`` (the stock encoder), then dropped and counted."""
    counts = [0, 0]

    def encoded() -> Iterator[tuple[Any, Any, bytes]]:
        for item in items:
            try:
                resource, scope = item.resource, item.instrumentation_scope or None
            except Exception:
                counts[0] += 1
                continue
            try:
                parts: list[bytes] = []
                counts[1] += body(item, parts)
            except Exception:
                stock = fallback(item)
                if stock is None:
                    counts[0] += 1
                    continue
                parts = [stock]
            yield resource, scope, b"".join(parts)

    payload = encode_request(group(encoded()), b"\x12")
    note_dropped(signal, counts[0], counts[1], None)
    return payload
