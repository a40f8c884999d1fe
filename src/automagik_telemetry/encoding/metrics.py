"""Metrics to an OTLP ``ExportMetricsServiceRequest``, written directly in the wire format.

Field for field what the stock ``encode_metrics`` produces (``metrics.proto``): gauges carry no
start time, histogram ``sum``/``min``/``max`` are always present, exponential histogram buckets
only when they hold counts, ``bool`` values are integers. A property test parses both encodings
and requires equal messages.

Failures are isolated per data point. The stock encoder fails the whole export when one point
cannot be encoded — and since a cumulative metric keeps its value, ``track_metric("m", 10**100)``
then breaks every metric export for the rest of the process. Here that point is dropped and
counted; every other point and metric goes out.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable
from typing import Any

from opentelemetry.sdk.metrics.export import ExponentialHistogram, Gauge, Histogram, Sum

from .common import Groups, encode_request, note_dropped
from .wire import attributes, fixed64, length_delimited, string_field, varint

__all__ = ["encode_metrics"]

_double = struct.Struct("<d").pack
_sfixed64 = struct.Struct("<q").pack


def encode_metrics(data: Any) -> bytes:
    """``data`` (the SDK's ``MetricsData``) as a serialized ``ExportMetricsServiceRequest``."""
    counts = [0, 0]
    groups: Groups = {}
    for resource_metrics in data.resource_metrics:
        scopes = groups.setdefault(resource_metrics.resource, {})
        for scope_metrics in resource_metrics.scope_metrics:
            encoded = scopes.setdefault(scope_metrics.scope, [])
            for metric in scope_metrics.metrics:
                body = _metric(metric, counts)
                if body is not None:
                    encoded.append(body)
    payload = encode_request(groups, b"\x12")
    note_dropped("metrics", counts[0], counts[1], None)
    return payload


def _metric(metric: Any, counts: list[int]) -> bytes | None:
    try:
        head = (
            string_field(b"\x0a", metric.name)
            + string_field(b"\x12", metric.description)
            + string_field(b"\x1a", metric.unit)
        )
        data: Any = metric.data
        known = next((entry for entry in _POINTS if isinstance(data, entry[0])), None)
        if known is None:  # what the stock encoder does with a type it does not know: no data
            return head
        kind, tag, point = known
        points = _points(data.data_points, point, counts)
        if not points:
            return None if data.data_points else head
        body = [b"\x0a" + length_delimited(p) for p in points]
        if kind is not Gauge and data.aggregation_temporality:
            body.append(b"\x10" + varint(int(data.aggregation_temporality)))
        if kind is Sum and data.is_monotonic:
            body.append(b"\x18\x01")
        return head + tag + length_delimited(b"".join(body))
    except Exception:
        counts[0] += 1
        return None


def _points(
    points: Iterable[Any], encode: Callable[[Any, list[int]], bytes], counts: list[int]
) -> list[bytes]:
    encoded = []
    for point in points:
        try:
            encoded.append(encode(point, counts))
        except Exception:
            counts[0] += 1
    return encoded


def _value(value: Any, double_tag: bytes, int_tag: bytes) -> bytes:
    if isinstance(value, int):
        return int_tag + _sfixed64(value)
    return double_tag + _double(value)


def _number(point: Any, counts: list[int], gauge: bool = False) -> bytes:
    parts = []
    start = None if gauge else point.start_time_unix_nano
    if start:
        parts.append(b"\x11" + fixed64(start))
    if point.time_unix_nano:
        parts.append(b"\x19" + fixed64(point.time_unix_nano))
    value = _value(point.value, b"\x21", b"\x31")
    if value[0] == 0x21:
        parts.append(value)
    exemplars = _exemplars(b"\x2a", point.exemplars)
    parts.append(exemplars)
    if value[0] == 0x31:
        parts.append(value)
    counts[1] += attributes(b"\x3a", point.attributes, parts)
    return b"".join(parts)


def _gauge(point: Any, counts: list[int]) -> bytes:
    return _number(point, counts, gauge=True)


def _times(point: Any) -> list[bytes]:
    parts = []
    if point.start_time_unix_nano:
        parts.append(b"\x11" + fixed64(point.start_time_unix_nano))
    if point.time_unix_nano:
        parts.append(b"\x19" + fixed64(point.time_unix_nano))
    if point.count:
        parts.append(b"\x21" + fixed64(point.count))
    if point.sum is not None:
        parts.append(b"\x29" + _double(point.sum))
    return parts


def _optional_double(tag: bytes, value: Any) -> bytes:
    return b"" if value is None else tag + _double(value)


def _histogram(point: Any, counts: list[int]) -> bytes:
    parts = _times(point)
    if point.bucket_counts:
        parts.append(b"\x32" + length_delimited(b"".join(map(fixed64, point.bucket_counts))))
    if point.explicit_bounds:
        parts.append(b"\x3a" + length_delimited(b"".join(map(_double, point.explicit_bounds))))
    parts.append(_exemplars(b"\x42", point.exemplars))
    counts[1] += attributes(b"\x4a", point.attributes, parts)
    parts.append(_optional_double(b"\x59", point.min))
    parts.append(_optional_double(b"\x61", point.max))
    return b"".join(parts)


def _exponential(point: Any, counts: list[int]) -> bytes:
    parts: list[bytes] = []
    counts[1] += attributes(b"\x0a", point.attributes, parts)
    parts.extend(_times(point))
    if point.scale:
        parts.append(b"\x30" + _sint32(point.scale))
    if point.zero_count:
        parts.append(b"\x39" + fixed64(point.zero_count))
    parts.append(_buckets(b"\x42", point.positive))
    parts.append(_buckets(b"\x4a", point.negative))
    if point.flags:
        parts.append(b"\x50" + varint(point.flags))
    parts.append(_exemplars(b"\x5a", point.exemplars))
    parts.append(_optional_double(b"\x61", point.min))
    parts.append(_optional_double(b"\x69", point.max))
    return b"".join(parts)


def _sint32(value: int) -> bytes:
    if not -(1 << 31) <= value < 1 << 31:
        raise ValueError(f"sint32 out of range: {value}")
    return varint((value << 1) ^ (value >> 31))


def _buckets(tag: bytes, buckets: Any) -> bytes:
    if not buckets.bucket_counts:
        return b""
    body = b"\x08" + _sint32(buckets.offset) if buckets.offset else b""
    body += b"\x12" + length_delimited(b"".join(map(varint, buckets.bucket_counts)))
    return tag + length_delimited(body)


def _exemplars(tag: bytes, exemplars: Iterable[Any]) -> bytes:
    out = []
    for exemplar in exemplars:
        value = exemplar.value
        as_double = as_int = b""
        if isinstance(value, float):
            as_double = b"\x19" + _double(value)
        elif isinstance(value, int):
            as_int = b"\x31" + _sfixed64(value)
        else:
            raise ValueError("Exemplar value must be an int or float")
        parts = [as_double]
        if exemplar.time_unix_nano:
            parts.insert(0, b"\x11" + fixed64(exemplar.time_unix_nano))
        if exemplar.span_id is not None and exemplar.trace_id is not None:
            parts.append(b"\x22\x08" + exemplar.span_id.to_bytes(8, "big"))
            parts.append(b"\x2a\x10" + exemplar.trace_id.to_bytes(16, "big"))
        parts.append(as_int)
        attributes(b"\x3a", exemplar.filtered_attributes, parts)
        out.append(tag + length_delimited(b"".join(parts)))
    return b"".join(out)


_POINTS: list[tuple[type, bytes, Callable[[Any, list[int]], bytes]]] = [
    (Gauge, b"\x2a", _gauge),
    (Histogram, b"\x4a", _histogram),
    (Sum, b"\x3a", _number),
    (ExponentialHistogram, b"\x52", _exponential),
]
