"""The loopback ClickHouse HTTP front itself: the protocol details clients rely on."""

from __future__ import annotations

import gzip
import struct
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.support.clickhouse_http import ClickHouseFront


def call(
    front: ClickHouseFront, body: bytes = b"", headers: dict[str, str] | None = None, **params: str
) -> tuple[int, dict[str, str], bytes]:
    url = f"{front.url}/?{urlencode(params)}" if params else f"{front.url}/"
    request = urllib.request.Request(url, data=body or None, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_ping_and_plain_queries(fresh_front: ClickHouseFront) -> None:
    assert call(fresh_front)[2] == b"Ok.\n"
    status, headers, body = call(fresh_front, query="SELECT 1 + 1")
    assert (status, body, headers["X-ClickHouse-Format"]) == (200, b"2\n", "TabSeparated")
    assert "read_rows" in headers["X-ClickHouse-Summary"]
    status, _, body = call(fresh_front, b"FROM numbers(3)", query="SELECT sum(number)")
    assert body == b"3\n"
    _, headers, body = call(fresh_front, query="SELECT 'a' AS x", default_format="JSONEachRow")
    assert (body, headers["X-ClickHouse-Format"]) == (b'{"x":"a"}\n', "JSONEachRow")
    _, _, body = call(fresh_front, query="SELECT {n:UInt8} * 2", param_n="21")
    assert body == b"42\n"


def test_errors_carry_codes_and_statuses(fresh_front: ClickHouseFront) -> None:
    status, headers, body = call(fresh_front, query="SELECT * FROM nowhere.nothing")
    assert status == 404
    assert headers["X-ClickHouse-Exception-Code"] == "81"
    assert body.startswith(b"Code: 81. DB::Exception:")
    status, headers, _ = call(fresh_front, query="SELEKT 1")
    assert (status, headers["X-ClickHouse-Exception-Code"]) == (400, "62")
    status, headers, _ = call(fresh_front, query="SELECT 1", no_such_setting="1")
    assert headers["X-ClickHouse-Exception-Code"] == "115"
    status, headers, _ = call(fresh_front, b"\x00garbage", {"Content-Encoding": "gzip"})
    assert (status, headers["X-ClickHouse-Exception-Code"]) == (400, "271")


def test_database_parameter_and_raw_insert_bytes(fresh_front: ClickHouseFront, engine: Any) -> None:
    engine.command("CREATE DATABASE IF NOT EXISTS front_db")
    engine.command("CREATE TABLE IF NOT EXISTS front_db.t (s String, n UInt32) ENGINE = Memory")
    # RowBinary rows whose first string starts with whitespace bytes: nothing may be trimmed
    rows = b"".join(
        bytes([len(s)]) + s + struct.pack("<I", n) for s, n in ((b" \n x", 1), (b"\t", 2))
    )
    status, _, _ = call(
        fresh_front, rows, database="front_db", query="INSERT INTO t (s, n) FORMAT RowBinary"
    )
    assert status == 200
    in_body = b"INSERT INTO front_db.t FORMAT RowBinary\n" + rows
    assert call(fresh_front, in_body)[0] == 200
    assert engine.query("SELECT s, n FROM front_db.t ORDER BY n").result_rows == [
        (" \n x", 1), (" \n x", 1), ("\t", 2), ("\t", 2),
    ]  # fmt: skip
    status, headers, _ = call(fresh_front, b"x", query="INSERT INTO front_db.missing FORMAT CSV")
    assert (status, headers["X-ClickHouse-Exception-Code"]) == (404, "60")
    status, headers, _ = call(fresh_front, query="INSERT INTO front_db.t VALUES ('v', 3)")
    assert status == 200
    engine.command("DROP DATABASE front_db")


def test_response_compression(fresh_front: ClickHouseFront) -> None:
    _, headers, body = call(
        fresh_front,
        headers={"Accept-Encoding": "br, gzip"},
        query="SELECT 'zipped'",
        enable_http_compression="1",
    )
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == b"zipped\n"
    _, headers, body = call(
        fresh_front,
        headers={"Accept-Encoding": "br"},
        query="SELECT 1",
        enable_http_compression="1",
    )
    assert "Content-Encoding" not in headers


@pytest.mark.parametrize("encoding", ["deflate", "zstd", "lz4", "identity"])
def test_request_encodings(fresh_front: ClickHouseFront, encoding: str) -> None:
    from automagik_telemetry.exporters.clickhouse.connection import compress

    body = b"SELECT 'ok'"
    if encoding == "deflate":
        import zlib

        data = zlib.compress(body)
    elif encoding == "identity":
        data = body
    else:
        data = compress(body, encoding)
    assert call(fresh_front, data, {"Content-Encoding": encoding})[2] == b"ok\n"


def test_authentication(fresh_front: ClickHouseFront) -> None:
    fresh_front.password = "pw"
    status, headers, _ = call(fresh_front, query="SELECT 1")
    assert (status, headers["X-ClickHouse-Exception-Code"]) == (403, "516")
    ok = call(
        fresh_front,
        query="SELECT 1",
        headers={"X-ClickHouse-User": "default", "X-ClickHouse-Key": "pw"},
    )
    assert ok[0] == 200
