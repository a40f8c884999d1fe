"""The stock OpenTelemetry encoders, deterministic: the reference ours are tested against."""

from __future__ import annotations

from typing import Any

__all__ = ["stock_encode"]


def stock_encode(signal: str, items: Any) -> bytes:
    """``items`` as the stock ``encode_spans``/``encode_logs``/``encode_metrics`` write them."""
    message: Any
    if signal == "traces":
        from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

        message = encode_spans(items)
    elif signal == "logs":
        from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs

        message = encode_logs(items)
    else:
        from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics

        message = encode_metrics(items)
    return bytes(message.SerializeToString(deterministic=True))
