"""The detached sender's loop, run in this process against a real receiver and a real spool
(the tests in tests/reliability/test_exit_handoff.py run it as the detached process it is)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from automagik_telemetry.config import TelemetryConfig
from automagik_telemetry.spool import sender as sender_module
from automagik_telemetry.spool.files import is_held, try_lock
from automagik_telemetry.spool.handoff import (
    SENDER_LOCK,
    config_to_json,
    nudge,
    start_sender,
)
from automagik_telemetry.spool.layout import purge_spools
from automagik_telemetry.spool.sender import Sender
from automagik_telemetry.spool.store import SpoolStore
from tests.spool.test_replay import spans_payload
from tests.support.otlp_receiver import OTLPReceiver, Received, running_receiver


def make_sender(
    directory: Path, endpoint: str, *, lifetime: float = 10.0, started_ns: int | None = None
) -> Sender:
    config = TelemetryConfig(
        enabled=True,
        endpoint=endpoint,
        retry_initial_backoff=5.0,
        retry_max_backoff=5.0,
        timeout=2.0,
    )
    lock = try_lock(directory / SENDER_LOCK)
    assert lock is not None
    return Sender.from_request(
        {
            "directory": str(directory),
            "backend": "otlp",
            "lock_fd": lock,
            "lifetime": lifetime,
            "started_ns": time.time_ns() if started_ns is None else started_ns,
            "settings": config_to_json(config),
            "sources": dict(config.sources),
        }
    )


def store_in(tmp_path: Path) -> tuple[Path, SpoolStore]:
    directory = tmp_path / "svc" / "otlp-x"
    store = SpoolStore(directory, max_bytes=10**7, max_age=3600)
    store.prepare()
    return directory, store


def test_it_delivers_everything_then_lets_go_of_its_lock(
    tmp_path: Path, receiver: OTLPReceiver
) -> None:
    directory, store = store_in(tmp_path)
    store.write("traces", spans_payload("a", "b"))
    store.write("traces", spans_payload("c"))
    sender = make_sender(directory, receiver.url)
    sender.run()
    assert sorted(span.name for _, span in receiver.spans()) == ["a", "b", "c"]
    assert store.stats().batches == 0
    assert not is_held(directory / SENDER_LOCK)


def test_a_batch_written_after_it_emptied_the_spool_is_not_stranded(
    tmp_path: Path, receiver: OTLPReceiver
) -> None:
    directory, store = store_in(tmp_path)
    sender = make_sender(directory, receiver.url)
    store.write("traces", spans_payload("late"))  # after the drain found nothing
    assert sender._another_round()  # it takes the lock back and goes on
    assert is_held(directory / SENDER_LOCK)
    assert sender._drain()
    assert not sender._another_round()
    assert [span.name for _, span in receiver.spans()] == ["late"]


def test_when_another_sender_took_over_it_leaves(tmp_path: Path) -> None:
    directory, store = store_in(tmp_path)
    sender = make_sender(directory, "http://127.0.0.1:9")
    sender._unlock()
    other = try_lock(directory / SENDER_LOCK)
    store.write("traces", spans_payload("theirs"))
    assert not sender._another_round()
    assert other is not None


def test_a_nudge_cuts_its_backoff_short(tmp_path: Path) -> None:
    directory, store = store_in(tmp_path)
    store.write("traces", spans_payload("soon"))
    first = {"refused": True}

    def once_unavailable(_: Received) -> tuple[int, dict[str, str], bytes] | None:
        if first["refused"]:
            first["refused"] = False
            return 503, {}, b"busy"
        return None

    with running_receiver(behaviour=once_unavailable) as receiver:
        sender = make_sender(directory, receiver.url)
        started = time.monotonic()
        subprocess.Popen(  # a program exiting meanwhile (backoff is 5 s)
            [
                sys.executable,
                "-c",
                f"import time; time.sleep(0.5); open({str(directory / 'nudge')!r}, 'w')",
            ]
        )
        sender.run()
        assert time.monotonic() - started < 4.0
        assert [span.name for _, span in receiver.spans()] == ["soon"]


def test_its_lifetime_is_bounded(tmp_path: Path) -> None:
    directory, store = store_in(tmp_path)
    store.write("traces", spans_payload("waits"))
    sender = make_sender(directory, "http://127.0.0.1:9", lifetime=0.5)
    started = time.monotonic()
    sender.run()
    assert time.monotonic() - started < 3.0
    assert store.stats().batches == 1  # kept for the next run


def test_a_start_without_consent_after_it_began_makes_it_delete(tmp_path: Path) -> None:
    directory, store = store_in(tmp_path)
    store.write("traces", spans_payload("private"))
    began = time.time_ns()  # the sender started, then a later start with DO_NOT_TRACK:
    purge_spools(tmp_path, "svc", "consent_revoked")
    store.write("traces", spans_payload("written before the purge reached it"))
    with running_receiver() as receiver:
        make_sender(directory, receiver.url, started_ns=began).run()
        assert receiver.connections == 0
    assert store.stats().batches == 0


def test_it_waits_for_the_claims_of_the_program_that_is_still_exiting(
    tmp_path: Path, receiver: OTLPReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory, store = store_in(tmp_path)
    store.write("traces", spans_payload("held by the exiting program"))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from automagik_telemetry.spool.store import SpoolStore; "
            "s = SpoolStore(Path(sys.argv[1]), max_bytes=10**7, max_age=3600); "
            "s.claim_next(); print('claimed', flush=True); time.sleep(0.5)",
            str(directory),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "claimed"
    monkeypatch.setattr(sender_module, "_CLAIMS_WAIT", 20.0)
    make_sender(directory, receiver.url).run()  # returns once the holder is gone
    holder.wait()
    assert [span.name for _, span in receiver.spans()] == ["held by the exiting program"]


def test_starting_a_sender_where_it_cannot_lock_reports_and_returns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert not start_sender(blocker / "dir", "otlp", TelemetryConfig())
    assert "cannot start the telemetry sender" in caplog.text


def test_a_nudge_creates_the_file_once_then_touches_it(tmp_path: Path) -> None:
    nudge(tmp_path)
    first = (tmp_path / "nudge").stat().st_mtime_ns
    time.sleep(0.01)
    nudge(tmp_path)
    assert (tmp_path / "nudge").stat().st_mtime_ns >= first
    assert (tmp_path / "nudge").stat().st_mode & 0o777 == 0o600


def test_a_directory_it_cannot_claim_from_makes_it_leave_not_spin(tmp_path: Path) -> None:
    directory, store = store_in(tmp_path)
    store.write("traces", spans_payload("stuck"))
    (directory / "claimed").rmdir()
    (directory / "claimed").write_text("in the way")
    (directory / "ready" / "0-1-x.unknown").write_text("")  # not a batch: no reason to go on
    sender = make_sender(directory, "http://127.0.0.1:9", lifetime=30.0)
    started = time.monotonic()
    sender.run()
    assert time.monotonic() - started < 5.0
    assert len(list((directory / "ready").glob("*.traces"))) == 1  # kept for a later run
