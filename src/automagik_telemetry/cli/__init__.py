"""``automagik-telemetry``: see and change what telemetry does on this machine.

Exit codes: 0 success; 1 the command ran and found a problem (``doctor``); 2 bad usage or bad
configuration (the message names the setting). Output piped into a reader that stops early
(``| head``) ends the command quietly.

Part of the light front: the consent commands, ``status`` and ``doctor --offline`` import the
standard library only and answer in a few tens of milliseconds.
"""

from __future__ import annotations

import argparse
import os
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


EXIT_BROKEN_PIPE = 141  # what a shell reports for a program its reader stopped (128 + SIGPIPE)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = TelemetryConfig.resolve()
    except ConfigurationError as error:
        print(f"automagik-telemetry: configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        code: int = args.run(args, config)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``status | head -1``): nothing more to say, and the
        # interpreter's own flush at exit must not fail again with a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_BROKEN_PIPE
    return code
