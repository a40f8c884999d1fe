"""Per-call cost of the convenience API against what it wraps, measured in the same run.

* consent on: ``track_event`` vs. the direct OTel call it stands for (``logger.emit`` with an
  event name, severity and the same attributes), and ``track_metric`` vs. ``counter.add`` on an
  instrument created once — both through the full pipeline up to exporters that do nothing
  (target <= 1.2x);
* consent off: ``track_event`` / ``track_metric`` vs. a bare call of an empty Python function
  with the same arguments (target: well under a microsecond).

Each scenario runs in a fresh interpreter (global providers can be set once per process),
scenarios are interleaved over several rounds, and the report gives medians.

Run: ``.venv/bin/python benchmarks/bench_events.py [--calls 50000] [--rounds 7]``
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

ATTRIBUTES = {"feature_name": "export", "feature_category": "cli", "count": 3}
SCENARIOS = (
    "bare_call",
    "event_off",
    "metric_off",
    "direct_emit",
    "event_on",
    "direct_add",
    "metric_on",
)
PAIRS = (
    ("track_event, consent on", "event_on", "direct_emit", "direct logger.emit"),
    ("track_metric, consent on", "metric_on", "direct_add", "direct counter.add"),
    ("track_event, consent off", "event_off", "bare_call", "bare function call"),
    ("track_metric, consent off", "metric_off", "bare_call", "bare function call"),
)


def _setup(scenario: str) -> Callable[[], None]:
    """The call to time; consent on for the ``*_on`` and ``direct_*`` scenarios, which all use
    the pipeline configure_automagik() builds (so both sides pay the same exporters)."""
    import automagik_telemetry as at
    from automagik_telemetry.exporters import BACKEND_FACTORIES

    BACKEND_FACTORIES["otlp"] = "noop_backend:noop_backend"
    consent_on = scenario.endswith("_on") or scenario.startswith("direct_")
    handle = at.configure_automagik(service_name="bench", enabled=True if consent_on else None)
    attributes = ATTRIBUTES
    if scenario == "bare_call":

        def empty(name: str, attributes: object = None) -> None:
            pass

        return lambda: empty("automagik.feature.used", attributes)
    if scenario in ("event_off", "event_on"):
        return lambda: at.track_event("automagik.feature.used", attributes)
    if scenario in ("metric_off", "metric_on"):
        return lambda: at.track_metric("bench.jobs", 1, "counter", attributes)
    assert handle.pipeline is not None
    if scenario == "direct_emit":
        from opentelemetry._logs import SeverityNumber

        logger = handle.pipeline.logger_provider.get_logger("bench")
        return lambda: logger.emit(
            timestamp=time.time_ns(),
            event_name="automagik.feature.used",
            severity_number=SeverityNumber.INFO,
            severity_text="INFO",
            attributes=attributes,
        )
    assert handle.pipeline.meter_provider is not None
    counter = handle.pipeline.meter_provider.get_meter("bench").create_counter("bench.direct")
    return lambda: counter.add(1, attributes)


def run_scenario(scenario: str, calls: int) -> float:
    """ns per call on the app's thread, best of 3 inner repeats."""
    call = _setup(scenario)
    for _ in range(2000):  # warm-up
        call()
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter_ns()
        for _ in range(calls):
            call()
        best = min(best, (time.perf_counter_ns() - started) / calls)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--scenario", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scenario:
        print(json.dumps(run_scenario(args.scenario, args.calls)))
        return

    results: dict[str, list[float]] = {name: [] for name in SCENARIOS}
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOMAGIK_", "OTEL_"))}
        env.update(HOME=home, XDG_CONFIG_HOME=home, PYTHONPATH=here, CI="")
        env.pop("DO_NOT_TRACK", None)
        for round_number in range(args.rounds):
            for scenario in SCENARIOS:
                out = subprocess.run(
                    [sys.executable, __file__, "--scenario", scenario, "--calls", str(args.calls)],
                    env=env,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                results[scenario].append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"round {round_number + 1}/{args.rounds} done", file=sys.stderr)

    medians = {name: statistics.median(values) for name, values in results.items()}
    print(f"{args.rounds} rounds x 3 x {args.calls:,} calls, medians, Python "
          f"{sys.version.split()[0]}")  # fmt: skip
    print(f"{'call':<28}{'per call':>12}   {'baseline':<22}{'per call':>12}{'ratio':>8}")
    for label, ours, baseline, baseline_label in PAIRS:
        a, b = medians[ours], medians[baseline]
        print(f"{label:<28}{a:>9.0f} ns   {baseline_label:<22}{b:>9.0f} ns{a / b:>7.2f}x")


if __name__ == "__main__":
    main()
