"""Hypothesis strategies for SDK items of every shape the OTLP encoders must handle."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from opentelemetry.attributes import BoundedAttributes
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext, TraceFlags
from opentelemetry.trace.span import TraceState

INT64 = st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1)
UINT32 = st.integers(min_value=0, max_value=(1 << 32) - 1)
TIMES = st.one_of(st.none(), st.integers(min_value=0, max_value=(1 << 64) - 1))
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
FLOATS = st.floats(allow_nan=False)
SCALARS = st.one_of(TEXT, st.booleans(), INT64, FLOATS, st.binary(max_size=8))
ARRAYS = st.one_of(
    st.lists(TEXT, max_size=3),
    st.lists(st.booleans(), max_size=3),
    st.lists(INT64, max_size=3),
    st.lists(FLOATS, max_size=3),
).map(tuple)
ATTRIBUTE_VALUES = st.one_of(SCALARS, ARRAYS)
# Log bodies and extended attributes: anything the stock ``_encode_value`` accepts, nested.
ANY_VALUES = st.recursive(
    st.one_of(st.none(), SCALARS),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=8,
)
KEYS = st.sampled_from(["http.route", "a", "b", "", "url.full", "ключ"]) | TEXT


def attributes(values: st.SearchStrategy[Any] = ATTRIBUTE_VALUES) -> st.SearchStrategy[Any]:
    @st.composite
    def build(draw: st.DrawFn) -> Any:
        pairs = draw(st.dictionaries(KEYS, values, max_size=5))
        kind = draw(st.sampled_from(["none", "dict", "bounded"]))
        if kind == "none":
            return None
        if kind == "dict":
            return pairs
        valid = {key: value for key, value in pairs.items() if key}  # the SDK warns on ""
        bounded = BoundedAttributes(attributes=valid, immutable=True, extended_attributes=True)
        bounded.dropped = draw(st.integers(min_value=0, max_value=1000))
        return bounded

    return build()


def trace_states() -> st.SearchStrategy[TraceState]:
    key = st.from_regex(r"\A[a-z][a-z0-9_\-*/]{0,8}\Z")
    value = st.from_regex(r"\A[a-zA-Z0-9!#$%&'()*+./:;<>?@\[\]^_`{|}~-]{1,8}\Z")
    return st.lists(st.tuples(key, value), max_size=3, unique_by=lambda kv: kv[0]).map(TraceState)


def span_contexts() -> st.SearchStrategy[SpanContext]:
    return st.builds(
        SpanContext,
        trace_id=st.integers(min_value=0, max_value=(1 << 128) - 1),
        span_id=st.integers(min_value=0, max_value=(1 << 64) - 1),
        is_remote=st.booleans(),
        trace_flags=st.sampled_from([TraceFlags(0), TraceFlags(1)]),
        trace_state=trace_states(),
    )


RESOURCES = st.sampled_from(
    [
        Resource({"service.name": "a", "n": 1}),
        Resource({"service.name": "b", "list": ("x", "y")}, "https://schema/1"),
        Resource({}),
        Resource({"service.name": "a", "n": 1}),  # equal to the first: shares its group
    ]
)
SCOPES = st.sampled_from(
    [
        None,
        InstrumentationScope("lib", "1.0"),
        InstrumentationScope("lib", "1.0", "https://schema/scope", {"s": True}),
        InstrumentationScope("other"),
        InstrumentationScope("lib", "1.0"),
    ]
)
