"""``ConsentSampler``: the first gate of the trace pipeline.

A dropped span costs almost nothing downstream (no attributes kept, no processor work), so the
cheapest place to honour an opt-out that happens while the app runs is the sampler. When consent
is on it defers to a delegate — by default parent-based trace-id ratio sampling.

The sampler runs on the app's thread for every span. With the default rate (keep everything),
the SDK's parent-based sampler looks the parent up twice and builds a new ``SamplingResult``
each time; ``KeepAll`` answers the common cases (a root span, or a sampled parent without trace
state, and no start attributes) with one shared result, and leaves the rest to the SDK's rules.
"""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry.context import Context
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_ON,
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind, get_current_span
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes

from ..config.level import ConsentLevel
from ..consent.runtime import ConsentState, process_consent

__all__ = ["ConsentSampler", "KeepAll", "default_delegate"]

_DROP = SamplingResult(Decision.DROP)
_SAMPLE = SamplingResult(Decision.RECORD_AND_SAMPLE)


def default_delegate(sample_rate: float = 1.0) -> Sampler:
    """Parent-based: a child follows its parent; new traces are kept with ``sample_rate``."""
    if sample_rate >= 1.0:
        return KeepAll()
    return ParentBased(TraceIdRatioBased(sample_rate))


class KeepAll(ParentBased):
    """``ParentBased(ALWAYS_ON)`` with the same decisions, faster on the common cases."""

    def __init__(self) -> None:
        super().__init__(ALWAYS_ON)

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if not attributes:  # the result carries the start attributes: only a shared empty one
            parent = get_current_span(parent_context).get_span_context()
            if parent is None or not parent.is_valid:
                return _SAMPLE  # a root: what ALWAYS_ON says
            if parent.trace_flags.sampled and not parent.trace_state:
                return _SAMPLE  # below a sampled parent, no trace state to carry over
        return super().should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )


class ConsentSampler(Sampler):
    """Drops every span while consent is off; otherwise asks ``delegate``.

    ``consent`` defaults to the process's consent (the one ``configure_automagik()`` decided,
    or one decided from the environment), so ``ConsentSampler(my_sampler)`` is all a user needs
    to make their own ``TracerProvider`` opt-in aware.
    """

    def __init__(
        self, delegate: Sampler | None = None, consent: ConsentState | None = None
    ) -> None:
        self._delegate = delegate if delegate is not None else default_delegate()
        self._consent = consent if consent is not None else process_consent()

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if self._consent.level is ConsentLevel.OFF:
            return _DROP
        return self._delegate.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"ConsentSampler{{{self._delegate.get_description()}}}"
