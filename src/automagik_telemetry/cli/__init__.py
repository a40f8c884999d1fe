"""``automagik-telemetry``: see and change what telemetry does on this machine.

Exit codes: 0 success; 1 the command ran and found a problem (``doctor``); 2 bad usage or bad
configuration (the message names the setting).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..config import TelemetryConfig
from ..errors import ConfigurationError
from . import consent_commands, doctor, report

__all__ = ["main"]

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="automagik-telemetry",
        description="Privacy-first telemetry for Automagik tools: status, consent and reports.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    consent_commands.register(commands)
    doctor.register(commands)
    report.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = TelemetryConfig.resolve()
    except ConfigurationError as error:
        print(f"automagik-telemetry: configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE
    code: int = args.run(args, config)
    return code
