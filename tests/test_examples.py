"""The examples run as a user would run them (smoke tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_quickstart_shows_the_decision_and_prints_what_would_be_sent(tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "quickstart.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "telemetry would be OFF: no consent recorded" in result.stdout
    assert "enabled by the application" in result.stdout
    assert '"name": "place-order"' in result.stderr
    assert "stock is running low for item A-42" in result.stderr
    assert '"name": "orders"' in result.stderr
