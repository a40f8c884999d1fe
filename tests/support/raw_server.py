"""A TCP server on 127.0.0.1 that misbehaves the way no HTTP library will: it answers with
raw bytes (a truncated response, then a reset) or never answers at all (a black hole).

Each accepted connection is handed to ``conduct`` on a thread of its own; ``connections``
counts them, so a test can tell "probed once" from "hammered".
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

__all__ = ["RawServer", "black_hole", "raw_server", "reset", "truncated_answer"]

Conduct = Callable[[socket.socket], None]


@dataclass
class RawServer:
    port: int
    connections: int = 0
    _open: list[socket.socket] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def reset(conn: socket.socket) -> None:
    """Close with an RST instead of a FIN: what a crashing proxy or a killed server does."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def read_request(conn: socket.socket) -> None:
    """Read until the request's headers and body have arrived (or the client gave up)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return
        body += chunk


def truncated_answer(status: int, promised: int, sent: int) -> Conduct:
    """Read the request, send ``HTTP/1.1 <status>`` promising ``promised`` body bytes, send
    ``sent`` of them, then reset the connection."""

    def conduct(conn: socket.socket) -> None:
        read_request(conn)
        conn.sendall(
            f"HTTP/1.1 {status} Oops\r\nContent-Length: {promised}\r\n\r\n".encode() + b"x" * sent
        )
        reset(conn)

    return conduct


def black_hole(conn: socket.socket) -> None:
    """Accept and never answer: the connection stays open until the server stops."""
    read_request(conn)


@contextlib.contextmanager
def raw_server(conduct: Conduct, port: int = 0) -> Iterator[RawServer]:
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(128)
    server = RawServer(listener.getsockname()[1])

    def handle(conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            conduct(conn)

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = listener.accept()
                with server._lock:
                    server.connections += 1
                    server._open.append(conn)
                threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() so the port is freed
        listener.close()
        thread.join(5)
        with server._lock:
            connections, server._open = server._open, []
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
