from __future__ import annotations

import logging
import time

import pytest

from automagik_telemetry.diagnostics import RateLimitedLogger


def test_each_kind_is_logged_once_per_interval_with_a_suppressed_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = RateLimitedLogger(logging.getLogger("test.rate"), interval=0.2)
    with caplog.at_level(logging.WARNING, logger="test.rate"):
        assert log.warning("backend.down", "backend %s is down", "otlp")
        for _ in range(100):
            assert not log.warning("backend.down", "backend %s is down", "otlp")
        assert log.error("other.kind", "different problem")
        time.sleep(0.25)
        assert log.warning("backend.down", "backend %s is down", "otlp")
    messages = [record.getMessage() for record in caplog.records if record.name == "test.rate"]
    assert messages == [
        "backend otlp is down",
        "different problem",
        "backend otlp is down (100 similar messages suppressed)",
    ]


def test_reset_allows_logging_again_at_once(caplog: pytest.LogCaptureFixture) -> None:
    log = RateLimitedLogger(logging.getLogger("test.reset"), interval=3600)
    with caplog.at_level(logging.WARNING, logger="test.reset"):
        log.warning("k", "first")
        log.warning("k", "dropped")
        log.reset()
        log.warning("k", "again")
    assert [r.getMessage() for r in caplog.records] == ["first", "again"]
