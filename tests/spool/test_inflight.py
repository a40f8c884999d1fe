"""The batch in flight at exit: kept on disk as this process's claim, settled by the attempt."""

from __future__ import annotations

from pathlib import Path

import pytest

from automagik_telemetry.spool.inflight import InFlight
from automagik_telemetry.spool.store import SpoolStore


def encode(signal: str, items: list[str]) -> bytes:
    return ",".join(items).encode()


def broken(signal: str, items: list[str]) -> bytes:
    raise ValueError("cannot encode")


def setup(tmp_path: Path) -> tuple[SpoolStore, InFlight]:
    store = SpoolStore(tmp_path, max_bytes=10**6, max_age=3600)
    return store, InFlight(store, encode)


def test_an_attempt_that_ends_before_exit_leaves_nothing_on_disk(tmp_path: Path) -> None:
    store, in_flight = setup(tmp_path)
    ticket = in_flight.begin("traces", ["a", "b"])
    assert in_flight.end(ticket, "retry") is None  # the caller spools it as usual
    assert in_flight.keep_all() == 0
    assert store.stats().batches == 0


@pytest.mark.parametrize(
    ("status", "safe", "left"), [("delivered", True, 0), ("rejected", False, 0), ("retry", True, 1)]
)
def test_a_batch_kept_at_exit_is_settled_by_its_attempt(
    tmp_path: Path, status: str, safe: bool, left: int
) -> None:
    store, in_flight = setup(tmp_path)
    ticket = in_flight.begin("traces", ["a", "b"])
    assert in_flight.keep_all() == 1
    assert in_flight.keep_all() == 0  # kept once
    assert store.claim_next() is None  # our claim: nobody sends it while we live
    assert store.recover_stale_claims() == 0
    assert in_flight.end(ticket, status) is safe
    # delivered: not sent again; refused for good: not again; not taken: back in ready/
    assert store.stats().batches == left
    if left:
        batch = store.claim_next()
        assert batch is not None
        assert batch.read() == b"a,b"


def test_a_batch_that_cannot_be_encoded_is_reported_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = SpoolStore(tmp_path, max_bytes=10**6, max_age=3600)
    in_flight = InFlight(store, broken)
    in_flight.begin("logs", ["x"])
    assert in_flight.keep_all() == 0
    assert "cannot encode a batch in flight" in caplog.text
