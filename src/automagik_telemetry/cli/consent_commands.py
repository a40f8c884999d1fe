"""``status``, ``opt-in`` and ``opt-out``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..config import TelemetryConfig
from ..config.level import ConsentLevel
from ..consent.decision import decide_consent
from ..consent.store import ConsentStore
from ..status import build_status

__all__ = ["register"]


def register(commands: Any) -> None:
    status = commands.add_parser(
        "status", help="is telemetry on, why, and where would data go", description=_STATUS_DOC
    )
    status.add_argument("--json", action="store_true", help="machine-readable output")
    status.set_defaults(run=run_status)

    opt_in = commands.add_parser("opt-in", help="agree to send telemetry (next program start)")
    opt_in.add_argument(
        "--level",
        choices=[ConsentLevel.ALL.value, ConsentLevel.ERRORS.value],
        default=ConsentLevel.ALL.value,
        help="all: usage, errors and performance (default); errors: only errors and crashes",
    )
    opt_in.set_defaults(run=run_opt_in)

    opt_out = commands.add_parser("opt-out", help="stop sending telemetry (within a second)")
    opt_out.set_defaults(run=run_opt_out)


_STATUS_DOC = (
    "Shows the decision a program using automagik-telemetry gets when it starts with the "
    "current environment. A tool may also pass enabled=... in code; refusals (DO_NOT_TRACK, "
    "the opt-out file, opt-out) win over it."
)


def run_status(args: argparse.Namespace, config: TelemetryConfig) -> int:
    decision = decide_consent(config)
    status = build_status(config, decision, next_start=decision, running=False)
    print(json.dumps(status.to_dict(), indent=2) if args.json else status.render())
    return 0


def run_opt_in(args: argparse.Namespace, config: TelemetryConfig) -> int:
    store = ConsentStore(config.config_dir)
    if not _record(store, ConsentLevel(args.level), "automagik-telemetry opt-in"):
        return 1
    decision = decide_consent(config, store=store)
    print(f"Recorded: telemetry {args.level}. Programs pick this up at their next start.")
    if not decision.enabled:
        print(f"Note: telemetry still stays off here because {decision.reason}.")
    return 0


def run_opt_out(args: argparse.Namespace, config: TelemetryConfig) -> int:
    del args
    store = ConsentStore(config.config_dir)
    if not _record(store, ConsentLevel.OFF, "automagik-telemetry opt-out"):
        return 1
    print(
        "Recorded: telemetry off (and created "
        f"{store.opt_out_path}). Running programs stop sending within about a second; "
        "data they had not sent yet is discarded."
    )
    return 0


def _record(store: ConsentStore, level: ConsentLevel, via: str) -> bool:
    try:
        store.write_preference(level, via=via)
    except OSError as error:
        print(f"automagik-telemetry: cannot record your choice: {error}", file=sys.stderr)
        return False
    return True
