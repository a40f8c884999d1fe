"""Reliability figures, measured in one run against the stock SDK where there is one.

* per-span cost on the app's thread with the durable spool on a healthy backend, against the
  same pipeline without a spool (target <= 1.05x), and during an outage;
* memory held by 10,000 spans waiting for export: ours against the stock BatchSpanProcessor
  (target <= 10 MB);
* spool write and replay throughput (spans/s);
* a burst of 30,000 spans in a tight loop to a loopback OTLP receiver: how many arrive, stock
  against ours.

Each scenario runs in a fresh interpreter; the OTLP receiver is another process.
Run: ``.venv/bin/python benchmarks/bench_reliability.py [--rounds 5]``
"""

from __future__ import annotations

import argparse
import gc
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
import tracemalloc
from pathlib import Path
from typing import Any

SPANS = 20_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Receiver(http.server.BaseHTTPRequestHandler):
    """Counts spans without decoding more than needed (run in its own process)."""

    protocol_version = "HTTP/1.1"
    spans = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding") == "gzip":
            import gzip

            body = gzip.decompress(body)
        if self.path == "/v1/traces":
            from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
                ExportTraceServiceRequest,
            )

            request = ExportTraceServiceRequest.FromString(body)
            _Receiver.spans += sum(
                len(ss.spans) for rs in request.resource_spans for ss in rs.scope_spans
            )
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        payload = str(_Receiver.spans).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


def serve(port: int) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Receiver)
    server.daemon_threads = True
    server.serve_forever()


def _received(port: int) -> int:
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/count") as response:
        return int(response.read())


def _span(tracer: Any, index: int) -> None:
    with tracer.start_as_current_span("GET /api/items") as span:
        span.set_attribute("http.request.method", "GET")
        span.set_attribute("http.route", "/api/items")
        span.set_attribute("http.response.status_code", 200)
        span.set_attribute("item.id", index % 500)


def _configure(port: int, spool: bool, spool_dir: str) -> Any:
    from opentelemetry import trace

    from automagik_telemetry import configure_automagik

    handle = configure_automagik(
        service_name="bench",
        enabled=True,
        endpoint=f"http://127.0.0.1:{port}",
        spool=spool,
        spool_dir=Path(spool_dir),
        retry_initial_backoff=60,
    )
    return handle, trace.get_tracer("bench")


def per_span(port: int, spool: bool, spool_dir: str) -> float:
    handle, tracer = _configure(port, spool, spool_dir)
    for index in range(2000):
        _span(tracer, index)
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for index in range(SPANS):
            _span(tracer, index)
        best = min(best, (time.perf_counter() - started) / SPANS * 1e6)
        handle.force_flush(30)
    return best


