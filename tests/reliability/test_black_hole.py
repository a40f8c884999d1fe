"""An endpoint that accepts connections and never answers (a black hole: a hung collector, a
proxy that lost its upstream) is an outage from its first timeout on: the app's data goes to
the spool instead of waiting one timeout per batch while the memory queue overflows."""

from __future__ import annotations

import time
from pathlib import Path

from tests.reliability.conftest import all_once, arrived, produce, reliable, wait_until
from tests.support.otlp_receiver import OTLPReceiver
from tests.support.raw_server import black_hole, raw_server


def test_a_black_hole_counts_as_down_after_its_first_timeout(
    receiver: OTLPReceiver, spool_dir: Path
) -> None:
    receiver.stop()
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


def test_a_black_hole_under_load_drops_nothing_that_fits_the_spool(
    receiver: OTLPReceiver, spool_dir: Path
) -> None:
    """1,200 spans/s for 4 s into a memory budget of 2,500 spans, timeout 1.5 s: the queue holds
    what arrives during the one timeout (1,800), then everything goes to disk. (When the live
    path waited a full timeout per batch until the replayer's first probe had timed out too,
    3,600 arrived meanwhile and the queue overflowed.)"""
    receiver.stop()
    handle = reliable(receiver, spool_dir, timeout=1.5, queue_size=2500, batch_size=100)
    names: list[str] = []
    with raw_server(black_hole, receiver.port):
        for tick in range(32):
            names += produce(f"load-{tick}", 150)
            time.sleep(0.125)
        assert handle.force_flush(15)
        assert handle.status().queue_dropped == {"traces": 0, "logs": 0}
    receiver.restart()
    assert wait_until(lambda: all_once(arrived(receiver), names), timeout=30)
    assert sum(arrived(receiver).values()) == 4800
