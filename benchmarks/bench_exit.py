"""What a bad endpoint costs a short CLI run, and whether its data arrives once the endpoint heals.

A 20-line tool (``configure_automagik``, ``track_event``, one span, exit) runs in fresh
interpreters, interleaved, against: a healthy loopback OTLP receiver, a closed port (refused)
and a port that accepts connections and never answers (a black hole). Medians of wall time;
the target is that a refused or black-holed endpoint adds <= 100 ms to a healthy run (issue 10).
Then both bad endpoints heal (a receiver starts on their ports), the tool runs once more against
each, and the spans of every earlier run are counted as they arrive (target: all, within 30 s,
each once). Also: how long the detached sender's imports take in a fresh interpreter.

Run: ``.venv/bin/python benchmarks/bench_exit.py [--rounds 7]``
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.otlp_receiver import OTLPReceiver

TOOL = """
import sys
from opentelemetry import trace
from automagik_telemetry import configure_automagik, track_event
configure_automagik(enabled=True, service_name="bench-tool", endpoint=sys.argv[1],
                    spool_dir=sys.argv[2])
track_event("command.run", {"command": "build"})
with trace.get_tracer("tool").start_as_current_span(sys.argv[3]):
    pass
"""

SENDER_IMPORTS = (
    "import automagik_telemetry.spool.sender, automagik_telemetry.spool.replay, "
    "automagik_telemetry.exporters.otlp, automagik_telemetry.consent.runtime"
)


def run(endpoint: str, spool: Path, name: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", TOOL, endpoint, str(spool), name], check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-exit-"))
    os.environ.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"))
    os.environ.update(XDG_CACHE_HOME=str(home / "cache"))
    healthy = OTLPReceiver().start()
    hole = socket.socket()
    hole.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    hole.bind(("127.0.0.1", 0))
    hole.listen(128)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        refused_port = probe.getsockname()[1]
    endpoints = {
        "healthy": healthy.url,
        "refused": f"http://127.0.0.1:{refused_port}",
        "black hole": f"http://127.0.0.1:{hole.getsockname()[1]}",
    }
    times: dict[str, list[float]] = {kind: [] for kind in endpoints}
    for index in range(args.rounds):
        for kind, endpoint in endpoints.items():
            name = f"{kind}-{index}"
            times[kind].append(run(endpoint, home / kind.replace(" ", "-"), name))
    medians = {kind: statistics.median(values) * 1000 for kind, values in times.items()}
    results: dict[str, object] = {
        f"{kind} run (median ms)": round(value, 1) for kind, value in medians.items()
    }
    for kind in ("refused", "black hole"):
        results[f"{kind}: added to a healthy run (ms)"] = round(medians[kind] - medians["healthy"])

    hole.close()  # both bad endpoints heal
    healed = {
        kind: OTLPReceiver().start(int(endpoints[kind].rsplit(":", 1)[1]))
        for kind in ("refused", "black hole")
    }
    started = time.monotonic()
    for kind, receiver in healed.items():
        run(receiver.url, home / kind.replace(" ", "-"), f"{kind}-healed")
    for kind, receiver in healed.items():
        expected = {f"{kind}-{index}" for index in range(args.rounds)}
        while time.monotonic() - started < 30:
            got = Counter(span.name for _, span in receiver.spans())
            if expected <= set(got):
                break
            time.sleep(0.1)
        got = Counter(span.name for _, span in receiver.spans())
        results[f"{kind}: earlier runs' spans arrived after healing"] = (
            f"{len(expected & set(got))}/{len(expected)} in "
            f"{time.monotonic() - started:.1f}s, max copies {max(got.values(), default=0)}"
        )
    imports = []
    for _ in range(args.rounds):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", SENDER_IMPORTS], check=True)
        imports.append(time.perf_counter() - began)
    bare = []
    for _ in range(args.rounds):
        began = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare.append(time.perf_counter() - began)
    results["sender start: interpreter + its imports (median ms)"] = round(
        statistics.median(imports) * 1000
    )
    results["bare interpreter (median ms)"] = round(statistics.median(bare) * 1000)
    print(json.dumps(results, indent=2))
    for receiver in (healthy, *healed.values()):
        receiver.stop()


if __name__ == "__main__":
    main()
