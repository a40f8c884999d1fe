"""No loss on a locked embedded store: a CLI run twice at once.

chDB lets one process hold a store directory; a second one gets "in use by another process"
(error 76). Its batches are not dropped: they are spooled, and written once the store is free
(here by the next run of the same program). Real processes, one real store, real files.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.support.polling import wait_until

ROOT = Path(__file__).resolve().parents[2]

_HOLDER = """
import sys, clickhouse_connect
client = clickhouse_connect.get_client(interface="chdb", path=sys.argv[1])
print("held", flush=True)
sys.stdin.readline()  # hold the store until the test says so
"""

_CLI = """
import sys
from pathlib import Path
from opentelemetry import trace
from automagik_telemetry import configure_automagik
store, spool, run, count = sys.argv[1], Path(sys.argv[2]), sys.argv[3], int(sys.argv[4])
handle = configure_automagik(
    enabled=True, service_name="twice", backend="clickhouse", clickhouse_url=f"chdb://{store}",
    clickhouse_database="cli", spool_dir=spool, schedule_delay=0.05,
    retry_initial_backoff=0.05, retry_max_backoff=0.2,
)
tracer = trace.get_tracer("cli")
for index in range(count):
    tracer.start_span(f"{run}-{index}").end()
handle.force_flush(30)
if run == "second":  # the store is free now: wait until the spool has been replayed
    import time
    deadline = time.monotonic() + 90
    while any(spool.rglob("ready/*")) and time.monotonic() < deadline:
        time.sleep(0.1)
handle.shutdown()
"""

_COUNT = """
import sys, clickhouse_connect
client = clickhouse_connect.get_client(interface="chdb", path=sys.argv[1])
print(client.command("SELECT count() FROM cli.otel_traces"),
      client.command("SELECT countIf(SpanName LIKE 'first-%') FROM cli.otel_traces"))
"""


def python(code: str, *args: str, **kwargs: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env = {k: v for k, v in env.items() if not k.startswith(("AUTOMAGIK_", "OTEL_"))}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,  # type: ignore[call-overload]
    )


def finish(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=180)
    assert process.returncode == 0, err
    return out


def test_a_second_process_spools_and_delivers_when_the_store_is_free(tmp_path: Path) -> None:
    store, spool = tmp_path / "store", tmp_path / "spool"
    holder = python(_HOLDER, str(store), stdin=subprocess.PIPE)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"

    first = finish(python(_CLI, str(store), str(spool), "first", "3000"))
    del first
    spooled = list(spool.rglob("ready/*"))
    assert spooled  # kept on disk, not dropped
    quarantine = list(spool.rglob("quarantine/*"))
    assert quarantine == []

    assert holder.stdin is not None
    holder.stdin.write("\n")
    holder.stdin.flush()
    finish(holder)

    finish(python(_CLI, str(store), str(spool), "second", "500"))
    assert wait_until(lambda: not any(spool.rglob("ready/*")), timeout=10)
    total, first_run = finish(python(_COUNT, str(store))).split()
    assert (int(total), int(first_run)) == (3500, 3000)
