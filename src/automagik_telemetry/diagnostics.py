"""Internal error reporting that can never flood the host app's logs.

Telemetry runs inside someone else's program: a dead backend must not print a warning per
batch. Each *kind* of problem is logged at most once per ``interval`` seconds, with a count of
how many were suppressed in between.
"""

from __future__ import annotations

import logging
import threading
import time

__all__ = ["RateLimitedLogger", "internal_log"]


class RateLimitedLogger:
    """Logs each kind of message at most once per ``interval`` seconds."""

    def __init__(self, logger: logging.Logger, interval: float = 60.0) -> None:
        self.logger = logger
        self.interval = interval
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def log(
        self, level: int, kind: str, message: str, *args: object, exc_info: bool = False
    ) -> bool:
        """Log ``message`` unless ``kind`` was logged within the interval; returns whether
        it was logged."""
        now = time.monotonic()
        with self._lock:
            last = self._last.get(kind)
            if last is not None and now - last < self.interval:
                self._suppressed[kind] = self._suppressed.get(kind, 0) + 1
                return False
            self._last[kind] = now
            suppressed = self._suppressed.pop(kind, 0)
        if suppressed:
            message += f" ({suppressed} similar messages suppressed)"
        self.logger.log(level, message, *args, exc_info=exc_info)
        return True

    def reset(self) -> None:
        """Forget what was logged, so every kind may be logged again at once."""
        with self._lock:
            self._last.clear()
            self._suppressed.clear()

    def warning(self, kind: str, message: str, *args: object, exc_info: bool = False) -> bool:
        return self.log(logging.WARNING, kind, message, *args, exc_info=exc_info)

    def error(self, kind: str, message: str, *args: object, exc_info: bool = False) -> bool:
        return self.log(logging.ERROR, kind, message, *args, exc_info=exc_info)


internal_log = RateLimitedLogger(logging.getLogger("automagik_telemetry"))
