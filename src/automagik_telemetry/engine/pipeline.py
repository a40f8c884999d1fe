"""Assemble the SDK providers for one configuration: the pipeline of the README's picture.

consent (sampler) -> privacy -> per backend: buffer -> consent gate -> backend (-> spool).
Privacy processing sits in front of the fan-out to backends, so each item is scrubbed once and
no backend ever sees unscrubbed data; a span is then compacted once and queued in each
backend's buffer (``QueueingSpanProcessor``), all in one call from the SDK
(``PipelineSpanProcessor``). Each backend has its own delivery stage (``delivery/stage.py``),
so a slow or dead one never holds up another. Metrics are usage data:
with consent at the ``errors`` level no meter provider is built at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from opentelemetry.sdk._logs import (
    LoggerProvider,
    LogRecordProcessor,
    SynchronousMultiLogRecordProcessor,
)
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider

from ..config import TelemetryConfig
from ..config.level import ConsentLevel
from ..consent.runtime import ConsentState
from ..delivery.processors import QueueingSpanProcessor
from ..delivery.stage import DeliveryStage
from ..exporters import build_backend
from ..privacy import (
    PiiRedactingLogRecordProcessor,
    PrivacySpanProcessor,
    Redactor,
    load_pseudonym_key,
)
from .forking import after_fork_in_child
from .logcapture import DropInternalRecords
from .sampling import ConsentSampler, default_delegate
from .shutdown import Runner, hands_off, run_bounded
from .span_processor import PipelineSpanProcessor

__all__ = ["Pipeline", "build_pipeline", "build_redactor"]


@dataclass
class Pipeline:
    """The three providers of a running configuration (``meter_provider`` may be absent) and
    the delivery stage of each backend."""

    tracer_provider: TracerProvider
    logger_provider: LoggerProvider
    meter_provider: MeterProvider | None
    stages: list[DeliveryStage] = field(default_factory=list)
    exit_mode: str = "flush"
    """``TelemetryConfig.exit_mode``: what interpreter exit does (``engine/shutdown.py``)."""
    started: float = field(default_factory=time.monotonic)
    """When this process's pipeline started (a forked child: when it was forked)."""

    def __post_init__(self) -> None:
        after_fork_in_child(self._forked)

    def _forked(self) -> None:
        self.started = time.monotonic()

    def force_flush(self, timeout: float, run: Runner = run_bounded) -> bool:
        deadline = time.monotonic() + timeout
        steps: list[Callable[[], object]] = [
            lambda: self.tracer_provider.force_flush(_millis(deadline)),
            lambda: self.logger_provider.force_flush(_millis(deadline)),
        ]
        if self.meter_provider is not None:
            meter_provider = self.meter_provider
            steps.append(lambda: meter_provider.force_flush(_millis(deadline)))

        def flush_all() -> bool:
            results = [bool(step()) for step in steps]  # every provider, even after a failure
            return all(results)

        return run(flush_all, timeout)

    def shutdown(self, timeout: float, run: Runner = run_bounded, *, at_exit: bool = False) -> bool:
        """Everything queued is exported, or spooled if the deadline comes first. At
        interpreter exit (``at_exit``) a short program hands off instead: everything goes to
        the spool at once and a detached sender delivers it."""
        handoff = (
            at_exit
            and hands_off(self.exit_mode, time.monotonic() - self.started)
            and all(stage.can_hand_off for stage in self.stages)
        )
        # finish a little before the caller stops waiting, so the last spill is complete
        deadline = time.monotonic() + timeout - min(0.25, timeout / 10)

        def run_all() -> bool:
            if handoff:
                for stage in self.stages:
                    stage.begin_handoff()
            if self.meter_provider is not None:  # its last collection still goes through
                wait = _millis(deadline) / 2
                self.meter_provider.shutdown(timeout_millis=min(wait, 1000) if handoff else wait)
            for stage in self.stages:
                stage.shutdown(deadline, handoff=handoff)
            self.tracer_provider.shutdown()
            self.logger_provider.shutdown()
            if handoff:
                for stage in self.stages:
                    stage.start_sender()
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
    redactor = build_redactor(config)
    stages = [
        DeliveryStage.build(build_backend(name, config), config, consent, redactor)
        for name in config.backends
    ]
    spans = PrivacySpanProcessor(QueueingSpanProcessor([stage.spans for stage in stages]), redactor)
    tracer_provider = TracerProvider(
        resource=resource,
        sampler=ConsentSampler(default_delegate(config.sample_rate), consent),
        shutdown_on_exit=False,
        active_span_processor=PipelineSpanProcessor(spans),
    )
    logger_provider = LoggerProvider(resource=resource, shutdown_on_exit=False)
    logger_provider.add_log_record_processor(
        DropInternalRecords(
            PiiRedactingLogRecordProcessor(
                _fan_out_logs([stage.logs for stage in stages]), redactor
            )
        )
    )
    meter_provider = None
    if consent.initial.level is ConsentLevel.ALL:
        readers = [
            PeriodicExportingMetricReader(
                stage.metrics, export_interval_millis=config.metric_export_interval * 1000
            )
            for stage in stages
        ]
        meter_provider = MeterProvider(
            resource=resource, metric_readers=readers, shutdown_on_exit=False
        )
    return Pipeline(tracer_provider, logger_provider, meter_provider, stages, config.exit_mode)


def _fan_out_logs(processors: list[LogRecordProcessor]) -> LogRecordProcessor:
    if len(processors) == 1:
        return processors[0]
    fan_out = SynchronousMultiLogRecordProcessor()  # type: ignore[no-untyped-call]
    for processor in processors:
        fan_out.add_log_record_processor(processor)
    return fan_out


def _millis(deadline: float) -> int:
    return max(0, int((deadline - time.monotonic()) * 1000))
