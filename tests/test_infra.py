"""infra/ without Docker: every file parses, refers to files that exist and to settings that
are defined, the generated files are current, and no secret is committed.

What this cannot show (no Docker here): that the pinned images start, that Grafana installs
the plugin, that the collector connects. docs/SELF_HOSTING.md says so.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from automagik_telemetry.config.clickhouse import TABLE_KINDS
from automagik_telemetry.report.grafana import DATASOURCE, dashboards, main, schema_sql

yaml = pytest.importorskip("yaml", reason="PyYAML (dev extra) is not installed")

ROOT = Path(__file__).resolve().parents[1]
INFRA = ROOT / "infra"


def load(path: str) -> Any:
    return yaml.safe_load((INFRA / path).read_text())


def env_example() -> dict[str, str]:
    pairs = {}
    for line in (INFRA / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            pairs[name] = value
    return pairs


def variables_in(text: str) -> set[str]:
    """``${NAME}``, ``${NAME:-x}``, ``${NAME:?msg}`` and ``${env:NAME}`` references."""
    return set(re.findall(r"\$\{(?:env:)?([A-Z_][A-Z0-9_]*)", text))


def test_compose_services_images_health_and_files() -> None:
    compose = load("docker-compose.yml")
    services = compose["services"]
    assert set(services) == {"clickhouse", "otel-collector", "grafana"}
    for name, service in services.items():
        image = service["image"]
        assert re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+(\.\d+)?", image), f"{name}: pin {image}"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (INFRA / source).exists(), f"{name} mounts missing {source}"
        for port in service.get("ports", []):
            assert port.startswith("${BIND_ADDRESS:-127.0.0.1}:"), f"{name} publishes {port} openly"
    for name in ("clickhouse", "grafana"):
        assert "wget --spider" in " ".join(services[name]["healthcheck"]["test"])
    assert services["otel-collector"]["depends_on"]["clickhouse"]["condition"] == "service_healthy"
    published = {p.rsplit(":", 1)[-1] for p in services["otel-collector"]["ports"]}
    assert {"4317", "4318", "13133"} <= published


def test_every_setting_used_is_documented_in_env_example() -> None:
    documented = set(env_example())
    used = set()
    for path in ("docker-compose.yml", "otel-collector/config.yaml",
                 "grafana/provisioning/datasources/clickhouse.yaml"):  # fmt: skip
        used |= variables_in((INFRA / path).read_text())
    assert used - documented == set()
    compose = load("docker-compose.yml")["services"]
    # what the collector and Grafana's provisioning read must be in their environment
    collector = variables_in((INFRA / "otel-collector/config.yaml").read_text())
    assert collector <= set(compose["otel-collector"]["environment"])
    datasource = variables_in(
        (INFRA / "grafana/provisioning/datasources/clickhouse.yaml").read_text()
    )
    assert datasource <= set(compose["grafana"]["environment"])
    reader_script = (INFRA / "clickhouse/initdb/02-grafana-reader.sh").read_text()
    assert variables_in(reader_script) <= set(compose["clickhouse"]["environment"])


def test_the_collector_writes_our_tables() -> None:
    config = load("otel-collector/config.yaml")
    exporter = config["exporters"]["clickhouse"]
    assert exporter["database"] == "otel"
    assert exporter["create_schema"] is False  # the schema is ours (clickhouse/initdb)
    names = {
        "traces": exporter["traces_table_name"],
        "logs": exporter["logs_table_name"],
        **{f"metrics_{kind}": table["name"] for kind, table in exporter["metrics_tables"].items()},
    }
    assert names == {kind: f"otel_{kind}" for kind in TABLE_KINDS}
    assert "otel_metrics_exponential_histogram" in names.values()
    receivers = config["receivers"]["otlp"]["protocols"]
    assert receivers["grpc"]["endpoint"].endswith(":4317")
    assert receivers["http"]["endpoint"].endswith(":4318")
    for name, pipeline in config["service"]["pipelines"].items():
        assert name in ("traces", "logs", "metrics")
        for kind in ("receivers", "processors", "exporters"):
            assert set(pipeline.get(kind, [])) <= set(config[kind]), (name, kind)
    assert set(config["service"]["extensions"]) <= set(config["extensions"])


def test_grafana_provisioning_points_at_the_dashboards() -> None:
    compose = load("docker-compose.yml")["services"]["grafana"]
    (source,) = load("grafana/provisioning/datasources/clickhouse.yaml")["datasources"]
    assert source["uid"] == DATASOURCE["uid"]
    assert source["type"] == DATASOURCE["type"]
    assert source["jsonData"]["defaultDatabase"] == "otel"
    assert source["secureJsonData"]["password"] == "${GRAFANA_CLICKHOUSE_PASSWORD}"
    assert compose["environment"]["GF_PLUGINS_PREINSTALL_SYNC"].startswith(
        "grafana-clickhouse-datasource@"
    )
    (provider,) = load("grafana/provisioning/dashboards/automagik.yaml")["providers"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in compose["volumes"]}
    assert mounts[provider["options"]["path"]] == "./grafana/dashboards"
    home = compose["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert (INFRA / "grafana/dashboards" / Path(home).name).is_file()


def test_the_generated_files_are_current(tmp_path: Path) -> None:
    """``make -C infra generate`` output equals what is committed (run as a user would)."""
    result = subprocess.run(
        [sys.executable, "-m", "automagik_telemetry.report.grafana", str(tmp_path),
         str(tmp_path / "schema.sql")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "wrote" in result.stdout
    committed = sorted(p.name for p in (INFRA / "grafana/dashboards").glob("*.json"))
    assert committed == sorted(dashboards())
    for name in committed:
        assert (tmp_path / name).read_text() == (INFRA / "grafana/dashboards" / name).read_text(), (
            f"{name} is stale: run make -C infra generate"
        )
        assert json.loads((tmp_path / name).read_text())["uid"] == name.removesuffix(".json")
    schema = (INFRA / "clickhouse/initdb/01-schema.sql").read_text()
    assert schema == (tmp_path / "schema.sql").read_text() == schema_sql()
    assert main([]) == 2
    assert main([str(tmp_path / "only-dashboards")]) == 0


def test_the_init_script_is_executable_shell() -> None:
    script = INFRA / "clickhouse/initdb/02-grafana-reader.sh"
    assert script.stat().st_mode & stat.S_IXUSR  # run in its own shell, not sourced
    subprocess.run(["bash", "-n", str(script)], check=True)
    assert "readonly = 2" in script.read_text()


def test_the_makefile_has_every_target() -> None:
    text = (INFRA / "Makefile").read_text()
    for target in ("start", "health", "test", "logs", "stop", "clean", "generate"):
        assert re.search(rf"^{target}:", text, re.MULTILINE), target
    assert (INFRA / "smoke_test.py").is_file()


_SECRETS = [
    # a PEM block with a key body (a bare header, as in docs/PRIVACY.md, is only an example)
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----\s*[A-Za-z0-9+/=]{40,}"), "a private key"),
    # AWS access key ids, except the documentation's own example ids (...EXAMPLE)
    (re.compile(r"\bAKIA(?![0-9A-Z]{9}EXAMPLE)[0-9A-Z]{16}\b"), "an AWS access key"),
    (re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"), "a GitHub token"),
    (re.compile(r"\bsk-(?:proj-|ant-)?[A-Za-z0-9]{32,}\b"), "an API key"),
    (re.compile(r"\bxox[baprs]-[0-9]{8,}-[A-Za-z0-9-]{10,}\b"), "a Slack token"),
]


def tracked_files() -> list[Path]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False)
    if out.returncode != 0:  # not a git checkout (an sdist): scan the tree
        return [p for p in ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts]
    return [ROOT / name for name in out.stdout.decode().split("\0") if name]


def test_no_secret_is_committed() -> None:
    # the scan finds real-looking secrets (built here, so this file holds none) ...
    for fake in ("-----BEGIN RSA PRIVATE KEY-----\n" + "MIIEow" * 10, "AKIA" + "Q7" * 8,
                 "ghp_" + "a1B2" * 9, "sk-proj-" + "Zx81" * 8):  # fmt: skip
        assert any(pattern.search(fake) for pattern, _ in _SECRETS), fake
    # ... and lets documentation examples pass
    assert not any(
        p.search("AKIAIOSFODNN7EXAMPLE -----BEGIN RSA PRIVATE KEY----- …") for p, _ in _SECRETS
    )
    files = tracked_files()
    assert not [f for f in files if f.name == ".env"], "a .env file is tracked"
    assert "infra/.env" in (ROOT / ".gitignore").read_text().split()
    for name, value in env_example().items():
        if re.search(r"PASSWORD|SECRET|TOKEN|KEY", name):
            assert value == "change-me", f".env.example sets {name} to a real-looking value"
    infra_text = {
        f: f.read_text()
        for f in files
        if INFRA in f.parents and f.suffix in (".yml", ".yaml", ".sh")
    }
    for path, text in infra_text.items():
        for line in text.splitlines():
            match = re.search(r"(?i)(password|secret|token)\w*\s*[:=]\s*(\S+)", line)
            if match and not line.lstrip().startswith("#"):
                value = match[2].strip("'\"")
                assert value.startswith(("${", '"${', "$")) or value in ("|", ">"), (path, line)
    test_files = {ROOT / "tests"}  # fixtures with fake tokens, on purpose (redaction tests)
    for path in files:
        if any(parent in test_files for parent in path.parents) or path.suffix in (".png", ".whl"):
            continue
        try:
            text = path.read_text()
        except (UnicodeDecodeError, OSError):
            continue
        for pattern, what in _SECRETS:
            assert not pattern.search(text), f"{path.relative_to(ROOT)} contains {what}"


def test_make_env_writes_random_passwords(tmp_path: Path) -> None:
    """The Makefile's .env recipe, run as make would run it, in a copy of infra/."""
    make = subprocess.run(["make", "--version"], capture_output=True, check=False)
    if make.returncode != 0:  # pragma: no cover - make is part of every dev and CI machine here
        pytest.skip("make is not installed")
    (tmp_path / ".env.example").write_text((INFRA / ".env.example").read_text())
    (tmp_path / "Makefile").write_text((INFRA / "Makefile").read_text())
    env = {**os.environ, "PYTHON": sys.executable}
    subprocess.run(
        ["make", "-s", ".env", f"PYTHON={sys.executable}"], cwd=tmp_path, env=env, check=True
    )
    created = (tmp_path / ".env").read_text()
    assert "change-me" not in created
    passwords = re.findall(r"PASSWORD=(\S+)", created)
    assert len(passwords) == 3
    assert len(set(passwords)) == 3
    assert all(len(p) >= 24 for p in passwords)
    assert stat.S_IMODE((tmp_path / ".env").stat().st_mode) == 0o600
