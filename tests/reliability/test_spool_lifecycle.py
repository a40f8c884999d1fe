"""The spool across process lifetimes and consent changes."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from automagik_telemetry import ConsentLevel, configure_automagik
from automagik_telemetry.cli import main as cli
from automagik_telemetry.consent import ConsentStore
from automagik_telemetry.spool.decode import decode_spans
from automagik_telemetry.spool.layout import spooled_stats
from automagik_telemetry.spool.store import SpoolStore
from tests.reliability.conftest import all_once, arrived, produce, reliable, wait_until
from tests.support.otlp_receiver import OTLPReceiver, Received, running_receiver


def spooled_batches(spool_dir: Path) -> int:
    return sum(stats.batches for stats in spooled_stats(spool_dir, "reliability").values())


def test_opting_out_deletes_what_was_spooled_and_sends_none_of_it(
    receiver: OTLPReceiver, spool_dir: Path
) -> None:
    ConsentStore().write_preference(ConsentLevel.ALL, via="test")
    receiver.stop()
    handle = reliable(receiver, spool_dir, enabled=None)
    produce("private", 500)
    handle.force_flush(10)
    assert spooled_batches(spool_dir) > 0

    assert cli(["opt-out"]) == 0
    assert wait_until(lambda: spooled_batches(spool_dir) == 0, timeout=5)
    receiver.restart()
    time.sleep(0.5)
    assert arrived(receiver) == {}
    (spool,) = handle.status().spool.values()
    assert spool["dropped"]["consent_revoked"]["batches"] > 0


@pytest.mark.parametrize(
    ("env", "purged"),
    [
        ({"DO_NOT_TRACK": "1"}, True),
        ({"AUTOMAGIK_TELEMETRY_ENABLED": "0"}, True),
        ({"CI": "1"}, False),
    ],
)
def test_a_start_without_consent_deletes_the_spool_only_if_someone_said_no(
    receiver: OTLPReceiver,
    spool_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    env: dict[str, str],
    purged: bool,
) -> None:
    store = SpoolStore(spool_dir / "reliability" / "otlp-leftover", max_bytes=10**6, max_age=3600)
    store.write("traces", b"from an earlier run")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    handle = configure_automagik(service_name="reliability", spool_dir=spool_dir)
    assert not handle.enabled
    assert (store.stats().batches == 0) is purged
    assert receiver.connections == 0


def test_what_a_hung_endpoint_kept_at_shutdown_is_sent_at_the_next_start(
    tmp_path: Path, spool_dir: Path
) -> None:
    """A long-running program flushes at exit (``exit_mode="flush"``): bounded; what could not
    be exported by then goes to the spool — the batch stuck in flight too, as the exiting
    process's claim — and the next start of the program replays it."""
    release = threading.Event()

    def stuck(_: Received) -> tuple[int, dict[str, str], bytes]:
        release.wait(30)
        return 503, {}, b""

    with running_receiver(behaviour=stuck) as hanging:
        port = hanging.port
        script = textwrap.dedent(
            f"""
            from pathlib import Path
            from opentelemetry import trace
            from automagik_telemetry import configure_automagik
            configure_automagik(
                enabled=True, service_name="reliability", endpoint="http://127.0.0.1:{port}",
                spool_dir=Path({str(spool_dir)!r}), timeout=30, shutdown_timeout=1.0,
                schedule_delay=0.05, exit_mode="flush",
            )
            tracer = trace.get_tracer("t")
            for index in range(3000):
                tracer.start_span(f"exit-{{index}}").end()
            """
        )
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-c", script], check=True, timeout=30, capture_output=True, text=True
        )
        assert time.monotonic() - started < 6
        release.set()
    kept = spooled_span_names(spool_dir)
    # Everything is kept, the batch stuck in flight included; on a loaded machine the newest
    # may not fit the 1 s deadline: those are counted and logged, never silently lost.
    dropped = re.search(r"(\d+) spans not exported before the shutdown timeout", done.stderr)
    assert len(kept) + (int(dropped.group(1)) if dropped else 0) == 3000
    assert sorted(kept) == sorted(f"exit-{index}" for index in range(len(kept)))  # oldest first
    assert len(kept) >= 512  # the batch in flight (the oldest) is among them

    receiver = OTLPReceiver().start(port)  # the same collector, back at the same address
    try:
        handle = reliable(receiver, spool_dir)
        assert wait_until(lambda: all_once(arrived(receiver), kept))
        handle.force_flush(5)
        assert max(arrived(receiver).values()) == 1
    finally:
        receiver.stop()


def spooled_span_names(spool_dir: Path) -> list[str]:
    """Every span in the spool, read through the store (each file checked whole)."""
    names: list[str] = []
    for directory in (spool_dir / "reliability").iterdir():
        store = SpoolStore(directory, max_bytes=1 << 40, max_age=3600)
        store.recover_stale_claims()  # a half-written file of a killed writer goes away
        claimed = []
        while (batch := store.claim_next()) is not None:
            names += [span.name for span in decode_spans(batch.read())]
            claimed.append(batch)
        for batch in claimed:
            batch.release()
    return names


def test_sigkill_while_writing_the_spool_then_restart(
    receiver: OTLPReceiver, spool_dir: Path
) -> None:
    receiver.stop()
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from opentelemetry import trace
        from automagik_telemetry import configure_automagik
        configure_automagik(
            enabled=True, service_name="reliability", endpoint="http://127.0.0.1:{receiver.port}",
            spool_dir=Path({str(spool_dir)!r}), schedule_delay=0.01, retry_initial_backoff=5,
        )
        tracer = trace.get_tracer("t")
        index = 0
        while True:
            tracer.start_span(f"killed-{{index}}").end()
            index += 1
            if index == 20000:
                print("spooling", flush=True)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == b"spooling"
    time.sleep(0.3)
    child.send_signal(signal.SIGKILL)
    child.wait()

    names = spooled_span_names(spool_dir)
    assert len(names) > 0
    assert len(names) == len(set(names))
    assert list((spool_dir / "reliability").rglob(".tmp-*")) == []

    receiver.restart()
    handle = reliable(receiver, spool_dir)
    assert wait_until(lambda: all_once(arrived(receiver), names))
    handle.force_flush(5)
    assert max(arrived(receiver).values()) == 1
