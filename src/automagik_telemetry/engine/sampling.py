"""``ConsentSampler``: the first gate of the trace pipeline.

A dropped span costs almost nothing downstream (no attributes kept, no processor work), so the
cheapest place to honour an opt-out that happens while the app runs is the sampler. When consent
is on it defers to a delegate — by default parent-based trace-id ratio sampling.
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
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes

from ..config.level import ConsentLevel
from ..consent.runtime import ConsentState, process_consent

__all__ = ["ConsentSampler", "default_delegate"]

_DROP = SamplingResult(Decision.DROP)


def default_delegate(sample_rate: float = 1.0) -> Sampler:
    """Parent-based: a child follows its parent; new traces are kept with ``sample_rate``."""
    root = ALWAYS_ON if sample_rate >= 1.0 else TraceIdRatioBased(sample_rate)
    return ParentBased(root)


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
