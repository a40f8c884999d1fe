"""A real OTLP/HTTP receiver on 127.0.0.1 that decodes what it gets.

Tests assert on the protobuf payloads exactly as a collector would see them. ``behaviour`` lets
fault tests answer with errors, ``Retry-After`` or not at all; ``connections`` counts accepted TCP
connections, so "nothing was sent" can be asserted as "nobody even connected".
"""

from __future__ import annotations

import contextlib
import gzip
import http.server
import socket
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from tests.support.polling import wait_until

_MESSAGES: dict[str, tuple[type, type]] = {
    "/v1/traces": (ExportTraceServiceRequest, ExportTraceServiceResponse),
    "/v1/metrics": (ExportMetricsServiceRequest, ExportMetricsServiceResponse),
    "/v1/logs": (ExportLogsServiceRequest, ExportLogsServiceResponse),
}


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    raw: bytes
    message: Any


# (status, headers, body) to answer with, or None for the normal 200 answer.
Behaviour = Callable[["Received"], "tuple[int, dict[str, str], bytes] | None"]


def any_value(value: AnyValue) -> Any:
    """An OTLP ``AnyValue`` as a plain Python value."""
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [any_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: any_value(kv.value) for kv in value.kvlist_value.values}
    return None if kind is None else getattr(value, kind)


def attributes(key_values: Any) -> dict[str, Any]:
    return {kv.key: any_value(kv.value) for kv in key_values}


@dataclass
class OTLPReceiver:
    behaviour: Behaviour | None = None
    received: list[Received] = field(default_factory=list)
    connections: int = 0
    _server: http.server.ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _port: int = 0
    _in_flight: int = 0
    _sockets: list[socket.socket] = field(default_factory=list)
    _held: _PortHold | None = None

    def start(self, port: int = 0) -> OTLPReceiver:
        """Listen on ``port`` (0: any free port; pass the old port to come back after
        ``stop()``, as a restarted collector would)."""
        receiver = self

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that hangs up or speaks TLS to us is the test's business

            def get_request(self) -> Any:
                # in flight from accept on: a connection accepted but not yet handled when
                # stop() looks is waited for, not cut after its batch was recorded
                request = super().get_request()
                with receiver._lock:
                    receiver.connections += 1
                    receiver._in_flight += 1
                    receiver._sockets.append(request[0])
                return request

            def shutdown_request(self, request: Any) -> None:
                super().shutdown_request(request)
                with receiver._lock:
                    receiver._in_flight -= 1
                    with contextlib.suppress(ValueError):
                        receiver._sockets.remove(request)

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                receiver._answer(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = Server(("127.0.0.1", port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self, *, hold: bool = True) -> None:
        """Stop listening, let requests being handled finish (as a collector shutting down
        does: a batch it took is answered), then cut every open connection, kept-alive ones
        too: down is down. The port stays ours until ``restart()`` (every connection is reset at
        once), so that no other test's server, in this process or another one, can take it
        meanwhile and receive this test's batches (or a leaked client's). ``hold=False`` frees
        it: for a test that puts a server of its own on the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            wait_until(lambda: not self._in_flight, 5, interval=0.01)
            with self._lock:
                sockets, self._sockets = self._sockets, []
            for sock in sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._port = int(self._server.server_address[1])
            self._server = None
            self._held = _hold(self._port) if hold else None

    def close(self) -> None:
        """Stop for good: also give the port back."""
        self.stop()
        if self._held is not None:
            self._held.close()
            self._held = None

    def restart(self) -> None:
        """Come back on the same port after ``stop()``."""
        if self._held is not None:
            self._held.close()
            self._held = None
        self.start(self._port)

    @property
    def port(self) -> int:
        if self._server is None:
            return self._port
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _answer(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length", "0"))
        body = handler.rfile.read(length) if length else b""
        encoding = handler.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        request_type, response_type = _MESSAGES.get(handler.path, (None, None))
        message = request_type.FromString(body) if request_type is not None else None
        headers = {name.lower(): value for name, value in handler.headers.items()}
        item = Received(handler.path, headers, body, message)
        answer = self.behaviour(item) if self.behaviour is not None else None
        if answer is None:
            if message is None:
                answer = (404, {}, b"not found")
            else:
                with self._lock:
                    self.received.append(item)
                answer = (
                    200,
                    {"Content-Type": "application/x-protobuf"},
                    response_type().SerializeToString(),
                )  # type: ignore[misc]
        status, headers, payload = answer
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(payload)))
        # One request per connection: when the receiver stops, no idle kept-alive connection
        # has to be cut, so an answered batch is never mistaken by the client for a lost one.
        handler.send_header("Connection", "close")
        handler.close_connection = True
        handler.end_headers()
        handler.wfile.write(payload)

    # -- decoded views ----------------------------------------------------------------------

    def messages(self, path: str) -> list[Any]:
        with self._lock:
            return [item.message for item in self.received if item.path == path]

    def spans(self) -> list[tuple[dict[str, Any], Any]]:
        """(resource attributes, span) for every span received."""
        return [
            (attributes(rs.resource.attributes), span)
            for message in self.messages("/v1/traces")
            for rs in message.resource_spans
            for ss in rs.scope_spans
            for span in ss.spans
        ]

    def log_records(self) -> list[tuple[dict[str, Any], Any]]:
        return [
            (attributes(rl.resource.attributes), record)
            for message in self.messages("/v1/logs")
            for rl in message.resource_logs
            for sl in rl.scope_logs
            for record in sl.log_records
        ]

    def metrics(self) -> list[tuple[dict[str, Any], Any]]:
        return [
            (attributes(rm.resource.attributes), metric)
            for message in self.messages("/v1/metrics")
            for rm in message.resource_metrics
            for sm in rm.scope_metrics
            for metric in sm.metrics
        ]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        return wait_until(predicate, timeout)


@contextmanager
def running_receiver(**kwargs: Any) -> Iterator[OTLPReceiver]:
    receiver = OTLPReceiver(**kwargs).start()
    try:
        yield receiver
    finally:
        receiver.close()


class _PortHold:
    """Keeps a port while the receiver is down: a listening socket that resets every
    connection at once, so a client fails at once (a transient error, as on a closed port) and
    no other server can bind the port meanwhile."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._thread = threading.Thread(target=self._reset_all, daemon=True)
        self._thread.start()

    def _reset_all(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return  # shut down by close()
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() (Linux)
        self._thread.join(5)
        self._sock.close()


def _hold(port: int) -> _PortHold | None:
    """Hold ``port`` (``None`` if that is impossible: then it is merely free)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen(128)
    except OSError:
        sock.close()
        return None
    return _PortHold(sock)
