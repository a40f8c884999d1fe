"""Helpers for the fault tests: a reliable pipeline with fast retries, and counting what the
app produced against what the receiver got."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import _logs, trace
from opentelemetry._logs import SeverityNumber

from automagik_telemetry import TelemetryHandle, configure_automagik
from tests.support import polling
from tests.support.otlp_receiver import OTLPReceiver


@pytest.fixture
def spool_dir(tmp_path: Path) -> Path:
    return tmp_path / "spool"


def reliable(receiver: OTLPReceiver, spool_dir: Path, **settings: Any) -> TelemetryHandle:
    """``configure_automagik`` with consent, a private spool and test-speed timings."""
    options: dict[str, Any] = {
        "enabled": True,
        "service_name": "reliability",
        "endpoint": receiver.url,
        "spool_dir": spool_dir,
        "schedule_delay": 0.05,
        "retry_initial_backoff": 0.05,
        "retry_max_backoff": 0.3,
        "timeout": 1.0,
        "metric_export_interval": 3600,
    }
    options.update(settings)
    return configure_automagik(**options)


def produce(prefix: str, count: int, *, logs: int = 0) -> list[str]:
    tracer = trace.get_tracer("reliability")
    names = [f"{prefix}-{index}" for index in range(count)]
    for name in names:
        tracer.start_span(name).end()
    logger = _logs.get_logger("reliability")
    for index in range(logs):
        logger.emit(body=f"{prefix}-log-{index}", severity_number=SeverityNumber.INFO)
    return names


def arrived(receiver: OTLPReceiver) -> Counter[str]:
    return Counter(span.name for _, span in receiver.spans())


def arrived_logs(receiver: OTLPReceiver) -> Counter[str]:
    return Counter(record.body.string_value for _, record in receiver.log_records())


def wait_until(predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
    return polling.wait_until(predicate, timeout, interval=0.05)


def all_once(received: Counter[str], names: list[str]) -> bool:
    return all(received[name] == 1 for name in names)
