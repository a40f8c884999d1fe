"""Quickstart: what automagik-telemetry decides, and exactly what it would send.

Run with ``make demo``. Step 1 shows the consent decision your environment gives today (most
likely: off, because nobody opted in). Step 2 gives consent *for this run only* and uses the
console backend, so the spans, metric and log record are printed to stderr instead of sent.
"""

from __future__ import annotations

import logging

from opentelemetry import metrics, trace

from automagik_telemetry import TelemetryConfig, configure_automagik, decide_consent


def main() -> None:
    decision = decide_consent(TelemetryConfig.resolve(service_name="quickstart"))
    print("Step 1 - the consent decision for this machine:")
    print(f"  telemetry would be {'ON' if decision.enabled else 'OFF'}: {decision.reason}\n")

    print("Step 2 - consent given for this run, console backend (prints, sends nothing):")
    handle = configure_automagik(
        service_name="quickstart",
        service_version="1.0.0",
        enabled=True,
        backend="console",
        capture_logging=True,  # stdlib logging records (WARNING and up) become log records
    )
    print(f"  {handle.decision.reason}; what would be sent follows on stderr.\n")

    tracer = trace.get_tracer("quickstart")
    orders = metrics.get_meter("quickstart").create_counter("orders", description="orders placed")
    with tracer.start_as_current_span("place-order") as span:
        span.set_attribute("order.items", 3)
        orders.add(1, {"plan": "pro"})
        logging.getLogger("quickstart").warning("stock is running low for item %s", "A-42")
    handle.shutdown()
    print("Done. `automagik-telemetry status` shows the decision for your real runs.")


if __name__ == "__main__":
    main()
