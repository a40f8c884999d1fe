"""Per-span cost of automagik-telemetry against the bare OpenTelemetry baselines.

Each scenario runs in a fresh interpreter (global providers can be set once per process) and
the scenarios are interleaved over several rounds; the report gives medians and ratios measured
in the same run:

* consent off vs. the OTel API with no SDK installed (target <= 1.2x);
* consent on, full pipeline up to a no-op exporter vs. the bare SDK with a BatchSpanProcessor
  and a no-op exporter.

Run: ``.venv/bin/python benchmarks/bench_overhead.py [--spans 50000] [--rounds 7]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

SCENARIOS = ("api_no_sdk", "consent_off", "sdk_batch_noop", "automagik_on")


def _setup(scenario: str) -> Callable[[], None]:
    from opentelemetry import trace

    if scenario == "sdk_batch_noop":
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        provider = TracerProvider()
        from noop_backend import NoOpSpanExporter

        provider.add_span_processor(BatchSpanProcessor(NoOpSpanExporter()))
        trace.set_tracer_provider(provider)
    elif scenario in ("consent_off", "automagik_on"):
        from automagik_telemetry import configure_automagik
        from automagik_telemetry.exporters import BACKEND_FACTORIES

        BACKEND_FACTORIES["otlp"] = "noop_backend:noop_backend"
        configure_automagik(
            service_name="bench", enabled=True if scenario == "automagik_on" else None
        )

    tracer = trace.get_tracer("bench")

    def one_span() -> None:
        with tracer.start_as_current_span("GET /api/items") as span:
            span.set_attribute("http.request.method", "GET")
            span.set_attribute("http.route", "/api/items")
            span.set_attribute("http.response.status_code", 200)

    return one_span


def run_scenario(scenario: str, spans: int) -> float:
    """ns per span on the app's thread, best of 3 inner repeats."""
    one_span = _setup(scenario)
    for _ in range(2000):  # warm-up
        one_span()
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter_ns()
        for _ in range(spans):
            one_span()
        best = min(best, (time.perf_counter_ns() - started) / spans)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--spans", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--scenario", choices=SCENARIOS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scenario:
        print(json.dumps(run_scenario(args.scenario, args.spans)))
        return

    results: dict[str, list[float]] = {name: [] for name in SCENARIOS}
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOMAGIK_", "OTEL_"))}
        env.update(HOME=home, XDG_CONFIG_HOME=home, PYTHONPATH=os.path.dirname(__file__))
        for name in ("DO_NOT_TRACK", "CI", "GITHUB_ACTIONS", "ENVIRONMENT"):
            env.pop(name, None)
        for _ in range(args.rounds):
            for scenario in SCENARIOS:
                out = subprocess.run(
                    [sys.executable, __file__, "--scenario", scenario, "--spans", str(args.spans)],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                results[scenario].append(float(out.stdout.strip().splitlines()[-1]))

    median = {name: statistics.median(values) for name, values in results.items()}
    print(f"python {sys.version.split()[0]}, {args.spans} spans x 3 repeats, {args.rounds} rounds")
    for name in SCENARIOS:
        print(f"  {name:15s} {median[name] / 1000:7.2f} us/span (median)")
    off_ratio = median["consent_off"] / median["api_no_sdk"]
    on_ratio = median["automagik_on"] / median["sdk_batch_noop"]
    print(f"consent off / OTel API without SDK:      {off_ratio:.2f}x (target <= 1.2x)")
    print(f"consent on pipeline / bare SDK + batch:  {on_ratio:.2f}x")


if __name__ == "__main__":
    main()
