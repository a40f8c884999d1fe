"""``configure_automagik(backend="clickhouse")``: all three signals, alone and with OTLP."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import _logs, metrics, trace
from opentelemetry._logs import LogRecord, SeverityNumber

import automagik_telemetry
from automagik_telemetry import configure_automagik
from tests.support.otlp_receiver import OTLPReceiver


def batch_size(handle: Any) -> int:
    """The span batch size the pipeline chose for its (only) backend."""
    [stage] = handle.pipeline.stages
    return int(stage.spans.buffer.batch_size)


def emit_all_signals() -> None:
    with trace.get_tracer("app").start_as_current_span("checkout") as span:
        span.set_attribute("cart.items", 3)
        _logs.get_logger("app").emit(
            LogRecord(body="paid", severity_number=SeverityNumber.INFO, severity_text="INFO")
        )
    metrics.get_meter("app").create_counter("orders").add(1, {"plan": "pro"})


def test_clickhouse_backend_wires_all_three_signals(
    store_path: Path, database: str, engine: Any
) -> None:
    handle = configure_automagik(
        service_name="shop",
        enabled=True,
        backend="clickhouse",
        clickhouse_url=f"chdb://{store_path}",
        clickhouse_database=database,
    )
    emit_all_signals()
    assert handle.force_flush(10)
    table = f"`{database}`.otel"
    assert engine.command(f"SELECT SpanName FROM {table}_traces") == "checkout"
    assert engine.command(f"SELECT ServiceName FROM {table}_traces") == "shop"
    assert engine.command(f"SELECT Body FROM {table}_logs") == "paid"
    assert engine.command(f"SELECT TraceId != '' FROM {table}_logs") == 1
    assert engine.command(f"SELECT Value FROM {table}_metrics_sum") == 1
    status = handle.status()
    assert status.destinations["clickhouse"].startswith("embedded ClickHouse store (chDB)")
    assert batch_size(handle) == 8192  # the embedded store's larger inserts (EMBEDDED_BATCH)
    assert handle.shutdown(10)


def test_otlp_and_clickhouse_together(
    store_path: Path, database: str, engine: Any, receiver: OTLPReceiver
) -> None:
    handle = configure_automagik(
        service_name="shop",
        enabled=True,
        backend="otlp,clickhouse",
        endpoint=receiver.url,
        clickhouse_url=f"chdb://{store_path}",
        clickhouse_database=database,
    )
    emit_all_signals()
    assert handle.force_flush(10)
    assert receiver.wait_for(lambda: len(receiver.spans()) == 1 and receiver.metrics())
    assert engine.command(f"SELECT count() FROM `{database}`.otel_traces") == 1
    assert engine.command(f"SELECT count() FROM `{database}`.otel_logs") == 1
    assert set(handle.status().destinations) == {"otlp", "clickhouse"}


def test_operator_batch_settings_win(
    store_path: Path, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "100")
    handle = configure_automagik(
        enabled=True,
        backend="clickhouse",
        clickhouse_url=f"chdb://{store_path}",
        clickhouse_database=database,
    )
    assert batch_size(handle) == 100


def test_environment_only_configuration(
    store_path: Path, database: str, engine: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTOMAGIK_TELEMETRY_ENABLED", "true")
    monkeypatch.setenv("AUTOMAGIK_TELEMETRY_BACKEND", "clickhouse")
    monkeypatch.setenv("AUTOMAGIK_TELEMETRY_CLICKHOUSE_URL", f"chdb://{store_path}")
    monkeypatch.setenv("AUTOMAGIK_TELEMETRY_CLICKHOUSE_DATABASE", database)
    handle = configure_automagik(service_name="envd")
    with trace.get_tracer("x").start_as_current_span("from-env"):
        pass
    assert handle.force_flush(10)
    assert engine.command(f"SELECT ServiceName FROM `{database}`.otel_traces") == "envd"


def test_lazy_exports_and_a_light_import() -> None:
    assert automagik_telemetry.ClickHouseSpanExporter.__name__ == "ClickHouseSpanExporter"
    assert {"ClickHouseLogExporter", "ClickHouseMetricExporter"} <= set(automagik_telemetry.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        automagik_telemetry.nope  # noqa: B018
    code = (
        "import sys, automagik_telemetry as a\n"
        "from automagik_telemetry.exporters.clickhouse import ClickHouseSpanExporter\n"
        "ClickHouseSpanExporter('chdb:///tmp/never-opened')\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('chdb', 'pandas', 'pyarrow', 'clickhouse_connect')]\n"
        "print(heavy)\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert output.stdout.strip() == "[]"


@pytest.mark.filterwarnings("ignore:.*LoggingHandler.*:DeprecationWarning")
def test_logging_goes_through_the_handler(store_path: Path, database: str, engine: Any) -> None:
    from opentelemetry.sdk._logs import LoggingHandler

    handle = configure_automagik(
        enabled=True,
        backend="clickhouse",
        clickhouse_url=f"chdb://{store_path}",
        clickhouse_database=database,
    )
    logger = logging.getLogger("configured")
    logger.propagate = False
    handler = LoggingHandler()
    logger.addHandler(handler)
    try:
        logger.error("it broke: %s", "disk")
    finally:
        logger.removeHandler(handler)
    assert handle.force_flush(10)
    assert (
        engine.command(f"SELECT SeverityText || ' ' || Body FROM `{database}`.otel_logs")
        == "ERROR it broke: disk"
    )
