"""``PipelineSpanProcessor``: the tracer provider's own span processor, cheap on the app's thread.

The SDK calls its provider's active span processor three times per span (``on_start``,
``_on_ending``, ``on_end``), and the stock multi-processor loops over its processors each time.
Ours is the first processor (privacy, then every backend's buffer); while it is the only one,
those three names are bound straight to its methods, so a span costs one call into the pipeline
and no loop. A processor the app adds with ``TracerProvider.add_span_processor`` puts the loops
back: it is called after ours, with the span as the SDK made it (as on any provider, a processor
beside ``PrivacySpanProcessor`` is not behind it; see docs/PRIVACY.md).
"""

from __future__ import annotations

from opentelemetry.sdk.trace import SpanProcessor, SynchronousMultiSpanProcessor

__all__ = ["PipelineSpanProcessor"]

_HOOKS = ("on_start", "_on_ending", "on_end")


class PipelineSpanProcessor(SynchronousMultiSpanProcessor):
    def __init__(self, first: SpanProcessor) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._span_processors = (first,)
        vars(self).update({hook: getattr(first, hook) for hook in _HOOKS})

    def add_span_processor(self, span_processor: SpanProcessor) -> None:
        super().add_span_processor(span_processor)
        for hook in _HOOKS:  # back to the SDK's loops over every processor
            vars(self).pop(hook, None)
