"""``BufferedSpanProcessor`` and ``BufferedLogRecordProcessor``: our batch processors.

They do what the SDK's ``BatchSpanProcessor``/``BatchLogRecordProcessor`` do, on a ``Buffer``:
a memory budget instead of a 2,048-item cliff, spans kept compact while they wait, and at
shutdown whatever could not be exported in time goes to the spool instead of the void.

``QueueingSpanProcessor`` is the pipeline's last span processor, in front of the buffers of all
backends: it compacts each span once (not once per backend, as a fan-out of
``BufferedSpanProcessor`` would) and appends it to every buffer, on the app's thread.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from opentelemetry.context import Context
from opentelemetry.sdk._logs import LogRecordProcessor, ReadableLogRecord, ReadWriteLogRecord
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor

from .buffer import Buffer, Export, Spill
from .queued import QueuedSpan

__all__ = ["BufferedLogRecordProcessor", "BufferedSpanProcessor", "QueueingSpanProcessor"]

T = TypeVar("T")
_EMPTY_CONTEXT = Context()
_NO_RESOURCE = Resource.get_empty()


class _Buffered(Generic[T]):
    """What both processors share: a ``Buffer`` and its flush/shutdown with a time bound."""

    name = "items"

    def __init__(
        self,
        export: Export[Any],
        *,
        max_queue: int,
        batch_size: int,
        schedule_delay: float,
        spill: Spill[Any] | None = None,
        shutdown_timeout: float = 5.0,
    ) -> None:
        self.buffer: Buffer[T] = Buffer(
            self.name,
            export,
            max_queue=max_queue,
            batch_size=batch_size,
            schedule_delay=schedule_delay,
            spill=spill,
        )
        self.shutdown_timeout = shutdown_timeout

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.buffer.force_flush(timeout_millis / 1000)

    def shutdown(self, timeout: float | None = None, *, flush: bool = True) -> None:
        self.buffer.shutdown(self.shutdown_timeout if timeout is None else timeout, flush=flush)


def _sampled(span: QueuedSpan | ReadableSpan) -> bool:
    """Whether the span is sampled (a sampler may record spans it does not sample)."""
    if type(span) is QueuedSpan:
        return bool(span._ids[48] & 1)  # its trace flags, packed (delivery/queued.py)
    return span.context is not None and span.context.trace_flags.sampled


class BufferedSpanProcessor(_Buffered["QueuedSpan | ReadableSpan"], SpanProcessor):
    name = "spans"

    def on_end(self, span: ReadableSpan) -> None:
        queued = QueuedSpan.of(span)
        if _sampled(queued):
            self.buffer.put(queued)


class QueueingSpanProcessor(SpanProcessor):
    """Compacts each ended span once and queues it for every backend (``processors``, one per
    delivery stage). Flush and shutdown reach each of them."""

    def __init__(self, processors: Sequence[BufferedSpanProcessor]) -> None:
        self.processors = tuple(processors)
        self._puts = tuple(processor.buffer.put for processor in self.processors)

    def on_end(self, span: ReadableSpan) -> None:
        queued = QueuedSpan.of(span)
        if _sampled(queued):
            for put in self._puts:
                put(queued)

    def shutdown(self) -> None:
        for processor in self.processors:
            processor.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        deadline = time.monotonic() + timeout_millis / 1000
        flushed = [
            processor.force_flush(max(0, int((deadline - time.monotonic()) * 1000)))
            for processor in self.processors  # every one, even after a failure
        ]
        return all(flushed)


class BufferedLogRecordProcessor(_Buffered[ReadableLogRecord], LogRecordProcessor):
    name = "log records"

    def on_emit(self, log_record: ReadWriteLogRecord) -> None:
        # As the SDK's batch processor does: a read-only copy that no longer holds the
        # (possibly large) context the record was emitted in.
        record = copy.copy(log_record.log_record)
        record.context = _EMPTY_CONTEXT
        self.buffer.put(
            ReadableLogRecord(
                log_record=record,
                resource=log_record.resource or _NO_RESOURCE,
                instrumentation_scope=log_record.instrumentation_scope,
                limits=log_record.limits,
            )
        )
