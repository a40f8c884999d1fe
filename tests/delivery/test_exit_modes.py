"""Which programs hand off at exit, which flush, and the fork hook of multiprocessing children."""

from __future__ import annotations

import multiprocessing
import os
import threading
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from automagik_telemetry.config import TelemetryConfig
from automagik_telemetry.consent.runtime import ConsentState
from automagik_telemetry.delivery.exporters import deliver
from automagik_telemetry.delivery.stage import DeliveryStage
from automagik_telemetry.engine.forking import at_multiprocessing_child_exit
from automagik_telemetry.engine.pipeline import build_redactor
from automagik_telemetry.engine.shutdown import SHORT_RUN, hands_off
from automagik_telemetry.exporters import build_backend
from automagik_telemetry.spool.spool import Spool
from tests.support.otlp_receiver import Received, running_receiver
from tests.support.polling import wait_until


@pytest.mark.parametrize(
    ("mode", "ran_for", "expected"),
    [
        ("auto", 0.4, True),  # a CLI command
        ("auto", SHORT_RUN + 1, False),  # a service
        ("handoff", 3600.0, True),
        ("flush", 0.1, False),
    ],
)
def test_the_exit_mode_decides_by_kind_of_program(
    mode: str, ran_for: float, expected: bool
) -> None:
    assert hands_off(mode, ran_for) is expected


def stage_for(tmp_path: Path, **settings: object) -> DeliveryStage:
    config = TelemetryConfig(enabled=True, spool_dir=tmp_path / "spool", **settings)  # type: ignore[arg-type]
    backend = build_backend(config.backends[0], config)
    return DeliveryStage.build(backend, config, ConsentState(config), build_redactor(config))


@pytest.mark.parametrize(
    ("settings", "can"),
    [
        ({}, True),  # OTLP over the network
        ({"backend": "console"}, False),  # no spool
        ({"spool": False}, False),
        # the embedded store is written in-process; a sender could not open it next to the app
        ({"backend": "clickhouse", "clickhouse_url": "chdb:///unused"}, False),
    ],
)
def test_only_a_spooled_network_backend_hands_off(
    tmp_path: Path, settings: dict[str, object], can: bool
) -> None:
    stage = stage_for(tmp_path, **settings)
    try:
        assert stage.can_hand_off is can
        if stage.spool is not None:
            assert not stage.start_sender()  # nothing pending: no sender
    finally:
        stage.shutdown(0.0)


class _Witness:
    def __init__(self, path: Path) -> None:
        self.path = path

    def leave(self) -> None:
        with open(self.path, "a") as out:
            out.write(f"{os.getpid()}\n")


def _nothing() -> None:
    pass


def test_every_fork_started_multiprocessing_child_runs_the_exit_hook(tmp_path: Path) -> None:
    witness = _Witness(tmp_path / "left")
    at_multiprocessing_child_exit(witness.leave)
    context = multiprocessing.get_context("fork")
    children = [context.Process(target=_nothing) for _ in range(2)]
    for child in children:
        child.start()
        child.join()
    pids = (tmp_path / "left").read_text().split()
    assert sorted(map(int, pids)) == sorted(child.pid for child in children if child.pid)


def test_the_hook_holds_its_object_weakly(tmp_path: Path) -> None:
    witness = _Witness(tmp_path / "left")
    at_multiprocessing_child_exit(witness.leave)
    del witness
    child = multiprocessing.get_context("fork").Process(target=_nothing)
    child.start()
    child.join()
    assert child.exitcode == 0
    assert not (tmp_path / "left").exists()


def test_a_live_send_that_ends_after_the_exit_kept_its_batch_is_not_sent_twice(
    tmp_path: Path,
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    for index in range(10):
        provider.get_tracer("t").start_span(f"slow-{index}").end()
    release = threading.Event()

    def slow(_: Received) -> None:
        release.wait(10)

    with running_receiver(behaviour=slow) as receiver:
        config = TelemetryConfig(enabled=True, endpoint=receiver.url)
        backend = build_backend("otlp", config)
        spool = Spool(
            tmp_path / "spool",
            backend,
            ConsentState(config),
            max_bytes=10**7,
            max_age=3600,
            timeout=5.0,
        )
        outcome: list[bool] = []
        sending = threading.Thread(
            target=lambda: outcome.append(
                deliver(backend, spool, "traces", exporter.get_finished_spans(), 10.0)
            )
        )
        sending.start()
        assert wait_until(lambda: receiver.connections >= 1, 10)
        assert spool.in_flight.keep_all() == 1  # the program exits: the batch is kept
        assert spool.store.stats().batches == 1
        release.set()  # ...and the send still completes before the process is gone
        sending.join(10)
        assert outcome == [True]
        assert spool.store.stats().batches == 0  # delivered: the kept copy is not sent again
        assert len(receiver.spans()) == 10
