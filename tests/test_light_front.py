"""The light front: what a program pays for asking, when its user never agreed.

Most host programs are short command-line runs, and most of their users never opt in. With
consent off, importing the package, ``configure_automagik()`` and the ``track_*`` calls must load
the standard library and what the consent decision needs, nothing of the engine. These tests pin
the set of modules, in a fresh interpreter, so no later change brings the cost back unnoticed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

FRONT = {
    "automagik_telemetry",
    "automagik_telemetry._version",
    "automagik_telemetry.attributes",
    "automagik_telemetry.config",
    "automagik_telemetry.config.dirs",
    "automagik_telemetry.config.level",
    "automagik_telemetry.config.masking",
    "automagik_telemetry.config.scrubbing",
    "automagik_telemetry.config.settings",
    "automagik_telemetry.config.specs",
    "automagik_telemetry.config.values",
    "automagik_telemetry.configure",
    "automagik_telemetry.consent",
    "automagik_telemetry.consent.decision",
    "automagik_telemetry.consent.environment",
    "automagik_telemetry.consent.notice",
    "automagik_telemetry.consent.runtime",
    "automagik_telemetry.consent.store",
    "automagik_telemetry.diagnostics",
    "automagik_telemetry.errors",
    "automagik_telemetry.events",
}
"""Every module of ours a consent-off run may load."""

REFUSAL = {
    "automagik_telemetry.spool",
    "automagik_telemetry.spool.files",
    "automagik_telemetry.spool.layout",
    "automagik_telemetry.spool.drops",
    "automagik_telemetry.spool.owners",
    "automagik_telemetry.spool.store",
}
"""A refusal (not merely no consent) also deletes what was spooled: files only."""

HEAVY_STDLIB = {
    "asyncio",
    "concurrent",
    "ctypes",
    "decimal",
    "email",
    "http",
    "multiprocessing",
    "socket",
    "sqlite3",
    "ssl",
    "subprocess",
    "xml",
    "zipfile",
}
"""Standard-library packages that cost milliseconds each and that consent needs none of."""

THIRD_PARTY = set() if sys.platform.startswith("linux") else {"platformdirs"}
"""Nothing on Linux (the XDG rule is ours, config/dirs.py); elsewhere the per-OS config
directory of the stored consent comes from platformdirs."""

PROGRAM = """
import json, sys
before = set(sys.modules)
import automagik_telemetry
from automagik_telemetry import configure_automagik, track_error, track_event, track_metric
handle = configure_automagik(service_name="cli")
track_event("cli.command", {"command": "run"})
track_metric("cli.runs", 1)
track_error(ValueError("x"))
print(json.dumps({
    "enabled": handle.enabled,
    "rule": handle.decision.rule,
    "modules": sorted(set(sys.modules) - before),
}))
"""


def run(home: Path, **environment: str) -> dict[str, object]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AUTOMAGIK_", "OTEL_", "COV_CORE_"))
        and key not in {"CI", "GITHUB_ACTIONS", "DO_NOT_TRACK", "ENVIRONMENT"}
    }
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), **environment)
    env.update(XDG_CACHE_HOME=str(home / "cache"))
    completed = subprocess.run(
        [sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(completed.stdout)
    return result


def top(module: str) -> str:
    return module.split(".", 1)[0]


def check_modules(modules: list[str], ours: set[str]) -> None:
    foreign = {
        module
        for module in modules
        if top(module) not in sys.stdlib_module_names
        and top(module) not in THIRD_PARTY
        and not module.startswith("_")
        and top(module) != "automagik_telemetry"
    }
    assert foreign == set(), "a consent-off run loads more than the standard library"
    assert {m for m in modules if top(m) == "automagik_telemetry"} <= ours
    assert {top(m) for m in modules} & HEAVY_STDLIB == set()


def test_no_consent_recorded_loads_only_the_standard_library_and_the_front(
    tmp_path: Path,
) -> None:
    result = run(tmp_path)
    assert result["enabled"] is False
    assert result["rule"] == "no_consent"
    modules = result["modules"]
    assert isinstance(modules, list)
    check_modules(modules, FRONT)
    assert not any(m.startswith("opentelemetry") for m in modules)
    assert not (tmp_path / "config").exists()  # nothing written for a user who never agreed


@pytest.mark.parametrize(
    "environment", [{"DO_NOT_TRACK": "1"}, {"AUTOMAGIK_TELEMETRY_ENABLED": "false"}]
)
def test_a_refusal_loads_no_engine_either(tmp_path: Path, environment: dict[str, str]) -> None:
    result = run(tmp_path, **environment)
    assert result["enabled"] is False
    modules = result["modules"]
    assert isinstance(modules, list)
    check_modules(modules, FRONT | REFUSAL)


def test_consent_on_with_otlp_loads_nothing_of_clickhouse_nor_protobuf(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        AUTOMAGIK_TELEMETRY_ENABLED="1",
        AUTOMAGIK_TELEMETRY_ENDPOINT="http://127.0.0.1:9",
        AUTOMAGIK_TELEMETRY_SHUTDOWN_TIMEOUT="200ms",
    )
    assert result["enabled"] is True
    modules = result["modules"]
    assert isinstance(modules, list)
    assert "automagik_telemetry.engine.pipeline" in modules
    assert not [
        m
        for m in modules
        if m.startswith("automagik_telemetry.exporters.clickhouse")
        or top(m) in {"clickhouse_connect", "chdb", "lz4"}
    ]
    assert not [m for m in modules if top(m) in {"pygal", "pandas", "pyarrow"}]
    # our encoders write the wire format: the protobuf runtime and the stock encoders are
    # for decoding spooled batches only, and a program that just sends never loads them
    assert not [m for m in modules if m.startswith(("google.protobuf", "opentelemetry.proto"))]
    assert not [m for m in modules if m.startswith("opentelemetry.exporter")]


def test_the_detached_sender_loads_no_sdk_and_no_protobuf_to_replay_otlp() -> None:
    """The sender of a short run starts while the next run may be starting: it replays the
    spooled bytes as they are, so it needs neither the SDK's providers nor the protobuf runtime
    (only what decodes a batch, at the ``errors`` level or for ClickHouse, loads them)."""
    code = """
import json, sys
from automagik_telemetry.config import TelemetryConfig
from automagik_telemetry.consent.runtime import ConsentState
from automagik_telemetry.exporters import build_backend
from automagik_telemetry.spool.replay import Replayer
from automagik_telemetry.spool.sender import Sender
from automagik_telemetry.spool.store import SpoolStore
config = TelemetryConfig(endpoint="http://127.0.0.1:9")
backend = build_backend("otlp", config)
store = SpoolStore(__import__("pathlib").Path(sys.argv[1]), max_bytes=10**6, max_age=60)
Replayer(store, backend, ConsentState(config), timeout=1.0)
print(json.dumps(sorted(sys.modules)))
"""
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        completed = subprocess.run(
            [sys.executable, "-c", code, directory], capture_output=True, text=True, check=True
        )
    modules = json.loads(completed.stdout)
    heavy = [
        m
        for m in modules
        if m.startswith(("google.protobuf", "opentelemetry.proto", "opentelemetry.exporter"))
        or (m.startswith("opentelemetry.sdk.") and m != "opentelemetry.sdk.version")
    ]
    assert heavy == []
