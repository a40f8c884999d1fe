from __future__ import annotations

import time
from pathlib import Path

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased

from automagik_telemetry import ConsentLevel, ConsentSampler, ConsentState, TelemetryConfig
from automagik_telemetry.consent import ConsentStore
from automagik_telemetry.consent.runtime import process_consent
from automagik_telemetry.engine.sampling import default_delegate


def provider_with(sampler: ConsentSampler) -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider(sampler=sampler, shutdown_on_exit=False)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


def state(level: ConsentLevel, interval: float = 0.05) -> ConsentState:
    ConsentStore().write_preference(level, via="test")
    return ConsentState(TelemetryConfig(), environ={}, refresh_interval=interval)


def test_records_nothing_while_consent_is_off() -> None:
    provider, exporter = provider_with(ConsentSampler(consent=state(ConsentLevel.OFF)))
    with provider.get_tracer("t").start_as_current_span("work") as span:
        assert not span.is_recording()
    assert exporter.get_finished_spans() == ()


def test_defers_to_the_delegate_while_consent_is_on() -> None:
    consent = state(ConsentLevel.ALL)
    provider, exporter = provider_with(ConsentSampler(consent=consent))
    provider.get_tracer("t").start_span("kept").end()
    assert [s.name for s in exporter.get_finished_spans()] == ["kept"]

    dropping, dropped = provider_with(ConsentSampler(ALWAYS_OFF, consent))
    dropping.get_tracer("t").start_span("dropped").end()
    assert dropped.get_finished_spans() == ()


def test_stops_recording_within_the_interval_after_an_opt_out(isolated_user: Path) -> None:
    provider, exporter = provider_with(ConsentSampler(consent=state(ConsentLevel.ALL)))
    tracer = provider.get_tracer("t")
    tracer.start_span("before").end()
    (isolated_user / ".automagik-no-telemetry").touch()
    time.sleep(0.1)
    tracer.start_span("after").end()
    assert [s.name for s in exporter.get_finished_spans()] == ["before"]


def test_default_delegate_is_parent_based_ratio_sampling() -> None:
    assert isinstance(default_delegate(), ParentBased)
    assert "TraceIdRatioBased{0.25}" in default_delegate(0.25).get_description()
    assert "AlwaysOnSampler" in default_delegate(1.0).get_description()
    sampler = ConsentSampler(default_delegate(0.25), state(ConsentLevel.ALL))
    assert sampler.get_description().startswith("ConsentSampler{ParentBased")


def test_sample_rate_keeps_about_that_fraction_of_traces() -> None:
    provider, exporter = provider_with(
        ConsentSampler(default_delegate(0.25), state(ConsentLevel.ALL, interval=60))
    )
    tracer = provider.get_tracer("t")
    for _ in range(4000):
        tracer.start_span("s").end()
    assert 800 < len(exporter.get_finished_spans()) < 1200


def test_a_users_own_provider_follows_the_process_consent(isolated_user: Path) -> None:
    """ConsentSampler(delegate) without a state: decided from the environment, kept live."""
    ConsentStore().write_preference(ConsentLevel.ALL, via="test")
    provider, exporter = provider_with(ConsentSampler(ALWAYS_ON))
    provider.get_tracer("t").start_span("mine").end()
    assert [s.name for s in exporter.get_finished_spans()] == ["mine"]


def test_the_process_consent_is_the_one_configure_decided() -> None:
    from automagik_telemetry import configure_automagik

    handle = configure_automagik(enabled=False)
    assert process_consent() is handle.consent
    provider, exporter = provider_with(ConsentSampler())
    provider.get_tracer("t").start_span("dropped").end()
    assert exporter.get_finished_spans() == ()
