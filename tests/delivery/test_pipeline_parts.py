"""Small promises of the delivery stage's parts, each as a user would notice it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult

from automagik_telemetry import TelemetryConfig
from automagik_telemetry.delivery.exporters import DeliveringLogExporter, DeliveringMetricExporter
from automagik_telemetry.delivery.processors import BufferedSpanProcessor
from automagik_telemetry.exporters.console import ConsoleBackend
from automagik_telemetry.exporters.otlp import OTLPBackend
from automagik_telemetry.spool.codec import encode_batch
from automagik_telemetry.spool.store import SpoolStore, _fsync_dir
from tests.support.otlp_receiver import OTLPReceiver


class _RecordOnly(Sampler):
    """Records spans (so processors see them end) without sampling them for export."""

    def should_sample(self, *args: object, **kwargs: object) -> SamplingResult:
        return SamplingResult(Decision.RECORD_ONLY)

    def get_description(self) -> str:
        return "record only"


def test_spans_that_were_not_sampled_are_not_queued() -> None:
    exported: list[object] = []
    processor = BufferedSpanProcessor(
        exported.extend, max_queue=10, batch_size=5, schedule_delay=60
    )
    provider = TracerProvider(sampler=_RecordOnly(), shutdown_on_exit=False)
    provider.add_span_processor(processor)
    provider.get_tracer("t").start_span("dropped by the sampler").end()
    assert processor.force_flush() is True
    assert exported == []
    assert len(processor.buffer) == 0


def test_metrics_reach_the_backend_through_a_reader(receiver: OTLPReceiver) -> None:
    exporter = DeliveringMetricExporter(
        OTLPBackend(TelemetryConfig(endpoint=receiver.url)), None, 5
    )
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    provider = MeterProvider(metric_readers=[reader], shutdown_on_exit=False)
    provider.get_meter("m").create_counter("visits").add(2)
    assert provider.force_flush()
    assert exporter.force_flush() is True
    (_, metric), *_ = receiver.metrics()
    assert metric.name == "visits"
    assert metric.sum.data_points[0].as_int == 2
    provider.shutdown()


def test_the_console_backend_prints_a_spooled_request_too(
    capsys: pytest.CaptureFixture[str],
) -> None:
    provider = TracerProvider(shutdown_on_exit=False)
    processor_spans: list[object] = []
    provider.add_span_processor(
        BufferedSpanProcessor(processor_spans.extend, max_queue=10, batch_size=1, schedule_delay=60)
    )
    provider.get_tracer("t").start_span("printed").end()
    provider.force_flush()
    payload = encode_batch("traces", processor_spans)
    assert ConsoleBackend().send_request("traces", payload, 1).delivered
    assert '"name": "printed"' in capsys.readouterr().err


def test_a_batch_that_vanishes_while_being_listed_is_skipped(tmp_path: Path) -> None:
    store = SpoolStore(tmp_path, max_bytes=10**6, max_age=0.0)
    gone = tmp_path / "ready" / "00000000000000000001-1-gone.traces"
    assert store._sized([gone]) == []  # another process claimed it between list and stat
    store._drop_expired(gone)
    assert store.stats().dropped == {}


def test_a_directory_that_cannot_be_synced_is_not_an_error(tmp_path: Path) -> None:
    _fsync_dir(tmp_path / "does-not-exist")


def test_a_process_of_another_user_counts_as_alive() -> None:
    """Claims of a process we may not signal must not be stolen (run as an unprivileged user
    when the tests run as root, so that signalling pid 1 is refused)."""
    code = (
        "import os\n"
        "from automagik_telemetry.spool.owners import pid_alive\n"
        "if os.geteuid() == 0: os.setuid(65534)\n"
        "raise SystemExit(0 if pid_alive(1) else 1)\n"
    )
    env = {**os.environ, "COVERAGE_PROCESS_START": ""}  # nobody may not write coverage data
    assert subprocess.run([sys.executable, "-c", code], check=False, env=env).returncode == 0


def test_the_delivering_exporters_hold_nothing_to_flush(receiver: OTLPReceiver) -> None:
    backend = OTLPBackend(TelemetryConfig(endpoint=receiver.url))
    assert DeliveringLogExporter(backend, None, 1).force_flush() is True
