"""Route stdlib ``logging`` records to the OTel logs pipeline (``capture_logging=True``).

Three promises shape this module:

* **No duplicates.** If an OpenTelemetry ``LoggingHandler`` (the one
  ``opentelemetry-instrumentation-logging`` installs, or the SDK's) is already on the root logger,
  it sends the same records to the same global pipeline: our handler stands down for as long as
  it is there. Under our distro the logging instrumentation is told not to install its handler at
  all when ours runs (see ``distro.py``).
* **No feedback loops.** Records of this package's own loggers (``automagik_telemetry.*``) and of
  the SDK (``opentelemetry.*``) are never captured, nor anything logged while an exporter runs
  (the SDK marks those with the suppress-instrumentation context key). ``DropInternalRecords``
  guards the pipeline itself, so our diagnostics stay out of telemetry whoever captured them.
* **The app keeps its own logging.** The handler sits on the root logger, which would make a
  later ``logging.basicConfig()`` a no-op; like the logging instrumentation, we take it off the
  root logger while ``basicConfig``/``dictConfig``/``fileConfig`` run and put it back after.
"""

from __future__ import annotations

import contextvars
import logging
import logging.config
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from opentelemetry._logs import Logger, SeverityNumber
from opentelemetry.context import _SUPPRESS_INSTRUMENTATION_KEY, get_current, get_value
from opentelemetry.sdk._logs import LoggerProvider, LogRecordProcessor, ReadWriteLogRecord

from ..attributes import clean_value
from ..config.level import ConsentLevel
from ..consent.runtime import ConsentState
from ..diagnostics import internal_log

__all__ = [
    "DropInternalRecords",
    "LogCapture",
    "TelemetryLogHandler",
    "exception_attributes",
    "install_log_capture",
    "is_otel_logging_handler",
]

_INTERNAL_PACKAGE = "automagik_telemetry"
_NEVER_CAPTURED = (_INTERNAL_PACKAGE, "opentelemetry")
# Attributes every LogRecord has; what is left are the app's ``extra={...}`` fields. The
# ``otel*`` fields come from the logging instrumentation's trace-context injection: the log
# record carries the trace and span ids natively.
_RESERVED = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
    | {"message", "asctime", "taskName"}
)
_SEVERITY_TEXT = {"WARNING": "WARN", "CRITICAL": "FATAL"}


def is_otel_logging_handler(handler: logging.Handler) -> bool:
    """An OpenTelemetry ``LoggingHandler`` (instrumentation-logging's or the SDK's)."""
    kind = type(handler)
    return kind.__name__ == "LoggingHandler" and kind.__module__.startswith("opentelemetry")


def detach_foreign_handlers(provider: LoggerProvider) -> None:
    """Retire OpenTelemetry ``LoggingHandler``s that feed ``provider``, when the pipeline shuts
    down. The logging instrumentation installs one (``capture_logging`` off), and
    ``logging.shutdown()`` at exit flushes every handler ever created; that flush starts a
    thread, which Python 3.12 refuses at that point — an "Exception ignored" traceback for the
    user, for a provider that is already flushed and shut down. ``flushOnClose = False`` is
    logging's own switch for handlers that must not be flushed at shutdown."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if (
            is_otel_logging_handler(handler)
            and getattr(handler, "_logger_provider", None) is provider
        ):
            handler.flushOnClose = False  # type: ignore[attr-defined]
            root.removeHandler(handler)


def _is_never_captured(logger_name: str) -> bool:
    for prefix in _NEVER_CAPTURED:
        if logger_name == prefix or logger_name.startswith(prefix + "."):
            return True
    return False


def _severity(levelno: int) -> SeverityNumber:
    """Python levels onto OTel severities: DEBUG 5, INFO 9, WARNING 13, ERROR 17, CRITICAL 21;
    custom levels in between keep their offset within the band."""
    if levelno < logging.DEBUG:
        return SeverityNumber.TRACE
    if levelno >= logging.CRITICAL:
        return SeverityNumber.FATAL
    band, offset = divmod(levelno, 10)
    return SeverityNumber(1 + 4 * band + min(offset, 3))


def exception_attributes(error: BaseException) -> dict[str, str]:
    """The semantic-convention ``exception.*`` attributes of one exception."""
    kind = type(error)
    module = kind.__module__
    name = kind.__qualname__ if module == "builtins" else f"{module}.{kind.__qualname__}"
    attributes = {"exception.type": name, "exception.message": str(error)}
    if error.__traceback__ is not None:
        attributes["exception.stacktrace"] = "".join(
            traceback.format_exception(kind, error, error.__traceback__)
        )
    return attributes


class TelemetryLogHandler(logging.Handler):
    """Translates ``logging.LogRecord`` into OTel log records, with the active span's context."""

    def __init__(self, provider: LoggerProvider, consent: ConsentState, level: int) -> None:
        super().__init__(level)
        self._provider = provider
        self._consent = consent
        self._loggers: dict[str, Logger] = {}
        self._emitting = contextvars.ContextVar("automagik_log_capture", default=False)

    def emit(self, record: logging.LogRecord) -> None:
        if (
            _is_never_captured(record.name)
            or self._emitting.get()
            or get_value(_SUPPRESS_INSTRUMENTATION_KEY)
            or self._consent.level is ConsentLevel.OFF
            or self._foreign_handler_present()
        ):
            return
        token = self._emitting.set(True)
        try:
            self._logger(record.name).emit(
                timestamp=int(record.created * 1e9),
                observed_timestamp=time.time_ns(),
                context=get_current(),
                severity_number=_severity(record.levelno),
                severity_text=_SEVERITY_TEXT.get(record.levelname, record.levelname),
                body=record.getMessage(),
                attributes=self._attributes(record),
            )
        except Exception:
            internal_log.error("capture.emit", "could not capture a log record", exc_info=True)
        finally:
            self._emitting.reset(token)

    def _logger(self, name: str) -> Logger:
        logger = self._loggers.get(name)
        if logger is None:
            logger = self._loggers[name] = self._provider.get_logger(name or "root")
        return logger

    @staticmethod
    def _attributes(record: logging.LogRecord) -> dict[str, Any]:
        attributes = {
            key: clean_value(value)
            for key, value in vars(record).items()
            if key not in _RESERVED and not key.startswith("otel") and value is not None
        }
        if record.exc_info and record.exc_info[1] is not None:
            attributes.update(exception_attributes(record.exc_info[1]))
        return attributes

    def _foreign_handler_present(self) -> bool:
        for handler in logging.getLogger().handlers:
            if handler is not self and is_otel_logging_handler(handler):
                internal_log.warning(
                    "capture.foreign_handler",
                    "capture_logging: an OpenTelemetry LoggingHandler (%s) is already on the "
                    "root logger and sends these records; not capturing them a second time",
                    type(handler).__module__,
                )
                return True
        return False


