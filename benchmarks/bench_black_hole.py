"""A black-holed endpoint under load (issue 11, item 2): how much is lost from memory?

The endpoint accepts TCP connections and never answers (a hung collector, a proxy that lost
its upstream). The app produces ``--spans`` spans at a steady rate over ``--seconds``, with the
default settings (``timeout`` 10 s, ``queue_size`` 32,768) and a private spool; then it flushes.
Reported: spans dropped from memory, batches and bytes in the spool, spans accounted for
(spooled + dropped = produced when nothing else went missing), and connections the black hole
saw (live attempts plus replayer probes); ``dropped_by_second`` says when the drops happened.

Run: ``.venv/bin/python benchmarks/bench_black_hole.py [--spans 200000] [--seconds 20]``
(run it with ``PYTHONPATH=<other checkout>/src`` to measure another version of the package.)
"""

from __future__ import annotations

import argparse
import json
import socket
import tempfile
import threading
import time
from pathlib import Path


def black_hole() -> tuple[int, list[int]]:
    """A listener that accepts and never answers; returns its port and a connection counter."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    seen: list[int] = []
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            conn, _ = listener.accept()
            held.append(conn)
            seen.append(1)

    threading.Thread(target=serve, daemon=True).start()
    return int(listener.getsockname()[1]), seen


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--spans", type=int, default=200_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()

    from opentelemetry import trace

    from automagik_telemetry import configure_automagik
    from automagik_telemetry.spool.layout import spooled_stats

    port, seen = black_hole()
    spool_dir = Path(tempfile.mkdtemp(prefix="bench-black-hole-"))
    handle = configure_automagik(
        enabled=True,
        service_name="black-hole",
        endpoint=f"http://127.0.0.1:{port}",
        spool_dir=spool_dir,
        metric_export_interval=3600,
    )
    tracer = trace.get_tracer("bench")
    ticks = max(1, int(args.seconds * 10))
    per_tick = args.spans // ticks
    started = time.monotonic()
    dropped_by_second: list[int] = []
    for tick in range(ticks):
        for _ in range(per_tick):
            tracer.start_span("work").end()
        if tick % 10 == 9:
            dropped_by_second.append(handle.status().queue_dropped["traces"])
        behind = started + (tick + 1) / 10 - time.monotonic()
        if behind > 0:
            time.sleep(behind)
    produced_in = time.monotonic() - started
    flushed = handle.force_flush(60)
    dropped = handle.status().queue_dropped["traces"]
    spool = spooled_stats(spool_dir, "black-hole")
    batches = sum(stats.batches for stats in spool.values())
    size = sum(stats.bytes for stats in spool.values())
    print(
        json.dumps(
            {
                "produced": per_tick * ticks,
                "produced_in_s": round(produced_in, 1),
                "flushed": flushed,
                "dropped_from_memory": dropped,
                "dropped_by_second": dropped_by_second,
                "spool_batches": batches,
                "spool_mib": round(size / 2**20, 1),
                "black_hole_connections": len(seen),
            }
        )
    )
    handle.shutdown(5)


if __name__ == "__main__":
    main()
