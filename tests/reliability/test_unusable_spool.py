"""A spool that cannot be used never diverts live traffic (before: 0 of 5,000 spans arrived
with a read-only spool directory, one traceback, and `status` said nothing)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.conftest import all_once, arrived, produce, reliable, wait_until
from tests.support.otlp_receiver import OTLPReceiver


@pytest.fixture(params=["read-only", "a file in the way"])
def unusable_dir(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "spool"
    if request.param == "a file in the way":
        path.write_text("not a directory")
        yield path
        return
    path.mkdir()
    if os.geteuid() != 0:
        path.chmod(0o500)
        yield path
        path.chmod(0o700)
        return
    # root writes through permission bits: a read-only file system it is
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot make a read-only directory as root here")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=False)


def test_live_delivery_goes_on_and_status_says_why_nothing_can_be_kept(
    receiver: OTLPReceiver, unusable_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    handle = reliable(receiver, unusable_dir)
    names = produce("live", 5000)
    assert handle.force_flush(30)
    assert wait_until(lambda: all_once(arrived(receiver), names))
    status = handle.status()
    (spool,) = status.spool.values()
    assert spool["problem"]
    assert "not usable:" in status.render()
    spool_lines = [record for record in caplog.records if "spool" in record.getMessage()]
    assert len(spool_lines) == 1  # one clear warning with its cause

    receiver.stop()  # now the backend is down too: what cannot be kept is counted
    produce("lost", 100)
    handle.force_flush(10)
    (spool,) = handle.status().spool.values()
    assert spool["dropped"]["write_failed"]["batches"] >= 1


def test_a_run_with_an_unusable_spool_exits_on_time_and_delivers(
    receiver: OTLPReceiver, unusable_dir: Path
) -> None:
    script = textwrap.dedent(
        f"""
        from opentelemetry import trace
        from automagik_telemetry import configure_automagik
        configure_automagik(enabled=True, service_name="ro", endpoint={receiver.url!r},
                            spool_dir={str(unusable_dir)!r})
        tracer = trace.get_tracer("t")
        for index in range(5000):
            tracer.start_span(f"ro-{{index}}").end()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 1
    names = [f"ro-{index}" for index in range(5000)]
    assert wait_until(lambda: all_once(arrived(receiver), names))
