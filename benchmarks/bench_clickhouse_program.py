"""End to end from a user's program: span creation to rows visible, embedded store vs stock OTLP.

    python benchmarks/bench_clickhouse_program.py [--spans 30000] [--rounds 5]

Each run is a fresh interpreter playing a user's program: it creates ``--spans`` realistic
HTTP server spans (7 attributes: method, route, full URL, user agent, status code, port, a note)
in a loop, then waits until they are stored. The clock starts before the first span (the
telemetry set up: the SDK's provider and exporter, or ``configure_automagik()``, whose store
keeps starting on a background thread while the spans are made) and stops when the data is
visible. A second clock, the whole program's, starts before the first telemetry import on both
sides (start-up included: importing the SDK and the exporter, or our package and its engine;
opening the store).

- **ours**: ``configure_automagik(backend="clickhouse", clickhouse_url="chdb://...")`` (consent,
  privacy, the compact queue, the durable spool); stops when ``SELECT count()`` on the store sees
  every row;
- **stock**: the stock SDK (``BatchSpanProcessor`` + ``OTLPSpanExporter``, protobuf over HTTP)
  to a loopback receiver in another process that decodes every request, as a collector would;
  stops when the receiver has counted every span.

Runs are interleaved (ours, stock, stock, ours, ...) so load on the machine hits both; the
figure is the median ratio stock time / our time. It also reports the share of our time spent
on the app thread (creating the spans, with privacy) against waiting for the writes, and the
CPU each program's process used (all its threads): on a machine whose cores are busy with
other work, wall time follows CPU time, so that ratio says what the wall ratio tends to.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0"
ROUTES = ("/api/v1/tasks", "/api/v1/tasks/{id}", "/api/v1/agents", "/health", "/api/v1/runs/{id}")


def user_program(count: int) -> float:
    """What a user's program does: spans with 7 attributes, in a loop. Seconds taken."""
    from opentelemetry import trace

    tracer = trace.get_tracer("bench.app", "1.0")
    start = time.perf_counter()
    for index in range(count):
        route = ROUTES[index % len(ROUTES)]
        path = route.replace("{id}", str(index % 997))
        with tracer.start_as_current_span(f"GET {route}", kind=trace.SpanKind.SERVER) as span:
            span.set_attribute("http.request.method", "GET")
            span.set_attribute("http.route", route)
            span.set_attribute("url.full", f"https://forge.example.com{path}?page={index % 7}")
            span.set_attribute("user_agent.original", USER_AGENT)
            span.set_attribute("http.response.status_code", 200 if index % 50 else 500)
            span.set_attribute("server.port", 443)
            span.set_attribute("note", "served from cache" if index % 3 else "cache miss")
    return time.perf_counter() - start


def child_ours(count: int, *, scrub: bool = True) -> dict[str, float]:
    store = tempfile.mkdtemp(prefix="bench-program-")
    start = time.perf_counter()  # before any telemetry import: the whole program's clock
    from automagik_telemetry import configure_automagik

    spooled = _count_spooled_batches()
    if not scrub:
        _skip_scrubbing()
    handle = configure_automagik(
        enabled=True,
        service_name="bench-app",
        backend="clickhouse",
        clickhouse_url=f"chdb://{store}",
        spool_dir=Path(store) / "spool",
    )
    begin = time.perf_counter()  # the first span: the clock
    configured = begin - start
    app = user_program(count)
    loop_end = time.perf_counter()
    handle.force_flush(120)
    # A SELECT on the store, through chDB's engine connection, the one the exporter uses (already
    # loaded: the reader costs nothing of its own). clickhouse-connect's client would add its
    # import, ~0.3 s, to our side of the clock, and ``chdb.connect``'s wrapper its pyarrow
    # import, ~0.1 s: the cost of this reader, not of storing the rows.
    from chdb import _chdb

    reader = _chdb.connect(store)  # type: ignore[attr-defined]
    while int(reader.query("SELECT count() FROM default.otel_traces", "CSV").bytes()) < count:
        time.sleep(0.005)
    end = time.perf_counter()
    cpu = time.process_time()
    handle.shutdown()
    return {
        "total": end - begin,
        "whole": end - start,
        "app": app,
        "cpu": cpu,
        "configure": configured,
        "after": end - loop_end,
        "spooled": len(spooled),
    }


