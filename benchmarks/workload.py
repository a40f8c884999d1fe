"""The realistic span of the encoding benchmarks: an HTTP server span with seven attributes
(method, route, full URL, user agent, status code, port, a note), as web instrumentations make
them — the URL unique per request, the user agent and the span name fresh ``str`` objects per
request with repeating contents."""

from __future__ import annotations

from typing import Any

AGENTS = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "curl/8.5.0",
)
ROUTES = ("/api/items/{id}", "/api/users/{id}", "/api/orders/{id}")


def realistic_span(tracer: Any, index: int) -> None:
    from opentelemetry.trace import SpanKind

    route = ROUTES[index % 3]
    method = "GET"
    with tracer.start_as_current_span(f"{method} {route}", kind=SpanKind.SERVER) as span:
        span.set_attribute("http.request.method", method)
        span.set_attribute("http.route", route)
        path = route.replace("{id}", str(index))
        span.set_attribute("url.full", f"https://shop.example.com{path}?page={index % 7}")
        span.set_attribute("user_agent.original", "".join(AGENTS[index % 3]))  # parsed per request
        span.set_attribute("http.response.status_code", 200)
        span.set_attribute("server.port", 8443)
        span.set_attribute("app.note", "served from cache")


def finished_spans(count: int) -> list[Any]:
    """``count`` finished realistic spans (``ReadableSpan``), one resource and scope."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider(
        resource=Resource.create({"service.name": "shop"}), shutdown_on_exit=False
    )
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("shop.http", "1.0")
    for index in range(count):
        realistic_span(tracer, index)
    return list(exporter.get_finished_spans())
