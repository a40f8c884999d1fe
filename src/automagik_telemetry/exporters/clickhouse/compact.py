"""``otel_traces`` columns straight from the live pipeline's compact spans (``QueuedSpan``).

The pipeline keeps each finished span as a ``QueuedSpan`` while it waits (delivery/queued.py):
ids and times packed in one ``bytes``, attribute values in a tuple beside a tuple of keys
shared by every span with the same keys. Read through its ``ReadableSpan`` questions, each
span would rebuild two ``SpanContext`` objects and an attribute dict only for ``spans.py`` to
take them apart again (15 µs per span, the largest share of the export thread's work under
the app's GIL). Here the columns are filled one column at a time over the whole batch, with
C-level operations: the ids are hex slices of the packed bytes, the times come out of two
``struct`` unpacks, each distinct resource and scope is looked up once, and the attribute keys
and values are flattened without a dict.

Only the common span takes this path: one with no events, links, status, trace state or
dropped counts (``_extra is None``). Any other span goes through ``add_sdk_spans`` in the same
block, so the rows are those the SDK's own span would give (a test compares them).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from itertools import accumulate, chain
from typing import Any

from ...delivery.queued import QueuedSpan
from .native import NativeBlock
from .spans import ResourceCache, SpanColumns, add_sdk_spans
from .values import SPAN_KINDS, as_string

__all__ = ["add_queued_spans", "spans_block", "spans_columns"]

_NO_TRACE = "0" * 32  # the invalid all-zero ids are stored as '' (as the collector does)
_NO_SPAN = "0" * 16


def spans_block(spans: Sequence[Any]) -> NativeBlock:
    """Spans as one Native block for the traces table."""
    return spans_columns(spans).block()


def spans_columns(spans: Sequence[Any]) -> SpanColumns:
    """The columns of ``spans`` (``QueuedSpan``, SDK spans or anything answering the same
    questions): common compact spans column-wise first, then the others row by row."""
    columns = SpanColumns()
    fast = [span for span in spans if type(span) is QueuedSpan and span._extra is None]
    if len(fast) == len(spans):
        add_queued_spans(columns, fast)
        return columns
    add_queued_spans(columns, fast)
    add_sdk_spans(columns, [span for span in spans if type(span) is not QueuedSpan or span._extra])
    return columns


def add_queued_spans(c: SpanColumns, spans: Sequence[QueuedSpan]) -> None:
    """Append compact spans without events, links, status or trace state (``_extra is None``)."""
    count = len(spans)
    if not count:
        return
    ids = [span._ids for span in spans]
    # Layout of ``_ids``: trace id 0-16, span id 16-24, parent span id 24-32 (zeros without a
    # parent, stored as ''), start 32-40 and end 40-48 (little-endian; zero when unset).
    starts = struct.unpack(f"<{count}Q", b"".join([each[32:40] for each in ids]))
    ends = struct.unpack(f"<{count}Q", b"".join([each[40:48] for each in ids]))
    c.timestamp += starts
    c.duration += [
        end - start if end > start else 0 for start, end in zip(starts, ends, strict=True)
    ]
    c.trace_id += [t if (t := each[:16].hex()) != _NO_TRACE else "" for each in ids]
    c.span_id += [s if (s := each[16:24].hex()) != _NO_SPAN else "" for each in ids]
    c.parent_span_id += [p if (p := each[24:32].hex()) != _NO_SPAN else "" for each in ids]
    c.trace_state += [""] * count
    c.span_name += [span._name for span in spans]
    c.span_kind += _kind_names([span._kind for span in spans])
    c.status_code += ["Unset"] * count
    c.status_message += [""] * count
    _add_resources(c, [span._resource for span in spans])
    _add_scopes(c, [span._scope for span in spans])
    keys = [span._keys for span in spans]
    total = c.attribute_offsets[-1] if c.attribute_offsets else 0
    c.attribute_offsets += list(accumulate(map(len, keys), initial=total))[1:]
    c.attribute_keys += chain.from_iterable(keys)
    c.attribute_values += [
        value if type(value) is str else as_string(value)
        for value in chain.from_iterable([span._values for span in spans])
    ]
    c.event_offsets += [len(c.event_name)] * count
    c.link_offsets += [len(c.link_trace_id)] * count


def _kind_names(kinds: list[Any]) -> list[str]:
    """The collector's name of each kind, looked up once per distinct kind (by identity: an
    Enum hashes in Python, and there are five)."""
    distinct = {id(kind): kind for kind in kinds}
    names = {key: SPAN_KINDS[kind.value] for key, kind in distinct.items()}
    return [names[key] for key in map(id, kinds)]


def _add_resources(c: SpanColumns, resources: list[Any]) -> None:
    """The resource columns: each distinct resource encoded once (usually there is one)."""
    cache = ResourceCache()
    distinct = {id(resource): resource for resource in resources}
    found = {key: cache.get(each, each.attributes) for key, each in distinct.items()}
    entries = [found[key] for key in map(id, resources)]
    total = c.resource_offsets[-1] if c.resource_offsets else 0
    c.resource_offsets += list(accumulate([entry[0] for entry in entries], initial=total))[1:]
    c.resource_keys += [entry[1] for entry in entries]
    c.resource_values += [entry[2] for entry in entries]
    c.service_name += [entry[3] for entry in entries]


def _add_scopes(c: SpanColumns, scopes: list[Any]) -> None:
    distinct = {id(scope): scope for scope in scopes}
    found = {
        key: (scope.name, scope.version or "") if scope is not None else ("", "")
        for key, scope in distinct.items()
    }
    pairs = [found[key] for key in map(id, scopes)]
    c.scope_name += [pair[0] for pair in pairs]
    c.scope_version += [pair[1] for pair in pairs]
