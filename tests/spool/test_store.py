"""The spool directory: atomic writes, integrity, claims across processes, budgets."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from automagik_telemetry.spool import store as store_module
from automagik_telemetry.spool.store import (
    CLAIM_EXPIRY,
    HEADER_SIZE,
    ClaimedBatch,
    CorruptBatchError,
    SpoolStore,
)

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
    assert not store.write("traces", b"lost too")
    assert "cannot write to the spool" in caplog.text
    assert len(caplog.records) == 1  # one clear line with the cause, not one per batch
    assert not store.usable
    assert store.problem is not None
    assert "Not a directory" in store.problem
    # stats.json cannot be written either: the count is kept in memory for `status`
    assert store.unsaved_drops == {"write_failed": {"batches": 2, "bytes": 2 * HEADER_SIZE + 12}}
    assert store.claim_next() is None  # reading an unusable spool never raises
    assert store.recover_stale_claims() == 0
    assert store.purge("consent_revoked") == 0


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


# -- private files, liveness that survives pid reuse, counters across processes ---------------


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o077, 0o777])
def test_spool_directories_are_0700_and_files_0600_whatever_the_umask(
    tmp_path: Path, umask: int
) -> None:
    old = os.umask(umask)
    try:
        store = store_at(tmp_path / "cache" / "spool" / "svc" / "otlp-x", max_bytes=3 * 1100)
        for index in range(4):  # over budget: stats.json is written too
            store.write("traces", bytes([index]) * 1000)
        assert store.claim_next() is not None  # claimed/ and owners/ with a lock file
        store.keep_claimed("logs", b"in flight")
    finally:
        os.umask(old)
    made = list((tmp_path / "cache").rglob("*"))
    assert {path.name for path in made} >= {"ready", "claimed", "owners", "stats.json"}
    for path in made:
        mode = path.stat().st_mode & 0o777
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
    assert (tmp_path / "cache").stat().st_mode & 0o777 == 0o700


def test_an_existing_spool_open_to_others_is_closed_but_never_opened_up(tmp_path: Path) -> None:
    (tmp_path / "ready").mkdir(mode=0o755)
    os.chmod(tmp_path / "ready", 0o755)  # noqa: S103 - an old spool open to others
    store = store_at(tmp_path)
    assert store.prepare()
    assert (tmp_path / "ready").stat().st_mode & 0o777 == 0o700
    os.chmod(tmp_path / "ready", 0o500)  # made read-only on purpose: stays so
    store.prepare()
    assert (tmp_path / "ready").stat().st_mode & 0o777 == 0o500


_CLAIM_AND_HANG = """
import sys, time
from pathlib import Path
from automagik_telemetry.spool.store import SpoolStore
store = SpoolStore(Path(sys.argv[1]), max_bytes=1 << 30, max_age=3600)
batch = store.claim_next()
print(batch.path.name, flush=True)
time.sleep(60)
"""


def _claim_in_a_process_then_kill_it(directory: Path, prefix: list[str]) -> str:
    child = subprocess.Popen(
        [*prefix, sys.executable, "-c", _CLAIM_AND_HANG, str(directory)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    claimed = child.stdout.readline().strip()
    child.send_signal(signal.SIGKILL)
    child.wait()
    return claimed


def test_a_claim_of_a_killed_process_is_recovered_while_it_lives_on(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    store.write("traces", b"held by a process that was killed")
    claimed = _claim_in_a_process_then_kill_it(tmp_path, [])
    assert (tmp_path / "claimed" / claimed).exists()
    assert store.recover_stale_claims() == 1
    batch = store.claim_next()
    assert batch is not None
    assert batch.read() == b"held by a process that was killed"
    assert batch.batch_id == claimed.rpartition(".")[0]  # the same id across claims
    assert list((tmp_path / "owners").iterdir()) == [  # the dead owner's lock file is gone
        tmp_path / "owners" / f"{batch.path.name.rpartition('.')[2]}.lock"
    ]


def _pid_namespaces() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "--pid", "--fork", "true"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not _pid_namespaces(), reason="needs pid namespaces (unshare, root)")
def test_a_claim_of_pid_1_killed_and_restarted_as_pid_1_is_recovered(tmp_path: Path) -> None:
    """A container's app runs as pid 1, is SIGKILLed while it holds a claim and comes back as
    pid 1: a liveness test by pid would see its own pid and keep the claim for good."""
    store = store_at(tmp_path)
    store.write("traces", b"claimed by pid 1")
    pid_1 = ["unshare", "--pid", "--fork", "--kill-child"]
    claimed = _claim_in_a_process_then_kill_it(tmp_path, pid_1)
    assert claimed.rpartition(".")[2].startswith("1x")  # it was pid 1
    recover = (
        "import sys, os; from pathlib import Path; "
        "from automagik_telemetry.spool.store import SpoolStore; "
        "assert os.getpid() == 1; "
        "store = SpoolStore(Path(sys.argv[1]), max_bytes=1 << 30, max_age=3600); "
        "print(store.recover_stale_claims())"
    )
    again = subprocess.run(
        [*pid_1, sys.executable, "-c", recover, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert again.stdout.strip() == "1"
    batch = store.claim_next()
    assert batch is not None
    assert batch.read() == b"claimed by pid 1"


def test_a_claim_held_past_the_expiry_is_returned_even_if_its_owner_lives(
    tmp_path: Path,
) -> None:
    store = store_at(tmp_path)
    store.write("traces", b"abandoned")
    child = subprocess.Popen(
        [sys.executable, "-c", _CLAIM_AND_HANG, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        claimed = tmp_path / "claimed" / child.stdout.readline().strip()
        assert store.recover_stale_claims() == 0  # alive and recent: left alone
        old = time.time() - CLAIM_EXPIRY - 10
        os.utime(claimed, (old, old))
        assert store.recover_stale_claims() == 1
    finally:
        child.kill()
        child.wait()
    assert store.stats().batches == 1


def test_leftovers_of_writers_are_removed_by_age_even_if_their_pid_was_reused(
    tmp_path: Path,
) -> None:
    store = store_at(tmp_path)
    store.prepare()
    leftover = tmp_path / "ready" / f".tmp-0001-{os.getpid()}-abcd.traces"
    leftover.write_bytes(b"half")
    store.recover_stale_claims()
    assert leftover.exists()  # a live writer's file (ours) stays
    old = time.time() - CLAIM_EXPIRY - 10
    os.utime(leftover, (old, old))
    store.recover_stale_claims()
    assert not leftover.exists()


_OVERFLOW = """
import sys
from pathlib import Path
from automagik_telemetry.spool.store import SpoolStore
store = SpoolStore(Path(sys.argv[1]), max_bytes=20 * 1100, max_age=3600)
for index in range(300):
    store.write("traces", b"x" * 1000)
