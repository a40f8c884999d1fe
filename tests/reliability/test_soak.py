"""A bounded soak: a steady load of spans, logs and metrics while the backend goes away and
comes back several times. Counts in equal counts out, nothing twice."""

from __future__ import annotations

import sys
import threading
import time
import traceback
from pathlib import Path

import pytest
from opentelemetry import _logs, metrics, trace
from opentelemetry._logs import SeverityNumber

from automagik_telemetry import TelemetryHandle
from tests.reliability.conftest import arrived, arrived_logs, reliable, wait_until
from tests.support.otlp_receiver import OTLPReceiver

LOAD_SECONDS = 40.0
OUTAGES = 4


@pytest.mark.slow
@pytest.mark.xfail(
    reason=(
        "open: in four full-suite runs of the previous round ~20 spooled batches stayed "
        "unreplayed 90 s after the last outage (nothing dropped); passed in ten of eleven "
        "runs since (docs/RELIABILITY.md); its message prints the spool's and replayer's state"
    ),
    strict=False,
)
def test_steady_load_through_repeated_outages(receiver: OTLPReceiver, spool_dir: Path) -> None:
    # a realistic request timeout: under a loaded machine a 1 s one can expire while the
    # receiver still answers, and the batch is then (rightly) sent again: at least once
    handle = reliable(receiver, spool_dir, metric_export_interval=0.5, batch_size=256, timeout=10.0)
    tracer = trace.get_tracer("soak")
    logger = _logs.get_logger("soak")
    requests = metrics.get_meter("soak").create_counter("soak.requests")
    produced = {"spans": 0, "logs": 0, "adds": 0}
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            for _ in range(20):
                index = produced["spans"]
                tracer.start_span(f"span-{index}").end()
                produced["spans"] += 1
                requests.add(1, {"route": "/soak"})
                produced["adds"] += 1
            logger.emit(body=f"log-{produced['logs']}", severity_number=SeverityNumber.INFO)
            produced["logs"] += 1
            time.sleep(0.01)

    worker = threading.Thread(target=load)
    worker.start()
    started = time.monotonic()
    for _ in range(OUTAGES):
        time.sleep(LOAD_SECONDS / (2 * OUTAGES))
        receiver.stop()
        time.sleep(LOAD_SECONDS / (2 * OUTAGES))
        receiver.restart()
    stop.set()
    worker.join()
    assert time.monotonic() - started < LOAD_SECONDS + 10
    handle.force_flush(30)

    spans, logs = produced["spans"], produced["logs"]
    assert wait_until(lambda: sum(arrived(receiver).values()) >= spans, timeout=90), (
        f"{sum(arrived(receiver).values())} of {spans} spans arrived; "
        f"dropped from memory: {handle.status().queue_dropped}; spool: {handle.status().spool}"
        + _state(handle)
    )
    assert wait_until(lambda: sum(arrived_logs(receiver).values()) >= logs, timeout=30)
    received = arrived(receiver)
    assert set(received) == {f"span-{index}" for index in range(spans)}
    assert max(received.values()) == 1
    assert set(arrived_logs(receiver)) == {f"log-{index}" for index in range(logs)}
    assert max(arrived_logs(receiver).values()) == 1

    def counted() -> int:
        points = [
            point.as_int
            for _, metric in receiver.metrics()
            if metric.name == "soak.requests"
            for point in metric.sum.data_points
        ]
        return max(points, default=0)

    handle.force_flush(10)
    assert wait_until(lambda: counted() == produced["adds"], timeout=30)  # cumulative total
    assert handle.status().queue_dropped == {"traces": 0, "logs": 0}


def _state(handle: TelemetryHandle) -> str:
    """What the spool and its threads were doing when batches were left behind."""
    lines = []
    assert handle.pipeline is not None
    for stage in handle.pipeline.stages:
        spool = stage.spool
        if spool is None:
            continue
        store, replayer = spool.store, spool.replayer
        lines.append(
            f"\nready={sorted(p.name for p in store.ready.iterdir())[:5]}"
            f" n={len(list(store.ready.iterdir()))}"
            f"\nclaimed={sorted(p.name for p in store.claimed.iterdir())[:5]}"
            f" n={len(list(store.claimed.iterdir()))}"
            f"\nowners={sorted(p.name for p in store.owners.glob('*'))}"
            f" problem={store.problem} usable={store.usable} handoff={spool.handoff}"
            f"\nfailures={replayer.failures}"
            f" not_before_in={replayer._not_before - time.monotonic():.1f}"
            f" stopped={replayer._stopped} alive={replayer._thread and replayer._thread.is_alive()}"
            f" live_busy={spool.live.busy} pending={[a.owner for a in spool.live._pending]}"
        )
    frames = sys._current_frames()
    for thread in threading.enumerate():
        if thread.name.startswith("automagik") and thread.ident in frames:
            stack = "".join(traceback.format_stack(frames[thread.ident])[-4:])
            lines.append(f"\n--- {thread.name}\n{stack}")
    return "".join(lines)
