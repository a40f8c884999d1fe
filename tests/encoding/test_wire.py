"""Edge cases of the wire encoding: what is left out, what is memoized, and within bounds."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanContext

from automagik_telemetry.encoding import common, counts, encode, wire
from automagik_telemetry.encoding.stock import stock_encode


def _span(attributes: Any, resource: Resource | None = None, name: Any = "s") -> ReadableSpan:
    return ReadableSpan(
        name=name,
        context=SpanContext(1, 2, False),
        resource=resource or Resource({"service.name": "s"}),
        attributes=attributes,
    )


def _attributes(payload: bytes) -> dict[str, Any]:
    span = ExportTraceServiceRequest.FromString(payload).resource_spans[0].scope_spans[0].spans[0]
    return {kv.key: kv.value for kv in span.attributes}


def test_nested_mappings_and_empty_values_are_written_as_the_stock_encoder_writes_them() -> None:
    span = _span({"map": {"a": [1, "x", None], 2: {"b": b"\x00"}}, "none": None, "": ""})
    assert encode("traces", [span]) == stock_encode("traces", [span])


def test_a_string_that_is_not_utf8_is_left_out_and_counted() -> None:
    before = counts.attributes
    payload = encode("traces", [_span({"bad": "\ud800", "good": "ok"})])
    assert list(_attributes(payload)) == ["good"]
    assert counts.attributes == before + 1


def test_a_span_name_that_is_not_a_string_drops_only_that_span() -> None:
    before = counts.items
    payload = encode("traces", [_span({}, name=42), _span({})])
    spans = ExportTraceServiceRequest.FromString(payload).resource_spans[0].scope_spans[0].spans
    assert len(spans) == 1
    assert counts.items == before + 1


def test_the_attribute_cache_is_bounded_and_long_values_are_not_kept() -> None:
    wire._cache.clear()
    for index in range(wire._CACHE_ENTRIES + 10):
        encode("traces", [_span({"url.full": f"/items/{index}"})])
    assert len(wire._cache) <= wire._CACHE_ENTRIES
    wire._cache.clear()
    long = "x" * (wire._CACHE_VALUE_CHARS + 1)
    encode("traces", [_span({"long": long, "n": 7})])
    assert ("n", 7) in wire._cache
    assert ("long", long) not in wire._cache


def test_new_values_under_a_known_key_are_written_as_the_stock_encoder_writes_them() -> None:
    """A key seen before takes the inline path for a string not seen before (a URL): the same
    bytes as the stock encoder, at every length, and a value that is not UTF-8 still only
    loses itself."""
    known = _span({"url.full": "/seen"})
    encode("traces", [known])
    assert "url.full" in wire._key_fields
    for value in ("", "/new", "é" * 70, "x" * 300, "y" * 1000, "z" * (wire._FAST_CHARS + 1)):
        span = _span({"url.full": value, "n": 1})
        assert encode("traces", [span]) == stock_encode("traces", [span])
    assert ("url.full", "x" * 300) not in wire._cache  # long values are still not kept
    before = counts.attributes
    payload = encode("traces", [_span({"url.full": "\ud800", "good": "ok"})])
    assert list(_attributes(payload)) == ["good"]
    assert counts.attributes == before + 1


def test_the_table_of_encoded_keys_is_bounded() -> None:
    for index in range(wire._CACHE_ENTRIES + 10):
        encode("traces", [_span({f"key {index}": index})])
    assert 0 < len(wire._key_fields) <= wire._CACHE_ENTRIES
    payload = encode("traces", [_span({"key 3": "after the table was cleared"})])
    assert _attributes(payload)["key 3"].string_value == "after the table was cleared"


def test_memoized_resources_are_bounded_and_never_confused() -> None:
    resources = [Resource({"service.name": f"svc{i}"}) for i in range(common._ENVELOPES + 5)]
    for resource in resources:
        payload = encode("traces", [_span({}, resource)])
        request = ExportTraceServiceRequest.FromString(payload)
        assert (
            request.resource_spans[0].resource.attributes[0].value.string_value
            == (resource.attributes["service.name"])
        )
    assert len(common._resources) <= common._ENVELOPES


def test_integers_beyond_int64_are_refused() -> None:
    with pytest.raises(wire.EncodingError):
        wire.int64(1 << 63)
    assert wire.int64(-1) == b"\xff" * 9 + b"\x01"


def test_the_table_of_encoded_span_names_is_bounded() -> None:
    from automagik_telemetry.delivery.queued import QueuedSpan
    from automagik_telemetry.encoding import spans

    for index in range(spans._NAMES + 10):
        queued = QueuedSpan.of(_span({}, name=f"GET /items/{index}"))
        request = ExportTraceServiceRequest.FromString(encode("traces", [queued]))
        assert request.resource_spans[0].scope_spans[0].spans[0].name == f"GET /items/{index}"
    assert len(spans._names) <= spans._NAMES
