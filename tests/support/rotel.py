"""Run ``rotel-agent`` (PyPI ``rotel``), an independent OTLP collector written in Rust, as a peer.

Our data going through someone else's receiver and exporter proves wire compatibility better
than any test against our own decoder alone.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sysconfig
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest


def rotel_binary() -> Path:
    rotel = pytest.importorskip("rotel", reason="the rotel package (dev extra) is not installed")
    binary = Path(rotel.__file__).parent / "rotel-agent"
    if not binary.exists():  # pragma: no cover - depends on the wheel for this platform
        pytest.skip(f"rotel-agent binary missing at {binary}")
    return binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout}s")


@contextmanager
def running_rotel(workdir: Path, exporter_args: Sequence[str]) -> Iterator[str]:
    """Start rotel with an OTLP/HTTP receiver on a free loopback port; yields its base URL."""
    http_port, grpc_port = free_port(), free_port()
    log_file = workdir / "rotel.log"
    command = [
        str(rotel_binary()),
        "start",
        "--otlp-http-endpoint",
        f"127.0.0.1:{http_port}",
        "--otlp-grpc-endpoint",
        f"127.0.0.1:{grpc_port}",
        "--pid-file",
        str(workdir / "rotel.pid"),
        "--log-file",
        str(log_file),
        "--batch-timeout",
        "100ms",
        *exporter_args,
    ]
    # rotel-agent embeds Python (libpython3.X.so): let it find this interpreter's library even
    # when that is not on the system loader path (pyenv builds, for example).
    libdir = sysconfig.get_config_var("LIBDIR") or ""
    env = {
        **os.environ,
        "LD_LIBRARY_PATH": os.pathsep.join(
            filter(None, [libdir, os.environ.get("LD_LIBRARY_PATH", "")])
        ),
    }
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    try:
        wait_for_port(http_port)
        yield f"http://127.0.0.1:{http_port}"
    finally:
        process.kill()  # the data was already checked; a graceful stop takes rotel ~5 s
        output, _ = process.communicate()
        (workdir / "rotel.out").write_bytes(output or b"")