def _count_spooled_batches() -> list[str]:
    """Diagnosis: the batches that went to the spool instead of straight to the store (each
    costs an OTLP encoding, a file, a protobuf decoding and the slower row path)."""
    from automagik_telemetry.spool.spool import Spool

    spooled: list[str] = []
    put = Spool.put

    def counting(self: Spool, signal: str, payload: bytes) -> bool:
        spooled.append(signal)
        return put(self, signal, payload)

    Spool.put = counting  # type: ignore[method-assign]
    return spooled


def _skip_scrubbing() -> None:
    """Diagnosis only (``--diagnose-without-scrubbing``): spans go to the queue unscrubbed, to
    show the privacy engine's share of the time. Never a figure to quote as ours."""
    from automagik_telemetry.privacy.spans import PrivacySpanProcessor

    def unscrubbed(self: PrivacySpanProcessor, span: Any) -> None:
        self.next_processor.on_end(span)

    PrivacySpanProcessor.on_end = unscrubbed  # type: ignore[method-assign]


def child_stock(count: int, port: int) -> dict[str, float]:
    start = time.perf_counter()  # before any telemetry import: the whole program's clock
    from opentelemetry import trace
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": "bench-app"}))
    exporter = OTLPSpanExporter(endpoint=f"http://127.0.0.1:{port}/v1/traces")
    # a queue as deep as ours (32,768), so the stock SDK drops none of the burst either
    provider.add_span_processor(BatchSpanProcessor(exporter, max_queue_size=32_768))
    trace.set_tracer_provider(provider)
    begin = time.perf_counter()  # the first span: the clock
    app = user_program(count)
    provider.force_flush(120_000)
    while _received(port) < count:
        time.sleep(0.005)
    end = time.perf_counter()
    cpu = time.process_time()
    provider.shutdown()
    return {"total": end - begin, "whole": end - start, "app": app, "cpu": cpu}


def _received(port: int) -> int:
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/count") as answer:
        return int(answer.read())


