"""``PiiRedactingMetricExporter``: data-point attributes are scrubbed before export.

Metrics are aggregated before anyone sees them, so the place to scrub them is the exporter:
this wrapper rebuilds the (frozen) ``MetricsData`` with scrubbed data-point and exemplar
attributes and resources, and runs on the metric reader's thread, not the app's. Two series
whose attributes become equal after scrubbing (two e-mails, both ``<email>``) are exported
as they are, side by side; ``hash`` mode keeps them apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from opentelemetry.sdk.metrics.export import (
    MetricExporter,
    MetricExportResult,
    MetricsData,
)

from ..diagnostics import internal_log
from .counts import REDACTED_ATTRIBUTE, encode_counts
from .redactor import Redactor
from .resources import ResourceCache
from .scanner import Counts

__all__ = ["PiiRedactingMetricExporter", "redact_metrics_data"]


def redact_metrics_data(
    data: MetricsData, redactor: Redactor, resources: ResourceCache
) -> MetricsData:
    """``data`` scrubbed: the same object if nothing had to change, else a copy."""
    resource_metrics = []
    changed = False
    for rm in data.resource_metrics:
        scopes = []
        for sm in rm.scope_metrics:
            metrics = [_metric(metric, redactor) for metric in sm.metrics]
            if any(new is not old for new, old in zip(metrics, sm.metrics, strict=True)):
                sm = replace(sm, metrics=metrics)
            scopes.append(sm)
        resource = resources.get(rm.resource)
        if resource is not rm.resource or any(
            new is not old for new, old in zip(scopes, rm.scope_metrics, strict=True)
        ):
            rm = replace(rm, resource=resource, scope_metrics=scopes)
            changed = True
        resource_metrics.append(rm)
    return MetricsData(resource_metrics=resource_metrics) if changed else data


def _metric(metric: Any, redactor: Redactor) -> Any:
    points = getattr(metric.data, "data_points", None)
    if not points:
        return metric
    scrubbed = [_point(point, redactor) for point in points]
    if all(new is old for new, old in zip(scrubbed, points, strict=True)):
        return metric
    return replace(metric, data=replace(metric.data, data_points=scrubbed))


def _point(point: Any, redactor: Redactor) -> Any:
    counts: Counts = {}
    attributes = redactor.redact_attributes(point.attributes or {}, counts)
    exemplars = _exemplars(getattr(point, "exemplars", None) or (), redactor, counts)
    if not counts:
        return point
    attributes = dict(point.attributes or {}) if attributes is None else attributes
    attributes[REDACTED_ATTRIBUTE] = encode_counts(counts)
    if exemplars is None:
        return replace(point, attributes=attributes)
    return replace(point, attributes=attributes, exemplars=exemplars)


def _exemplars(exemplars: Sequence[Any], redactor: Redactor, counts: Counts) -> list[Any] | None:
    scrubbed: list[Any] | None = None
    for index, exemplar in enumerate(exemplars):
        attributes = redactor.redact_attributes(exemplar.filtered_attributes or {}, counts)
        if attributes is None:
            continue
        if scrubbed is None:
            scrubbed = list(exemplars)
        scrubbed[index] = replace(exemplar, filtered_attributes=attributes)
    return scrubbed


class PiiRedactingMetricExporter(MetricExporter):
    """Wraps a ``MetricExporter``; give it to your ``PeriodicExportingMetricReader``::

    PeriodicExportingMetricReader(PiiRedactingMetricExporter(OTLPMetricExporter()))
    """

    def __init__(self, exporter: MetricExporter, redactor: Redactor | None = None) -> None:
        super().__init__(
            preferred_temporality=exporter._preferred_temporality,
            preferred_aggregation=exporter._preferred_aggregation,
        )
        self.exporter = exporter
        self.redactor = redactor if redactor is not None else Redactor()
        self._resources = ResourceCache(self.redactor)

    def export(
        self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any
    ) -> MetricExportResult:
        try:
            scrubbed = redact_metrics_data(metrics_data, self.redactor, self._resources)
        except Exception:
            internal_log.error(
                "privacy.metrics", "could not scrub metrics; the batch was dropped", exc_info=True
            )
            return MetricExportResult.FAILURE
        try:
            return self.exporter.export(scrubbed, timeout_millis=timeout_millis, **kwargs)
        except Exception:
            internal_log.error("privacy.metrics_export", "metric exporter failed", exc_info=True)
            return MetricExportResult.FAILURE

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        try:
            return self.exporter.force_flush(timeout_millis)
        except Exception:
            internal_log.error("privacy.metrics_flush", "metric exporter failed", exc_info=True)
            return False

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        try:
            self.exporter.shutdown(timeout_millis=timeout_millis, **kwargs)
        except Exception:
            internal_log.error("privacy.metrics_shutdown", "metric exporter failed", exc_info=True)
