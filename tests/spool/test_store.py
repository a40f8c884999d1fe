"""The spool directory: atomic writes, integrity, claims across processes, budgets."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from automagik_telemetry.spool.store import HEADER_SIZE, ClaimedBatch, CorruptBatchError, SpoolStore

MB = 1024 * 1024


def store_at(path: Path, max_bytes: int = 10 * MB, max_age: float = 3600) -> SpoolStore:
    return SpoolStore(path, max_bytes=max_bytes, max_age=max_age)


def test_a_written_batch_is_claimed_read_and_deleted_once(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    assert store.write("traces", b"payload-1")
    batch = store.claim_next()
    assert batch is not None
    assert (batch.signal, batch.read()) == ("traces", b"payload-1")
    assert store.claim_next() is None  # claimed: nobody else gets it
    batch.done()
    assert store.stats().batches == 0
    assert list((tmp_path / "claimed").iterdir()) == []


def test_batches_come_back_oldest_first_and_by_signal(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    for name, sig in [(b"a", "traces"), (b"b", "logs"), (b"c", "traces")]:
        store.write(sig, name)
    logs = store.claim_next(("logs",))
    assert logs is not None
    assert logs.read() == b"b"
    order = []
    while (batch := store.claim_next()) is not None:
        order.append(batch.read())
        batch.done()
    assert order == [b"a", b"c"]


def test_a_released_batch_is_retried_later(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    store.write("metrics", b"m")
    first = store.claim_next()
    assert first is not None
    first.release()
    again = store.claim_next()
    assert again is not None
    assert again.read() == b"m"
    assert again.created_ns == first.created_ns


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:5],  # truncated header
        lambda data: b"XXXX" + data[4:],  # not our magic
        lambda data: data[:-1],  # truncated payload
        lambda data: data[:-1] + bytes([data[-1] ^ 0xFF]),  # bit flip
    ],
)
def test_a_damaged_file_is_detected_and_quarantined(
    tmp_path: Path, damage: object, caplog: pytest.LogCaptureFixture
) -> None:
    store = store_at(tmp_path)
    store.write("traces", b"important payload")
    (path,) = (tmp_path / "ready").iterdir()
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    batch = store.claim_next()
    assert batch is not None
    with pytest.raises(CorruptBatchError):
        batch.read()
    batch.quarantine("checksum mismatch")
    assert store.claim_next() is None
    assert [p.name for p in (tmp_path / "quarantine").iterdir()] == [path.name]
    assert "quarantined" in caplog.text


def test_budget_drops_the_oldest_first_and_counts_it(tmp_path: Path) -> None:
    store = store_at(tmp_path, max_bytes=3 * 1100)
    for index in range(5):
        assert store.write("traces", bytes([index]) * 1000)
    stats = store.stats()
    assert stats.batches == 3
    assert stats.bytes <= 3 * 1100
    assert stats.dropped["over_budget"] == {"batches": 2, "bytes": 2 * (HEADER_SIZE + 1000)}
    kept = []
    while (batch := store.claim_next()) is not None:
        kept.append(batch.read()[0])
        batch.done()
    assert kept == [2, 3, 4]


def test_a_batch_being_sent_counts_against_the_budget(tmp_path: Path) -> None:
    # the sender holds the oldest batch while newer ones are written; if it is not taken it
    # comes back, and the spool must still be within its budget
    store = store_at(tmp_path, max_bytes=3 * 1100)
    for index in range(3):
        assert store.write("traces", bytes([index]) * 1000)
    in_flight = store.claim_next()
    assert in_flight is not None
    assert store.write("traces", bytes([3]) * 1000)
    assert store.stats().bytes <= 3 * 1100
    in_flight.release()
    stats = store.stats()
    assert stats.bytes <= 3 * 1100
    assert stats.dropped["over_budget"]["batches"] == 1
    kept = []
    while (batch := store.claim_next()) is not None:
        kept.append(batch.read()[0])
        batch.done()
    assert kept == [0, 2, 3]  # the one in flight was not dropped: the oldest ready one was


def test_a_batch_larger_than_the_whole_budget_is_refused_and_counted(tmp_path: Path) -> None:
    store = store_at(tmp_path, max_bytes=100)
    assert not store.write("logs", b"x" * 200)
    assert store.stats().dropped == {"too_large": {"batches": 1, "bytes": HEADER_SIZE + 200}}


def test_expired_batches_are_dropped_not_sent(tmp_path: Path) -> None:
    store = store_at(tmp_path, max_age=0.2)
    store.write("traces", b"old")
    time.sleep(0.3)
    assert store.claim_next() is None
    assert store.stats().dropped["expired"]["batches"] == 1
    store.write("traces", b"older")
    time.sleep(0.3)
    store.write("traces", b"fresh")  # writing also expires old data
    assert store.stats().batches == 1
    assert store.stats().dropped["expired"]["batches"] == 2


def test_purge_deletes_everything_ready_and_says_why(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    store.write("traces", b"1")
    store.write("logs", b"2")
    assert store.purge("consent_revoked") == 2
    assert store.purge("consent_revoked") == 0
    stats = store.stats()
    assert (stats.batches, stats.dropped["consent_revoked"]["batches"]) == (0, 2)


def test_stats_report_size_and_age(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    assert store.stats().oldest_age is None
    store.write("traces", b"abc")
    time.sleep(0.05)
    stats = store.stats()
    assert stats.batches == 1
    assert stats.bytes == HEADER_SIZE + 3
    assert stats.oldest_age is not None
    assert stats.oldest_age >= 0.05


def test_unreadable_stats_file_counts_as_no_drops(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "stats.json").write_text("{broken")
    assert store.stats().dropped == {}
    assert not store.write("traces", b"x" * (11 * MB))
    assert json.loads((tmp_path / "stats.json").read_text())["too_large"]["batches"] == 1


def test_a_spool_that_cannot_be_written_reports_and_counts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    store = store_at(blocker / "spool")
    assert not store.write("traces", b"lost")
    assert "cannot write to the spool" in caplog.text
    assert "cannot update" in caplog.text


def test_claims_of_dead_processes_and_half_written_files_are_recovered(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    store.write("traces", b"claimed by a process that died")
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(dead.stdout)
    batch = store.claim_next()
    assert batch is not None
    os.replace(batch.path, batch.path.with_name(f"{batch.path.name.rsplit('.', 1)[0]}.{dead_pid}"))
    (tmp_path / "ready" / f".tmp-0001-{dead_pid}-abcd.traces").write_bytes(b"half")
    (tmp_path / "ready" / f".tmp-0002-{os.getpid()}-abcd.traces").write_bytes(b"in progress")
    (tmp_path / "ready" / ".tmp-garbage").write_bytes(b"no writer can be told from this name")
    assert store.recover_stale_claims() == 1
    recovered = store.claim_next()
    assert recovered is not None
    assert recovered.read() == b"claimed by a process that died"
    leftovers = sorted(p.name for p in (tmp_path / "ready").iterdir())
    assert leftovers == [f".tmp-0002-{os.getpid()}-abcd.traces"]  # a live writer's file stays


def test_claims_of_live_processes_are_left_alone(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    store.write("traces", b"mine")
    assert store.claim_next() is not None
    assert store.recover_stale_claims() == 0


_CLAIM_ALL = """
import sys
from pathlib import Path
from automagik_telemetry.spool.store import SpoolStore
store = SpoolStore(Path(sys.argv[1]), max_bytes=1 << 30, max_age=3600)
while (batch := store.claim_next()) is not None:
    print(batch.read().hex(), flush=True)
    batch.done()
