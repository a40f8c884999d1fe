"""A loopback ClickHouse HTTP interface over a chDB session, for testing the HTTP path.

No modern ClickHouse server can be installed here, so this speaks the subset of ClickHouse's
HTTP protocol that clickhouse-connect (unmodified) and rotel use, and runs every statement on
a real ClickHouse engine (chDB) so results are the engine's, not ours:

- the query in the ``query`` URL parameter and/or the body; for ``INSERT ... FORMAT X`` the data
  follows (body after the query text, or the whole body when the query is in the URL: bytes
  after ``FORMAT X`` are data, never trimmed: a RowBinary body may start with whitespace);
- ``Transfer-Encoding: chunked`` bodies; ``Content-Encoding`` gzip, deflate, lz4 (frame), zstd,
  br on requests; response compression with ``enable_http_compression=1`` + ``Accept-Encoding``;
- the ``database`` parameter, ClickHouse settings as URL parameters (applied with ``SET`` on a
  fresh session per request), ``param_*`` query parameters, ``default_format``;
- answers with ``X-ClickHouse-Summary``, ``-Query-Id``, ``-Format``, ``-Timezone``,
  ``-Exception-Code``; errors carry the engine's ``Code: N. DB::Exception: ...`` text and the
  HTTP status ClickHouse uses for that code (404 unknown table/database, 400 syntax, 500 ...);
- optional user/password check (code 516) and a ``fault`` hook to answer 5xx on purpose.

Not covered (real servers differ): server-side async insert queues, ``ON CLUSTER``,
replication, sessions, progress headers, the Native protocol ``decompress=1`` block format,
quotas, users and grants beyond one password.
"""

from __future__ import annotations

import gzip
import http.server
import json
import os
import re
import tempfile
import threading
import uuid
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import chdb

_TRANSPORT = {
    "query", "database", "default_format", "user", "password", "query_id", "session_id",
    "session_timeout", "session_check", "compress", "decompress", "enable_http_compression",
    "wait_end_of_query", "send_progress_in_http_headers", "http_headers_progress_interval_ms",
    "client_protocol_version", "buffer_size", "quota_key", "role", "max_result_rows",
    "result_overflow_mode",
}  # fmt: skip
_STATUS = {
    60: 404, 81: 404, 46: 404, 47: 404, 115: 404, 73: 404, 50: 404,  # unknown ...
    62: 400, 27: 400, 53: 400, 16: 400, 8: 400, 6: 400, 26: 400, 41: 400, 33: 400,
    516: 403, 497: 403, 159: 504, 202: 503,
}  # fmt: skip
_INSERT = re.compile(
    r"^\s*INSERT\s+INTO\s+(?P<target>.+?)\s+(?P<tail>(?:SETTINGS\s+.+?\s+)?FORMAT\s+(?P<format>\w+))",
    re.IGNORECASE | re.DOTALL,
)
_CODE = re.compile(r"Code: (\d+)\.")
_TRAILING_FORMAT = re.compile(r"\bFORMAT\s+(\w+)\s*;?\s*$", re.IGNORECASE)


@dataclass
class FrontRequest:
    """What the front received (for assertions and for ``fault``)."""

    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]
    query: str
    body_size: int
    content_encoding: str = ""
    chunked: bool = False


# (status, exception code or None, message) to answer with instead of running the request.
Fault = Callable[[FrontRequest], "tuple[int, int | None, str] | None"]