def queued_memory(kind: str, span: Any = _span) -> float:
    """MB held by 10,000 finished spans waiting behind an exporter that never returns."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from automagik_telemetry.delivery.processors import BufferedSpanProcessor

    stuck = threading.Event()

    class Stuck:
        def export(self, batch: Any) -> Any:
            stuck.wait()

        def shutdown(self) -> None:
            pass

    processor: Any
    if kind == "stock":
        processor = BatchSpanProcessor(Stuck(), max_queue_size=20_000, max_export_batch_size=1)  # type: ignore[arg-type]
    else:
        processor = BufferedSpanProcessor(
            Stuck().export, max_queue=20_000, batch_size=1, schedule_delay=60
        )
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(processor)
    tracer = provider.get_tracer("bench")
    span(tracer, 0)  # the worker takes this one and gets stuck
    time.sleep(0.2)
    gc.collect()
    tracemalloc.start()
    for index in range(10_000):
        span(tracer, index)
    gc.collect()
    size, _ = tracemalloc.get_traced_memory()
    return size / 1e6


def spool_throughput(port: int, spool_dir: str) -> dict[str, float]:
    """Spans/s written to the spool (encode + fsync'ed file per 512-span batch) and replayed
    from it to a loopback OTLP receiver."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from automagik_telemetry import ConsentState, TelemetryConfig
    from automagik_telemetry.config.level import ConsentLevel
    from automagik_telemetry.consent import ConsentStore
    from automagik_telemetry.exporters.otlp import OTLPBackend
    from automagik_telemetry.spool.codec import encode_batch
    from automagik_telemetry.spool.replay import IDLE, Replayer
    from automagik_telemetry.spool.store import SpoolStore

    exporter = InMemorySpanExporter()
    provider = TracerProvider(shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("bench")
    for index in range(512):
        _span(tracer, index)
    batch = exporter.get_finished_spans()
    store = SpoolStore(Path(spool_dir) / "throughput", max_bytes=1 << 34, max_age=3600)
    batches = 40
    started = time.perf_counter()
    for _ in range(batches):
        store.write("traces", encode_batch("traces", batch))
    write_rate = batches * 512 / (time.perf_counter() - started)

    ConsentStore().write_preference(ConsentLevel.ALL, via="bench")
    backend = OTLPBackend(TelemetryConfig(endpoint=f"http://127.0.0.1:{port}"))
    replayer = Replayer(store, backend, ConsentState(TelemetryConfig()), timeout=10)
    started = time.perf_counter()
    while replayer.replay_one() != IDLE:
        pass
    replay_rate = batches * 512 / (time.perf_counter() - started)
    return {"write": write_rate, "replay": replay_rate}


def burst(port: int, kind: str, spool_dir: str) -> int:
    """Spans that arrive of 30,000 created in a tight loop."""
    from opentelemetry import trace

    if kind == "stock":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider = TracerProvider()
        provider.add_span_processor(
            BatchSpanProcessor(OTLPSpanExporter(endpoint=f"http://127.0.0.1:{port}/v1/traces"))
        )
        trace.set_tracer_provider(provider)
        flush = provider.force_flush
    else:
        handle, _ = _configure(port, True, spool_dir)
        flush = lambda: handle.force_flush(60)  # noqa: E731
    tracer = trace.get_tracer("bench")
    before = _received(port)
    for index in range(30_000):
        _span(tracer, index)
    flush()
    time.sleep(1.0)
    return _received(port) - before


def run(scenario: str, *args: str) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOMAGIK_", "OTEL_"))}
    for name in ("DO_NOT_TRACK", "CI", "GITHUB_ACTIONS", "ENVIRONMENT"):
        env.pop(name, None)
    with tempfile.TemporaryDirectory() as home:
        env.update(HOME=home, XDG_CONFIG_HOME=home, XDG_CACHE_HOME=home)
        out = subprocess.run(
            [sys.executable, __file__, "--scenario", scenario, *args],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.scenario:
        handlers = {
            "serve": lambda port: serve(int(port)),
            "healthy": lambda port, spool, d: per_span(int(port), spool == "1", d),
            "memory": queued_memory,
            "throughput": lambda port, d: spool_throughput(int(port), d),
            "burst": lambda port, kind, d: burst(int(port), kind, d),
        }
        print(json.dumps(handlers[options.scenario](*options.args)))
        return

    port, dead_port = _free_port(), _free_port()
    receiver = subprocess.Popen([sys.executable, __file__, "--scenario", "serve", str(port)])
    time.sleep(1.0)
    try:
        with tempfile.TemporaryDirectory() as spool_dir:
            cost: dict[str, list[float]] = {"no spool": [], "spool": [], "outage": []}
            for _ in range(options.rounds):
                cost["no spool"].append(run("healthy", str(port), "0", spool_dir))
                cost["spool"].append(run("healthy", str(port), "1", spool_dir))
                cost["outage"].append(run("healthy", str(dead_port), "1", spool_dir))
            memory = {kind: run("memory", kind) for kind in ("stock", "ours")}
            throughput = run("throughput", str(port), spool_dir)
            arrived = {kind: run("burst", str(port), kind, spool_dir) for kind in ("stock", "ours")}
    finally:
        receiver.kill()

    median = {name: statistics.median(values) for name, values in cost.items()}
    spool_ratio = median["spool"] / median["no spool"]
    outage_ratio = median["outage"] / median["spool"]
    print(f"python {sys.version.split()[0]}, {SPANS} spans x 3 repeats, {options.rounds} rounds")
    for name, value in median.items():
        print(f"  per span, {name:9s} {value:6.2f} us (median)")
    print(f"spool on a healthy backend / no spool: {spool_ratio:.2f}x (target <= 1.05x)")
    print(f"during an outage / healthy, spool on:  {outage_ratio:.2f}x")
    print(
        f"10,000 queued spans: stock {memory['stock']:.1f} MB, "
        f"ours {memory['ours']:.1f} MB (target <= 10 MB)"
    )
    print(
        f"spool write {throughput['write']:,.0f} spans/s, "
        f"replay {throughput['replay']:,.0f} spans/s"
    )
    print(f"burst of 30,000 spans: stock delivered {arrived['stock']:,}, ours {arrived['ours']:,}")


if __name__ == "__main__":
    main()