ConfigFunction = Callable[..., Any]
_CONFIG_FUNCTIONS: tuple[tuple[Any, str], ...] = (
    (logging, "basicConfig"),
    (logging.config, "dictConfig"),
    (logging.config, "fileConfig"),
)


class LogCapture:
    """Installs a ``TelemetryLogHandler`` on the root logger and removes it again."""

    def __init__(self, handler: TelemetryLogHandler) -> None:
        self.handler = handler
        self._originals: dict[str, tuple[Any, ConfigFunction]] = {}
        self._lock = threading.Lock()

    def install(self) -> LogCapture:
        logging.getLogger().addHandler(self.handler)
        for module, name in _CONFIG_FUNCTIONS:
            original = getattr(module, name)
            self._originals[name] = (module, original)
            setattr(module, name, self._keep_handler(original))
        return self

    def uninstall(self) -> None:
        """Take the handler off the root logger and restore the logging config functions
        (unless someone wrapped them again after us: then ours stay, as harmless pass-throughs
        once the handler is gone)."""
        logging.getLogger().removeHandler(self.handler)
        for name, (module, original) in self._originals.items():
            current = getattr(module, name)
            if getattr(current, "__automagik_capture__", None) is self:
                setattr(module, name, original)
        self._originals.clear()

    def _keep_handler(self, original: ConfigFunction) -> ConfigFunction:
        root = logging.getLogger()

        def configure_logging(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                ours = self.handler in root.handlers
                if ours:
                    root.removeHandler(self.handler)
                try:
                    return original(*args, **kwargs)
                finally:
                    if ours:
                        root.addHandler(self.handler)

        configure_logging.__automagik_capture__ = self  # type: ignore[attr-defined]
        configure_logging.__doc__ = original.__doc__
        configure_logging.__wrapped__ = original  # type: ignore[attr-defined]
        return configure_logging


class DropInternalRecords(LogRecordProcessor):
    """In front of the pipeline's processors: drops records whose instrumentation scope is one
    of this package's loggers, whichever handler captured them (our diagnostics describe
    telemetry itself; exporting them could feed a loop)."""

    def __init__(self, next_processor: LogRecordProcessor) -> None:
        self.next_processor = next_processor

    def on_emit(self, log_record: ReadWriteLogRecord) -> None:
        scope = log_record.instrumentation_scope
        if scope is not None and _is_internal_scope(scope.name):
            return
        self.next_processor.on_emit(log_record)

    def shutdown(self) -> None:
        self.next_processor.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.next_processor.force_flush(timeout_millis)


def _is_internal_scope(name: str) -> bool:
    return name == _INTERNAL_PACKAGE or name.startswith(_INTERNAL_PACKAGE + ".")


def install_log_capture(provider: LoggerProvider, consent: ConsentState, level: int) -> LogCapture:
    return LogCapture(TelemetryLogHandler(provider, consent, level)).install()