"""


def test_drop_counters_are_exact_with_four_processes_sharing_the_spool(tmp_path: Path) -> None:
    """Before: a read-modify-write of stats.json without a lock lost 483-523 counts here."""
    workers = [subprocess.Popen([sys.executable, "-c", _OVERFLOW, str(tmp_path)]) for _ in range(4)]
    assert [worker.wait(120) for worker in workers] == [0, 0, 0, 0]
    store = store_at(tmp_path, max_bytes=20 * 1100)
    stats = store.stats()
    assert stats.batches + stats.dropped["over_budget"]["batches"] == 1200


def test_a_spool_that_cannot_be_claimed_from_reports_and_returns_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = store_at(tmp_path)
    store.write("traces", b"waiting")
    (tmp_path / "owners").write_text("in the way")  # no owner lock can be taken
    assert store.claim_next() is None
    assert store.problem is not None
    assert "cannot claim from the spool" in caplog.text
    (tmp_path / "owners").unlink()
    (tmp_path / "claimed").rmdir()
    (tmp_path / "claimed").write_text("in the way")  # the claim cannot be renamed there
    assert store.claim_next() is None
    assert store.stats().batches == 1  # still there, nothing lost


def test_stats_that_cannot_be_written_are_kept_in_memory_and_reported_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = store_at(tmp_path, max_bytes=100)
    store.prepare()
    (tmp_path / "stats.lock").mkdir()  # the counters' lock cannot be opened
    assert not store.write("traces", b"x" * 200)
    assert "cannot update" in caplog.text
    assert store.unsaved_drops == {"too_large": {"batches": 1, "bytes": HEADER_SIZE + 200}}


def test_a_claim_whose_owner_left_no_lock_file_is_recovered(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    store.write("traces", b"orphan")
    claimed = _claim_in_a_process_then_kill_it(tmp_path, [])
    owner = claimed.rpartition(".")[2]
    (tmp_path / "owners" / f"{owner}.lock").unlink()
    assert store.recover_stale_claims() == 1
    assert not store_module._older_than(tmp_path / "gone", 0)  # a file that vanished: not old
