"""The stock OTLP/HTTP (protobuf) exporters, configured from ``TelemetryConfig``."""

from __future__ import annotations

from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

from ..config import TelemetryConfig
from . import SignalExporters

__all__ = ["build_otlp_exporters"]

_COMPRESSION = {
    "gzip": Compression.Gzip,
    "deflate": Compression.Deflate,
    "none": Compression.NoCompression,
}


def build_otlp_exporters(config: TelemetryConfig) -> SignalExporters:
    headers = dict(config.headers)
    compression = _COMPRESSION[config.compression]
    return SignalExporters(
        spans=OTLPSpanExporter(
            endpoint=config.signal_endpoint("traces"),
            headers=headers,
            timeout=config.timeout,
            compression=compression,
        ),
        logs=OTLPLogExporter(
            endpoint=config.signal_endpoint("logs"),
            headers=headers,
            timeout=config.timeout,
            compression=compression,
        ),
        metrics=OTLPMetricExporter(
            endpoint=config.signal_endpoint("metrics"),
            headers=headers,
            timeout=config.timeout,
            compression=compression,
        ),
    )
