"""``PiiRedactingLogRecordProcessor``: log records are scrubbed before any exporter sees them.

Log records are mutable until they are handed on, so they are scrubbed in place: the body
(strings and nested structures, as ``logging`` and the Events API produce), the attributes
(including ``exception.message`` and ``exception.stacktrace``) and the resource. A record that
cannot be scrubbed is dropped, never sent as it was.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.attributes import BoundedAttributes
from opentelemetry.context import Context
from opentelemetry.sdk._logs import LogRecordProcessor, ReadWriteLogRecord
from opentelemetry.sdk.util.instrumentation import InstrumentationScope

from ..diagnostics import internal_log
from .counts import REDACTED_ATTRIBUTE, encode_counts
from .keys import GENAI_MESSAGE_EVENTS
from .redactor import Redactor
from .resources import ResourceCache
from .scanner import Counts

__all__ = ["PiiRedactingLogRecordProcessor", "redact_log_record"]


def redact_log_record(
    record: ReadWriteLogRecord, redactor: Redactor, resources: ResourceCache
) -> None:
    """Scrub ``record`` in place; findings are counted in its ``automagik.redacted``."""
    log = record.log_record
    attributes = log.attributes or {}
    event_name = log.event_name or attributes.get("event.name")
    genai = event_name in GENAI_MESSAGE_EVENTS
    counts: Counts = {}
    body = log.body
    if body is not None:
        body = redactor.scrub_value(body, counts, genai_message=genai)
    scrubbed = redactor.redact_attributes(attributes, counts)
    if record.resource is not None:
        record.resource = resources.get(record.resource)
    if not counts:
        return
    log.body = body
    new = dict(attributes) if scrubbed is None else scrubbed
    new[REDACTED_ATTRIBUTE] = encode_counts(counts)
    log.attributes = _like(log.attributes, new)


def _like(old: Any, new: dict[str, Any]) -> BoundedAttributes:
    """``new`` in a ``BoundedAttributes`` with the limits and dropped count of ``old``."""
    bounded = BoundedAttributes(
        maxlen=getattr(old, "maxlen", None),
        attributes=new,
        immutable=False,
        max_value_len=getattr(old, "max_value_len", None),
    )
    bounded.dropped += getattr(old, "dropped", 0)
    return bounded


class PiiRedactingLogRecordProcessor(LogRecordProcessor):
    """Scrubs each log record, then hands it to ``next_processor`` (for example a
    ``BatchLogRecordProcessor``). Add it to any ``LoggerProvider``::

        provider.add_log_record_processor(
            PiiRedactingLogRecordProcessor(BatchLogRecordProcessor(exporter)))
    """

    def __init__(
        self, next_processor: LogRecordProcessor, redactor: Redactor | None = None
    ) -> None:
        self.next_processor = next_processor
        self.redactor = redactor if redactor is not None else Redactor()
        self._resources = ResourceCache(self.redactor)

    def on_emit(self, log_record: ReadWriteLogRecord) -> None:
        try:
            redact_log_record(log_record, self.redactor, self._resources)
        except Exception:
            internal_log.error(
                "privacy.log", "could not scrub a log record; it was dropped", exc_info=True
            )
            return
        try:
            self.next_processor.on_emit(log_record)
        except Exception:
            internal_log.error("privacy.log_emit", "log record processor failed", exc_info=True)

    def enabled(
        self,
        *,
        context: Context | None = None,
        instrumentation_scope: InstrumentationScope | None = None,
        severity_number: Any = None,
        event_name: str | None = None,
    ) -> bool:
        try:
            return self.next_processor.enabled(
                context=context,
                instrumentation_scope=instrumentation_scope,
                severity_number=severity_number,
                event_name=event_name,
            )
        except Exception:
            internal_log.error("privacy.log_enabled", "log record processor failed", exc_info=True)
            return True

    def shutdown(self) -> None:
        try:
            self.next_processor.shutdown()
        except Exception:
            internal_log.error("privacy.log_shutdown", "log record processor failed", exc_info=True)

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        try:
            return self.next_processor.force_flush(timeout_millis)
        except Exception:
            internal_log.error("privacy.log_flush", "log record processor failed", exc_info=True)
            return False
