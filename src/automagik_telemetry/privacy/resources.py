"""Resources are scrubbed once per distinct ``Resource`` object, not once per item.

A provider shares one ``Resource`` between all its spans, records and metrics, so the cache is
keyed by identity (``Resource.__hash__`` serialises every attribute to JSON: too slow for a
per-span lookup) and holds a reference to the original, so an id is never reused while cached.
"""

from __future__ import annotations

from opentelemetry.sdk.resources import Resource

from .counts import REDACTED_ATTRIBUTE, encode_counts
from .redactor import Redactor
from .scanner import Counts

__all__ = ["ResourceCache"]


class ResourceCache:
    """``resource -> scrubbed resource`` (the same object when nothing had to change)."""

    def __init__(self, redactor: Redactor, size: int = 64) -> None:
        self._redactor = redactor
        self._size = size
        self._cache: dict[int, tuple[Resource, Resource]] = {}
        self.last: tuple[Resource | None, Resource | None] = (None, None)
        """The most recent ``(resource, scrubbed)``: callers on hot paths check it first."""

    def get(self, resource: Resource) -> Resource:
        entry = self._cache.get(id(resource))
        if entry is not None and entry[0] is resource:
            self.last = entry
            return entry[1]
        counts: Counts = {}
        attributes = self._redactor.redact_attributes(resource.attributes, counts)
        scrubbed = resource
        if attributes is not None:
            attributes[REDACTED_ATTRIBUTE] = encode_counts(counts)
            scrubbed = Resource(attributes, resource.schema_url)
        if len(self._cache) >= self._size:
            self._cache.clear()
        self._cache[id(resource)] = self.last = (resource, scrubbed)
        return scrubbed