@dataclass
class ClickHouseFront:
    engine_path: str
    user: str | None = None
    password: str | None = None
    fault: Fault | None = None
    requests: list[FrontRequest] = field(default_factory=list)
    _server: http.server.ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> ClickHouseFront:
        front = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                front._handle(self)

            def do_POST(self) -> None:
                front._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

        self._server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- one request -------------------------------------------------------------------------

    def _handle(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        headers = {name.lower(): value for name, value in handler.headers.items()}
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        body = _read_body(handler, headers, chunked)
        if parts.path.rstrip("/") in ("/ping", "") and not params.get("query") and not body:
            self._answer(handler, 200, {}, b"Ok.\n")
            return
        encoding = headers.get("content-encoding", "")
        try:
            body = _decode(body, encoding)
        except Exception as error:
            self._error(handler, 400, 271, f"Cannot decompress {encoding} body: {error}")
            return
        query, data = _split(params.get("query", ""), body)
        request = FrontRequest(
            handler.command, parts.path, params, headers, query, len(body), encoding, chunked
        )
        with self._lock:
            self.requests.append(request)
        answer = self.fault(request) if self.fault is not None else None
        if answer is not None:
            status, code, message = answer
            self._error(handler, status, code, message)
            return
        if not self._authorized(headers, params):
            self._error(handler, 403, 516, "default: Authentication failed (AUTHENTICATION_FAILED)")
            return
        try:
            output, fmt, summary = self._run(params, query, data)
        except Exception as error:
            message = str(error)
            match = _CODE.search(message)
            code = int(match.group(1)) if match else 1002
            self._error(handler, _STATUS.get(code, 500), code, message)
            return
        reply_headers = {
            "X-ClickHouse-Summary": json.dumps(summary),
            "X-ClickHouse-Query-Id": params.get("query_id") or str(uuid.uuid4()),
            "X-ClickHouse-Format": fmt,
            "X-ClickHouse-Timezone": "UTC",
            "X-ClickHouse-Server-Display-Name": "automagik-test-front",
            "Content-Type": "text/plain; charset=UTF-8",
        }
        output = self._compress(params, headers, output, reply_headers)
        self._answer(handler, 200, reply_headers, output)

    def _authorized(self, headers: dict[str, str], params: dict[str, str]) -> bool:
        if self.password is None:
            return True
        user = headers.get("x-clickhouse-user") or params.get("user") or "default"
        password = headers.get("x-clickhouse-key") or params.get("password") or ""
        authorization = headers.get("authorization", "")
        if authorization.lower().startswith("basic "):
            import base64

            user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
        return user == (self.user or "default") and password == self.password

    def _run(
        self, params: dict[str, str], query: str, data: bytes | None
    ) -> tuple[bytes, str, dict[str, str]]:
        connection = chdb.connect(self.engine_path)
        try:
            if params.get("database"):
                connection.query(f"USE `{params['database']}`", "TabSeparated")
            for name, value in params.items():
                if name in _TRANSPORT or name.startswith("param_"):
                    continue
                escaped = value.replace("\\", "\\\\").replace("'", "\\'")
                connection.query(f"SET {name} = '{escaped}'", "TabSeparated")
            query_params = {k[6:]: v for k, v in params.items() if k.startswith("param_")}
            match = _TRAILING_FORMAT.search(query)
            fmt = match.group(1) if match else params.get("default_format", "TabSeparated")
            if data is not None:
                return b"", fmt, self._insert(connection, query, data, query_params)
            result = connection.query(query, fmt, params=query_params)
            output = result.bytes() or b""
            summary = {
                "read_rows": str(result.rows_read()),
                "read_bytes": str(result.bytes_read()),
                "written_rows": "0",
                "written_bytes": "0",
                "result_rows": str(result.rows_read()),
                "elapsed_ns": str(int(result.elapsed() * 1e9)),
            }
            return output, fmt, summary
        finally:
            connection.close()

    @staticmethod
    def _insert(
        connection: Any, query: str, data: bytes, query_params: dict[str, str]
    ) -> dict[str, str]:
        match = _INSERT.match(query)
        if match is None:
            raise RuntimeError("Code: 62. DB::Exception: Syntax error: INSERT without FORMAT")
        with tempfile.NamedTemporaryFile(suffix=".data", delete=False) as file:
            file.write(data)
        try:
            sql = f"INSERT INTO {match['target']} FROM INFILE '{file.name}' {match['tail']}"
            result = connection.query(sql, "TabSeparated", params=query_params)
        finally:
            os.unlink(file.name)
        return {
            "read_rows": "0",
            "read_bytes": "0",
            "written_rows": str(result.rows_read()),
            "written_bytes": str(result.bytes_read()),
            "elapsed_ns": str(int(result.elapsed() * 1e9)),
        }

    @staticmethod
    def _compress(
        params: dict[str, str], headers: dict[str, str], output: bytes, reply: dict[str, str]
    ) -> bytes:
        if params.get("enable_http_compression") != "1" or not output:
            return output
        accepted = [item.strip() for item in headers.get("accept-encoding", "").split(",")]
        for method in accepted:
            if method in ("lz4", "zstd", "gzip", "deflate"):
                reply["Content-Encoding"] = method
                return _encode(output, method)
        return output

    def _error(
        self,
        handler: http.server.BaseHTTPRequestHandler,
        status: int,
        code: int | None,
        message: str,
    ) -> None:
        headers = {"Content-Type": "text/plain; charset=UTF-8"}
        text = message
        if code is not None:
            headers["X-ClickHouse-Exception-Code"] = str(code)
            if not message.startswith("Code:"):
                text = f"Code: {code}. DB::Exception: {message}"
            text += " (version 26.9.2.1 (automagik test front))"
        self._answer(handler, status, headers, (text + "\n").encode())

    @staticmethod
    def _answer(
        handler: http.server.BaseHTTPRequestHandler,
        status: int,
        headers: dict[str, str],
        payload: bytes,
    ) -> None:
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)


