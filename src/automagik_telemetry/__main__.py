"""``python -m automagik_telemetry`` runs the CLI."""

import sys

from .cli import main

sys.exit(main())