"""


def test_several_processes_never_get_the_same_batch(tmp_path: Path) -> None:
    store = store_at(tmp_path, max_bytes=100 * MB)
    for index in range(400):
        store.write("traces", index.to_bytes(4, "big"))
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _CLAIM_ALL, str(tmp_path)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    everything = [line for worker in workers for line in worker.communicate(timeout=120)[0].split()]
    assert len(everything) == 400
    assert len(set(everything)) == 400


def test_a_writer_killed_mid_write_leaves_nothing_that_replays(tmp_path: Path) -> None:
    """SIGKILL a process that writes big batches in a loop; every file left is whole."""
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from automagik_telemetry.spool.store import SpoolStore
        store = SpoolStore(Path({str(tmp_path)!r}), max_bytes=1 << 40, max_age=3600)
        print("ready", flush=True)
        while True:
            store.write("traces", b"x" * (4 << 20))
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == b"ready"
    time.sleep(0.5)
    child.send_signal(signal.SIGKILL)
    child.wait()
    store = store_at(tmp_path, max_bytes=1 << 40)
    store.recover_stale_claims()
    whole = 0
    while (batch := store.claim_next()) is not None:
        assert batch.read() == b"x" * (4 << 20)
        batch.done()
        whole += 1
    assert whole >= 1
    assert [p for p in (tmp_path / "ready").iterdir() if p.name.startswith(".tmp-")] == []


def test_claimed_batch_helpers_tolerate_files_removed_underneath(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    ghost = ClaimedBatch(store, tmp_path / "claimed" / "0-1-x.traces.1", "traces", 0)
    ghost.release()
    ghost.done()
    ghost.quarantine("gone")
    assert store.stats().batches == 0
