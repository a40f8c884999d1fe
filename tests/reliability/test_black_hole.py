"""An endpoint that accepts connections and never answers (a black hole: a hung collector, a
proxy that lost its upstream) is an outage from its first timeout on: the app's data goes to
the spool instead of waiting one timeout per batch while the memory queue overflows."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from automagik_telemetry.spool.decode import decode_spans
from automagik_telemetry.spool.store import ClaimedBatch, SpoolStore
from tests.reliability.conftest import all_once, arrived, produce, reliable, wait_until
from tests.support.otlp_receiver import OTLPReceiver
from tests.support.raw_server import black_hole, raw_server


def test_a_black_hole_counts_as_down_after_its_first_timeout(
    receiver: OTLPReceiver, spool_dir: Path
) -> None:
    receiver.stop(hold=False)  # the raw server below takes its port
    handle = reliable(
        receiver, spool_dir, timeout=1.0, retry_initial_backoff=3.0, retry_max_backoff=3.0
    )
    with raw_server(black_hole, receiver.port) as server:
        first = produce("first", 100)
        assert handle.force_flush(10)  # one live attempt, one timeout: spooled
        assert server.connections == 1
        second = produce("second", 100)
        assert handle.force_flush(10)
        # Down since that timeout: spooled without another attempt, and the replayer waits
        # out its backoff before it probes (it used to try again at once, as did every batch).
        assert server.connections == 1
    receiver.restart()
    assert wait_until(lambda: all_once(arrived(receiver), first + second))
    assert sum(arrived(receiver).values()) == 200


@pytest.mark.parametrize(
    ("timeout", "queue_size", "per_tick", "ticks"),
    [(1.5, 2500, 120, 40), (10.0, 2000, 100, 40)],
    ids=["1.5s-timeout", "10s-timeout"],
)
def test_a_black_hole_under_load_drops_nothing_that_fits_the_spool(
    receiver: OTLPReceiver,
    spool_dir: Path,
    timeout: float,
    queue_size: int,
    per_tick: int,
    ticks: int,
) -> None:
    """Spans arrive steadily (every 0.1 s for 4 s) while the endpoint accepts and never
    answers. The export thread waits for the first attempt one second at most (it goes on in
    the background and spools its own batch), and from its failure on the backend counts as
    down: the memory queue never fills. Before, with a 1.5 s timeout the live path waited out
    a timeout per batch until the replayer's first probe had failed too (782 dropped of 4,800
    into 2,500); with the 10 s default the export thread waited out the whole first attempt
    (1,900 dropped of 4,000 into 2,000)."""
    receiver.stop(hold=False)  # the raw server below takes its port
    handle = reliable(receiver, spool_dir, timeout=timeout, queue_size=queue_size, batch_size=100)
    names: list[str] = []
    with raw_server(black_hole, receiver.port):
        for tick in range(ticks):
            names += produce(f"load-{tick}", per_tick)
            time.sleep(0.1)
        assert handle.force_flush(15)
        assert handle.status().queue_dropped == {"traces": 0, "logs": 0}
    # The black hole goes away (an attempt still in flight fails and spools its own batch).
    receiver.restart()
    assert wait_until(lambda: all_once(arrived(receiver), names), timeout=30)
    assert sum(arrived(receiver).values()) == per_tick * ticks


def test_a_batch_still_in_flight_at_shutdown_is_spooled(
    receiver: OTLPReceiver, spool_dir: Path
) -> None:
    """The endpoint never answers the last attempt before exit: the batch is kept on disk as
    this process's claim (recovered by the next start or sender once the process is gone)
    instead of dying with it."""
    receiver.stop(hold=False)  # the raw server below takes its port
    handle = reliable(receiver, spool_dir, timeout=30.0)
    with raw_server(black_hole, receiver.port) as server:
        names = produce("last", 100)
        handle.shutdown(timeout=5)
        assert server.connections == 1  # it was sent, and never answered
        store = SpoolStore(next(spool_dir.glob("*/otlp-*")), max_bytes=10**7, max_age=3600)
        assert store.stats().batches == 1
        (claimed,) = (store.directory / "claimed").iterdir()
        batch = ClaimedBatch(store, claimed, "traces", 0)
        assert sorted(span.name for span in decode_spans(batch.read())) == sorted(names)
