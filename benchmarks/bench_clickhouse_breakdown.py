"""Where a user's program spends its time per span: the app loop of ``bench_clickhouse_program.py``
with parts of our pipeline switched off, for diagnosis.

    python benchmarks/bench_clickhouse_breakdown.py [--spans 30000] [--rounds 3]

Each setup runs in a fresh interpreter, interleaved round by round; each reports the app loop's
own CPU per span (``time.thread_time``: what the loop's thread computed) and its wall time per
span (which adds what the loop waited for: the GIL held by our other threads, and cores busy
with the embedded engine or with other work on the machine). Medians over the rounds:

- ``stock``: the stock SDK + ``BatchSpanProcessor`` (queue 32,768) + an exporter that does
  nothing — what the app thread costs with the SDK alone;
- ``ours``: ``configure_automagik(backend="clickhouse", clickhouse_url="chdb://...")`` as in
  ``bench_clickhouse_program.py``;
- ``ours, no export``: the same pipeline, the ClickHouse backend doing nothing (no engine start,
  no encoding, no insert) — diagnosis only;
- ``ours, no scrubbing`` and ``ours, no scrubbing, no export``: spans skip the privacy engine —
  diagnosis only, to show its share; the package always scrubs.

So: ours - ours-no-export (wall) is what the export side costs the app loop; ours - ours-no-
scrubbing (CPU) is the privacy engine's share; ours-no-scrubbing-no-export - stock (CPU) is
everything else of ours on the app thread (consent sampler, the processors, the compact queue).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_clickhouse_program import _skip_scrubbing, run_script, user_program

SETUPS = {
    "stock": "stock SDK, no-op exporter",
    "ours": "ours",
    "ours-no-export": "ours, no export (diagnosis)",
    "ours-no-scrub": "ours, no scrubbing (diagnosis)",
    "ours-no-scrub-no-export": "ours, no scrubbing, no export (diagnosis)",
}


def child(setup: str, count: int) -> dict[str, float]:
    if setup == "stock":
        _stock_noop()
    else:
        from automagik_telemetry import configure_automagik

        if "no-export" in setup:
            _no_export()
        if "no-scrub" in setup:
            _skip_scrubbing()
        store = tempfile.mkdtemp(prefix="bench-breakdown-")
        configure_automagik(
            enabled=True,
            service_name="bench-app",
            backend="clickhouse",
            clickhouse_url=f"chdb://{store}",
            spool_dir=Path(store) / "spool",
        )
    cpu = time.thread_time()
    wall = user_program(count)
    cpu = time.thread_time() - cpu
    return {"cpu_us": cpu / count * 1e6, "wall_us": wall / count * 1e6}


def _stock_noop() -> None:
    from opentelemetry import trace
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        SpanExporter,
        SpanExportResult,
    )

    class Nothing(SpanExporter):
        def export(self, spans: Any) -> SpanExportResult:
            return SpanExportResult.SUCCESS

    provider = TracerProvider(resource=Resource.create({"service.name": "bench-app"}))
    provider.add_span_processor(BatchSpanProcessor(Nothing(), max_queue_size=32_768))
    trace.set_tracer_provider(provider)


def _no_export() -> None:
    """Diagnosis: the ClickHouse backend takes every batch and does nothing with it."""
    from automagik_telemetry.delivery.outcome import Delivery
    from automagik_telemetry.exporters.clickhouse.backend import ClickHouseBackend
    from automagik_telemetry.exporters.clickhouse.sink import ClickHouseSink

    def start(self: ClickHouseSink) -> None:
        pass

    def send_items(self: ClickHouseBackend, *args: Any, **kwargs: Any) -> Delivery:
        return Delivery.ok()

    ClickHouseSink.start = start  # type: ignore[method-assign]
    ClickHouseBackend.send_items = send_items  # type: ignore[method-assign]


def run(setup: str, count: int) -> dict[str, float]:
    return run_script(__file__, ("--child", setup, "--spans", str(count)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", choices=tuple(SETUPS))
    args = parser.parse_args()
    if args.child:
        result = child(args.child, args.spans)
        print(json.dumps(result))
        os._exit(0)  # not timed: skip the pipeline's shutdown
    print(f"{args.spans:,} spans, the app loop per span ({args.rounds} rounds, medians)")
    found: dict[str, list[dict[str, float]]] = {setup: [] for setup in SETUPS}
    for round_ in range(args.rounds):
        order = list(SETUPS) if round_ % 2 == 0 else list(reversed(SETUPS))
        for setup in order:
            found[setup].append(run(setup, args.spans))
    medians = {
        setup: {key: statistics.median(r[key] for r in runs) for key in ("cpu_us", "wall_us")}
        for setup, runs in found.items()
    }
    for setup, label in SETUPS.items():
        cpu = " ".join(f"{r['cpu_us']:.1f}" for r in found[setup])
        print(
            f"  {label:44} CPU {medians[setup]['cpu_us']:5.1f} µs ({cpu}), "
            f"wall {medians[setup]['wall_us']:5.1f} µs"
        )
    ours, stock = medians["ours"], medians["stock"]
    export = ours["wall_us"] - medians["ours-no-export"]["wall_us"]
    scrubbing = ours["cpu_us"] - medians["ours-no-scrub"]["cpu_us"]
    rest = medians["ours-no-scrub-no-export"]["cpu_us"] - stock["cpu_us"]
    print(
        f"the export side costs the app loop {export:.1f} µs/span (wall); scrubbing "
        f"{scrubbing:.1f} µs/span (CPU); the rest of ours on the app thread against the stock "
        f"SDK {rest:.1f} µs/span (CPU)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