class _Receiver(http.server.BaseHTTPRequestHandler):
    """Decodes every request, as a collector would, and counts spans (GET /count, /reset)."""

    protocol_version = "HTTP/1.1"
    spans = 0

    def do_POST(self) -> None:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
        )

        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        request = ExportTraceServiceRequest.FromString(body)
        resources = request.resource_spans
        _Receiver.spans += sum(len(scope.spans) for r in resources for scope in r.scope_spans)
        self._reply(b"")

    def do_GET(self) -> None:
        if self.path == "/reset":
            _Receiver.spans = 0
        self._reply(str(_Receiver.spans).encode())

    def _reply(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve(port: int) -> None:
    http.server.ThreadingHTTPServer(("127.0.0.1", port), _Receiver).serve_forever()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_child(kind: str, count: int, port: int, extra: Sequence[str] = ()) -> dict[str, float]:
    arguments = ("--child", kind, "--spans", str(count), "--port", str(port), *extra)
    return run_script(__file__, arguments)


def run_script(script: str, arguments: Sequence[str]) -> dict[str, float]:
    """``script`` in a fresh interpreter, without our or OTel's settings from the environment;
    the JSON object on its last line of output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOMAGIK_", "OTEL_"))}
    result = subprocess.run(
        [sys.executable, script, *arguments],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=600,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def measure(count: int, rounds: int, *, scrub: bool = True) -> dict[str, Any]:
    """Interleaved fresh-interpreter runs; the per-round ratios and their median."""
    port = _free_port()
    receiver = subprocess.Popen([sys.executable, __file__, "--serve", str(port)])
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _received(port)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        ratios, whole_ratios, ours_app_share, cpu_ratios = [], [], [], []
        for round_ in range(rounds):
            order = ("ours", "stock") if round_ % 2 == 0 else ("stock", "ours")
            times: dict[str, dict[str, float]] = {}
            for kind in order:
                _received_reset(port)
                extra = () if scrub or kind == "stock" else ("--diagnose-without-scrubbing",)
                times[kind] = run_child(kind, count, port, extra)
            ratio = times["stock"]["total"] / times["ours"]["total"]
            ratios.append(ratio)
            whole = times["stock"]["whole"] / times["ours"]["whole"]
            whole_ratios.append(whole)
            ours_app_share.append(times["ours"]["app"] / times["ours"]["total"])
            cpu_ratios.append(times["stock"]["cpu"] / times["ours"]["cpu"])
            ours = times["ours"]
            print(
                f"  round {round_ + 1}: stock {times['stock']['total']:.2f} s "
                f"(app loop {times['stock']['app']:.2f} s, CPU {times['stock']['cpu']:.2f} s), "
                f"ours {times['ours']['total']:.2f} s (app loop {times['ours']['app']:.2f} s, "
                f"CPU {times['ours']['cpu']:.2f} s): {ratio:.2f}x; whole program (imports and "
                f"set-up too) stock {times['stock']['whole']:.2f} s, ours {ours['whole']:.2f} s: "
                f"{whole:.2f}x\n"
                f"           ours: configure {ours['configure']:.2f} s, after the loop until "
                f"the rows are visible {ours['after']:.2f} s, batches spooled "
                f"{ours['spooled']:.0f}",
                flush=True,
            )
        return {
            "ratios": ratios,
            "median": statistics.median(ratios),
            "whole_ratios": whole_ratios,
            "whole_median": statistics.median(whole_ratios),
            "app_share": statistics.median(ours_app_share),
            "cpu_median": statistics.median(cpu_ratios),
        }
    finally:
        receiver.terminate()


def _received_reset(port: int) -> None:
    import urllib.request

    urllib.request.urlopen(f"http://127.0.0.1:{port}/reset").read()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", choices=("ours", "stock"))
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--serve", type=int)
    parser.add_argument(
        "--diagnose-without-scrubbing",
        action="store_true",
        help="diagnosis only: our spans skip the privacy engine, to show its share of the time "
        "(never a figure to quote: the package always scrubs)",
    )
    args = parser.parse_args()
    scrub = not args.diagnose_without_scrubbing
    if args.serve:
        serve(args.serve)
        return 0
    if args.child == "ours":
        print(json.dumps(child_ours(args.spans, scrub=scrub)))
        return 0
    if args.child == "stock":
        print(json.dumps(child_stock(args.spans, args.port)))
        return 0
    print(f"{args.spans:,} spans from a user's program, end to end ({args.rounds} rounds)")
    if not scrub:
        print("DIAGNOSIS ONLY: our spans are NOT scrubbed in this run (privacy's share)")
    result = measure(args.spans, args.rounds, scrub=scrub)
    print(
        f"ratio stock/ours from the first span: median {result['median']:.2f}x "
        f"(min {min(result['ratios']):.2f}x, max {max(result['ratios']):.2f}x); whole program "
        f"(imports and set-up too): median {result['whole_median']:.2f}x "
        f"(min {min(result['whole_ratios']):.2f}x, max {max(result['whole_ratios']):.2f}x); "
        f"our app loop is {result['app_share']:.0%} of our end-to-end time; CPU of the "
        f"program's process (all threads, the embedded engine's included; not the stock "
        f"receiver's decoding) stock/ours: median {result['cpu_median']:.2f}x"
    )
    return 0


if __name__ == "__main__":
    threading.current_thread().name = "bench"
    sys.exit(main())