def _read_body(
    handler: http.server.BaseHTTPRequestHandler, headers: dict[str, str], chunked: bool
) -> bytes:
    if not chunked:
        length = int(headers.get("content-length", "0") or 0)
        return handler.rfile.read(length) if length else b""
    chunks = []
    while True:
        size = int(handler.rfile.readline().split(b";")[0].strip(), 16)
        if size == 0:
            while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(chunks)
        chunks.append(handler.rfile.read(size))
        handler.rfile.readline()


def _decode(body: bytes, encoding: str) -> bytes:
    if encoding in ("", "identity"):
        return body
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "lz4":
        import lz4.frame

        return bytes(lz4.frame.decompress(body))
    if encoding == "zstd":
        from clickhouse_connect.driver.compression import _zstd_decompress

        return bytes(_zstd_decompress(body))
    if encoding == "br":
        import brotli  # type: ignore[import-not-found]

        return bytes(brotli.decompress(body))
    raise ValueError(f"unknown Content-Encoding {encoding}")


def _encode(output: bytes, method: str) -> bytes:
    from clickhouse_connect.driver.compression import get_compressor

    compressor: Any = get_compressor(method)
    return bytes(compressor.compress_block(output)) + bytes(compressor.flush() or b"")


def _split(url_query: str, body: bytes) -> tuple[str, bytes | None]:
    """The SQL text and, for ``INSERT ... FORMAT X``, the data (``None`` for other queries).

    Query in the URL: the body is the data, byte for byte. Query in the body: the data starts
    after ``FORMAT X`` and one separating newline or space."""
    if url_query:
        if _INSERT.match(url_query):
            return url_query, body
        return (url_query + (" " + body.decode() if body else "")), None
    text = body.decode("utf-8", errors="surrogateescape")
    match = _INSERT.match(text)
    if match is None:
        return text, None
    head = body[: len(match.group(0).encode("utf-8", errors="surrogateescape"))]
    rest = body[len(head) :]
    if rest[:2] == b"\r\n":
        rest = rest[2:]
    elif rest[:1] in (b"\n", b" "):
        rest = rest[1:]
    return match.group(0), rest


@contextmanager
def running_front(engine_path: str, **kwargs: Any) -> Iterator[ClickHouseFront]:
    front = ClickHouseFront(engine_path, **kwargs).start()
    try:
        yield front
    finally:
        front.stop()
