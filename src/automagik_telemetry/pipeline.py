"""Assemble the SDK providers for one configuration: the pipeline of the README's picture.

consent (sampler) -> privacy -> batch processors -> consent gate -> exporter, per signal and
per backend. Each backend gets its own batch processor, so a slow backend never holds up
another; privacy processing sits in front of the fan-out, so each item is scrubbed once
whatever the number of backends, and no backend ever sees unscrubbed data. Metrics are
scrubbed by an exporter wrapper behind their consent gate. Metrics are usage data: with
consent at the ``errors`` level no meter provider is built at all.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from opentelemetry.sdk._logs import (
    LoggerProvider,
    LogRecordProcessor,
    SynchronousMultiLogRecordProcessor,
)
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, SynchronousMultiSpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from .config import TelemetryConfig
from .consent.gate import (
    ConsentGatedLogExporter,
    ConsentGatedMetricExporter,
    ConsentGatedSpanExporter,
)
from .consent.runtime import ConsentState
from .consent_level import ConsentLevel
from .exporters import SignalExporters, build_exporters
from .logcapture import DropInternalRecords
from .privacy import (
    PiiRedactingLogRecordProcessor,
    PiiRedactingMetricExporter,
    PrivacySpanProcessor,
    Redactor,
    load_pseudonym_key,
)
from .sampling import ConsentSampler, default_delegate
from .shutdown import Runner, run_bounded

__all__ = ["Pipeline", "build_pipeline", "build_redactor"]


@dataclass
class Pipeline:
    """The three providers of a running configuration (``meter_provider`` may be absent)."""

    tracer_provider: TracerProvider
    logger_provider: LoggerProvider
    meter_provider: MeterProvider | None

    def force_flush(self, timeout: float, run: Runner = run_bounded) -> bool:
        deadline = time.monotonic() + timeout
        steps: list[Callable[[], object]] = [
            lambda: self.tracer_provider.force_flush(_millis(deadline)),
            lambda: self.logger_provider.force_flush(_millis(deadline)),
        ]
        if self.meter_provider is not None:
            meter_provider = self.meter_provider
            steps.append(lambda: meter_provider.force_flush(_millis(deadline)))
        return run(lambda: all(bool(step()) for step in steps), timeout)

    def shutdown(self, timeout: float, run: Runner = run_bounded) -> bool:
        deadline = time.monotonic() + timeout
        steps: list[Callable[[], object]] = [
            self.tracer_provider.shutdown,
            self.logger_provider.shutdown,
        ]
        if self.meter_provider is not None:
            meter_provider = self.meter_provider
            steps.append(lambda: meter_provider.shutdown(timeout_millis=_millis(deadline)))

        def run_all() -> bool:
            for step in steps:
                step()
            return True

        return run(run_all, timeout)


def build_redactor(config: TelemetryConfig) -> Redactor:
    """The one ``Redactor`` shared by spans, logs and metrics. In ``hash`` mode it is keyed
    with the install's pseudonym key, created here: the pipeline is only built once
    telemetry is on."""
    options = config.scrubbing_options
    key = load_pseudonym_key(config.config_dir, create=True) if options.mode == "hash" else None
    return Redactor(options, hash_key=key)


def build_pipeline(config: TelemetryConfig, consent: ConsentState, resource: Resource) -> Pipeline:
    backends = [build_exporters(name, config) for name in config.backends]
    redactor = build_redactor(config)
    tracer_provider = TracerProvider(
        resource=resource,
        sampler=ConsentSampler(default_delegate(config.sample_rate), consent),
        shutdown_on_exit=False,
    )
    tracer_provider.add_span_processor(
        PrivacySpanProcessor(_span_processor(backends, consent), redactor)
    )
    logger_provider = LoggerProvider(resource=resource, shutdown_on_exit=False)
    logger_provider.add_log_record_processor(
        DropInternalRecords(
            PiiRedactingLogRecordProcessor(_log_processor(backends, consent), redactor)
        )
    )
    meter_provider = None
    if consent.initial.level is ConsentLevel.ALL:
        readers = [
            PeriodicExportingMetricReader(
                ConsentGatedMetricExporter(
                    PiiRedactingMetricExporter(backend.metrics, redactor), consent
                ),
                export_interval_millis=config.metric_export_interval * 1000,
            )
            for backend in backends
        ]
        meter_provider = MeterProvider(
            resource=resource, metric_readers=readers, shutdown_on_exit=False
        )
    return Pipeline(tracer_provider, logger_provider, meter_provider)


def _batch_options(backend: SignalExporters, env_prefix: str) -> dict[str, Any]:
    """The backend's preferred batch sizes, unless the operator chose them in the environment
    (``OTEL_BSP_MAX_EXPORT_BATCH_SIZE``, ``OTEL_BLRP_MAX_QUEUE_SIZE``, ...)."""
    hint = backend.batch
    if hint is None or any(name.startswith(env_prefix) for name in os.environ):
        return {}
    return {
        "max_export_batch_size": hint.max_export_batch_size,
        "max_queue_size": hint.max_queue_size,
    }


def _span_processor(backends: list[SignalExporters], consent: ConsentState) -> SpanProcessor:
    processors = [
        BatchSpanProcessor(
            ConsentGatedSpanExporter(backend.spans, consent),
            **_batch_options(backend, "OTEL_BSP_MAX_"),
        )
        for backend in backends
    ]
    if len(processors) == 1:
        return processors[0]
    fan_out = SynchronousMultiSpanProcessor()  # type: ignore[no-untyped-call]
    for processor in processors:
        fan_out.add_span_processor(processor)
    return fan_out


def _log_processor(backends: list[SignalExporters], consent: ConsentState) -> LogRecordProcessor:
    processors = [
        BatchLogRecordProcessor(
            ConsentGatedLogExporter(backend.logs, consent),
            **_batch_options(backend, "OTEL_BLRP_MAX_"),
        )
        for backend in backends
    ]
    if len(processors) == 1:
        return processors[0]
    fan_out = SynchronousMultiLogRecordProcessor()  # type: ignore[no-untyped-call]
    for processor in processors:
        fan_out.add_log_record_processor(processor)
    return fan_out


def _millis(deadline: float) -> int:
    return max(0, int((deadline - time.monotonic()) * 1000))
