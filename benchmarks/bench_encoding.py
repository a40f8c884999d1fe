"""Encoding figures, ours against the stock SDK measured side by side in one run.

* encoder alone: spans/s of our direct encoder (on ``ReadableSpan`` and on the compact
  ``QueuedSpan`` the pipeline feeds it) against the stock ``encode_spans`` + serialization, on
  512-span batches of realistic spans (target >= 4x; the messages are checked equal);
* CPU per exported span, all threads of the app process, from the first span to the end of
  shutdown: our whole pipeline (consent, privacy, compact queue, spool, OTLP/HTTP + gzip)
  against the stock SDK (BatchSpanProcessor + stock OTLPSpanExporter, gzip) sending 30,000
  realistic spans to a receiver in another process (target <= 0.5x);
* app-thread latency per span while those batches are exported, against the same app with a
  no-op exporter (target <= 1.2x);
* memory held by 10,000 realistic spans waiting for export (tracemalloc; target <= 5 MiB);
* gzip: CPU and bytes per span at each level, on our encoded batches.

Every scenario runs in a fresh interpreter, the scenarios interleaved over ``--rounds``;
figures are medians. Run: ``.venv/bin/python benchmarks/bench_encoding.py [--rounds 3]``

``--baseline-src DIR`` adds our pipeline from another source tree (``DIR`` holds the package,
e.g. ``git archive <commit> src | tar -x -C /tmp/base`` then ``/tmp/base/src``) as the
scenarios ``pipeline_base`` and ``pipeline_base_noop``, interleaved with the others: a before
and after measured in the same run, which the machine's load cannot skew.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_reliability import _free_port, _received, queued_memory  # noqa: E402
from workload import finished_spans, realistic_span  # noqa: E402

BATCH = 512
PIPELINE_SPANS = 30_000
LEVELS = (1, 2, 3, 4, 5, 6, 9)


# -- encoder alone ---------------------------------------------------------------------------


def encoder(kind: str) -> dict[str, float]:
    from automagik_telemetry.delivery.queued import QueuedSpan
    from automagik_telemetry.encoding import encode
    from automagik_telemetry.encoding.stock import stock_encode

    spans: list[Any] = finished_spans(BATCH)
    if kind == "queued":
        spans = [QueuedSpan.of(span) for span in spans]
    if kind == "stock":

        def run() -> bytes:
            return stock_encode("traces", spans)
    else:

        def run() -> bytes:
            return encode("traces", spans)

        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest as Request,
        )

        assert Request.FromString(run()) == Request.FromString(stock_encode("traces", spans))
    run()
    times = []
    for _ in range(15):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return {"spans_per_s": BATCH / statistics.median(times)}


# -- the whole pipeline to a receiver in another process --------------------------------------


def pipeline(kind: str, port: int, spool_dir: str) -> dict[str, float]:
    """CPU of all threads per exported span and app-thread wall time per span."""
    from opentelemetry import trace

    shutdown: Any
    kind = kind.replace("base", "ours")  # the baseline is our pipeline from another tree
    if kind.startswith("stock"):
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        exporter: Any
        if kind == "stock_noop":
            from noop_backend import NoOpSpanExporter

            exporter = NoOpSpanExporter()
        else:
            from opentelemetry.exporter.otlp.proto.http import Compression
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            exporter = OTLPSpanExporter(
                endpoint=f"http://127.0.0.1:{port}/v1/traces", compression=Compression.Gzip
            )
        provider = TracerProvider(
            resource=Resource.create({"service.name": "shop"}), shutdown_on_exit=False
        )
        # Our queue's budget (32,768 spans): with the default 2,048 the stock processor drops
        # about half of this burst, and CPU per *exported* span would flatter it.
        provider.add_span_processor(BatchSpanProcessor(exporter, max_queue_size=32_768))
        tracer = provider.get_tracer("shop.http", "1.0")
        shutdown = provider.shutdown
    else:
        from automagik_telemetry import configure_automagik

        if kind == "ours_noop":
            from automagik_telemetry.exporters import BACKEND_FACTORIES

            BACKEND_FACTORIES["otlp"] = "noop_backend:noop_backend"
        handle = configure_automagik(
            service_name="shop",
            enabled=True,
            endpoint=f"http://127.0.0.1:{port}",
            spool_dir=Path(spool_dir),
        )
        tracer = trace.get_tracer("shop.http", "1.0")
        shutdown = handle.shutdown
    for index in range(500):  # warm-up, not counted
        realistic_span(tracer, index)
    time.sleep(6)  # the warm-up spans leave with the first scheduled export (5 s)
    before = _received(port)
    cpu = time.process_time()
    app_cpu = time.thread_time()
    started = time.perf_counter()
    for index in range(PIPELINE_SPANS):
        realistic_span(tracer, index)
    app = time.perf_counter() - started
    app_cpu = time.thread_time() - app_cpu
    shutdown()
    cpu = time.process_time() - cpu
    received = _received(port) - before
    if kind in ("stock_noop", "ours_noop"):
        received = PIPELINE_SPANS
    return {
        "cpu_us_per_span": cpu / max(received, 1) * 1e6,
        "app_us_per_span": app / PIPELINE_SPANS * 1e6,
        "app_cpu_us_per_span": app_cpu / PIPELINE_SPANS * 1e6,
        "received": received,
    }


# -- memory of queued spans --------------------------------------------------------------------


def memory(kind: str) -> dict[str, float]:
    """MiB held by 10,000 realistic spans waiting behind an exporter that never returns (the
    measure of bench_reliability.py, on the seven-attribute span)."""
    return {"mib": queued_memory(kind, realistic_span) * 1e6 / 2**20}


# -- gzip level --------------------------------------------------------------------------------


def gzip_levels() -> dict[str, float]:
    """µs and bytes per span for each gzip level, on 512-span batches as our encoder writes
    them (what the otlp backend compresses)."""
    from automagik_telemetry.encoding import encode

    payload = encode("traces", finished_spans(BATCH))
    figures: dict[str, float] = {"raw_bytes": len(payload) / BATCH}
    for level in LEVELS:
        times = []
        for _ in range(15):
            started = time.perf_counter()
            compressed = gzip.compress(payload, compresslevel=level)
            times.append(time.perf_counter() - started)
        figures[f"l{level}_us"] = statistics.median(times) / BATCH * 1e6
        figures[f"l{level}_bytes"] = len(compressed) / BATCH
    return figures


# -- driver ------------------------------------------------------------------------------------

SCENARIOS = (
    "encode_stock",
    "encode_ours",
    "encode_ours_queued",
    "pipeline_stock",
    "pipeline_ours",
    "pipeline_stock_noop",
    "pipeline_ours_noop",
    "memory_stock",
    "memory_ours",
    "gzip",
)


def run_scenario(name: str, port: int, spool_dir: str) -> dict[str, float]:
    if name.startswith("encode_"):
        return encoder({"encode_stock": "stock", "encode_ours": "ours"}.get(name, "queued"))
    if name.startswith("pipeline_"):
        return pipeline(name.removeprefix("pipeline_"), port, spool_dir)
    if name.startswith("memory_"):
        return memory(name.removeprefix("memory_"))
    return gzip_levels()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--spool-dir", help=argparse.SUPPRESS)
    parser.add_argument("--only", nargs="*", default=list(SCENARIOS), help="scenarios to run")
    parser.add_argument(
        "--baseline-src", help="also run our pipeline from this source tree (before/after)"
    )
    args = parser.parse_args()
    if args.baseline_src and not args.scenario:
        args.only += ["pipeline_base", "pipeline_base_noop"]
    if args.scenario:
        print(json.dumps(run_scenario(args.scenario, args.port, args.spool_dir)))
        return

    port = _free_port()
    receiver = subprocess.Popen(
        [sys.executable, "-c", f"import bench_reliability as b; b.serve({port})"], cwd=HERE
    )
    env = {**os.environ, "PYTHONPATH": str(HERE)}
    results: dict[str, list[dict[str, float]]] = {name: [] for name in args.only}
    try:
        time.sleep(1.0)
        for round_index in range(args.rounds):
            for name in args.only:
                with tempfile.TemporaryDirectory() as home:
                    env_home = {**env, "HOME": home, "XDG_CONFIG_HOME": home}
                    if name.startswith("pipeline_base"):
                        env_home["PYTHONPATH"] = f"{args.baseline_src}{os.pathsep}{HERE}"
                    output = subprocess.run(
                        [
                            sys.executable,
                            str(Path(__file__)),
                            "--scenario",
                            name,
                            "--port",
                            str(port),
                            "--spool-dir",
                            str(Path(home) / "spool"),
                        ],
                        env=env_home,
                        capture_output=True,
                        text=True,
                        check=True,
                    ).stdout
                results[name].append(json.loads(output.strip().splitlines()[-1]))
                print(f"round {round_index + 1} {name}: {results[name][-1]}", file=sys.stderr)
    finally:
        receiver.terminate()
        receiver.wait()
    report(results)


def _median(results: dict[str, list[dict[str, float]]], name: str, key: str) -> float:
    return statistics.median(run[key] for run in results[name])


def report(results: dict[str, list[dict[str, float]]]) -> None:
    def has(*names: str) -> bool:
        return all(results.get(name) for name in names)

    print(f"medians of {len(next(iter(results.values())))} rounds")
    if has("encode_stock", "encode_ours", "encode_ours_queued"):
        stock = _median(results, "encode_stock", "spans_per_s")
        ours = _median(results, "encode_ours", "spans_per_s")
        queued = _median(results, "encode_ours_queued", "spans_per_s")
        print("\n| encoder (512-span batches, 7 attributes) | spans/s | µs/span | vs stock |")
        print("|---|---|---|---|")
        for label, rate in (
            ("stock encode_spans + SerializeToString", stock),
            ("ours, from ReadableSpan", ours),
            ("ours, from QueuedSpan (the pipeline's input)", queued),
        ):
            print(f"| {label} | {rate:,.0f} | {1e6 / rate:.1f} | {rate / stock:.2f}x |")
    if has("pipeline_stock", "pipeline_ours", "pipeline_stock_noop", "pipeline_ours_noop"):
        print(
            f"\n| pipeline ({PIPELINE_SPANS:,} spans) | CPU µs per exported span (all threads)"
            " | app-thread µs per span (wall) | app thread's own CPU µs per span"
            " | spans received |"
        )
        print("|---|---|---|---|---|")
        for name, label in (
            ("pipeline_stock", "stock SDK: BatchSpanProcessor + OTLPSpanExporter (gzip)"),
            ("pipeline_ours", "ours: consent, privacy, compact queue, spool, OTLP (gzip)"),
            ("pipeline_stock_noop", "stock SDK, no-op exporter"),
            ("pipeline_ours_noop", "ours, no-op backend"),
        ):
            print(
                f"| {label} | {_median(results, name, 'cpu_us_per_span'):.1f} | "
                f"{_median(results, name, 'app_us_per_span'):.1f} | "
                f"{_median(results, name, 'app_cpu_us_per_span'):.1f} | "
                f"{_median(results, name, 'received'):,.0f} |"
            )
        cpu = _median(results, "pipeline_ours", "cpu_us_per_span") / _median(
            results, "pipeline_stock", "cpu_us_per_span"
        )
        app = _median(results, "pipeline_ours", "app_us_per_span") / _median(
            results, "pipeline_ours_noop", "app_us_per_span"
        )
        stock_app = _median(results, "pipeline_stock", "app_us_per_span") / _median(
            results, "pipeline_stock_noop", "app_us_per_span"
        )
        print(f"\nCPU per exported span, ours / stock: {cpu:.2f}x (target <= 0.5x)")
        if has("pipeline_base", "pipeline_base_noop"):
            for name, label in (
                ("pipeline_base", "baseline tree: ours"),
                ("pipeline_base_noop", "baseline tree: ours, no-op backend"),
            ):
                print(
                    f"{label}: CPU {_median(results, name, 'cpu_us_per_span'):.1f} µs per "
                    f"exported span, app thread {_median(results, name, 'app_us_per_span'):.1f}"
                    f" µs wall, {_median(results, name, 'app_cpu_us_per_span'):.1f} µs CPU"
                )
            base = _median(results, "pipeline_base", "cpu_us_per_span") / _median(
                results, "pipeline_stock", "cpu_us_per_span"
            )
            base_app = _median(results, "pipeline_base", "app_us_per_span") / _median(
                results, "pipeline_base_noop", "app_us_per_span"
            )
            print(f"baseline tree: CPU {base:.2f}x stock, app-thread latency {base_app:.2f}x")
        print(
            f"app-thread latency while exporting / with a no-op exporter: ours {app:.2f}x "
            f"(target <= 1.2x), stock {stock_app:.2f}x"
        )
    if has("memory_stock", "memory_ours"):
        print(
            f"\n10,000 queued realistic spans: ours {_median(results, 'memory_ours', 'mib'):.2f}"
            f" MiB (target <= 5 MiB), stock BatchSpanProcessor "
            f"{_median(results, 'memory_stock', 'mib'):.2f} MiB"
        )
    if has("gzip"):
        raw = _median(results, "gzip", "raw_bytes")
        print(f"\n| gzip level | µs per span | bytes per span (uncompressed {raw:.0f}) |")
        print("|---|---|---|")
        for level in LEVELS:
            print(
                f"| {level} | {_median(results, 'gzip', f'l{level}_us'):.2f} | "
                f"{_median(results, 'gzip', f'l{level}_bytes'):.1f} |"
            )


if __name__ == "__main__":
    main()
