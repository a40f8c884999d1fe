"""Privacy engine: personal data and secrets are scrubbed before telemetry leaves the process.

``Redactor`` finds and replaces them (detectors with validators, key rules, GenAI content
rules); ``PrivacySpanProcessor``, ``PiiRedactingLogRecordProcessor`` and
``PiiRedactingMetricExporter`` apply it to spans, log records and metrics. See
docs/PRIVACY.md for what is detected and what is kept.
"""

from ..config.scrubbing import DETECTOR_NAMES, ScrubbingOptions, ScrubMatch
from .counts import REDACTED_ATTRIBUTE
from .keys import KeyKind
from .logs import PiiRedactingLogRecordProcessor
from .metrics import PiiRedactingMetricExporter
from .pseudonym import load_pseudonym_key
from .redactor import Redaction, Redactor
from .spans import PrivacySpanProcessor

__all__ = [
    "DETECTOR_NAMES",
    "REDACTED_ATTRIBUTE",
    "KeyKind",
    "PiiRedactingLogRecordProcessor",
    "PiiRedactingMetricExporter",
    "PrivacySpanProcessor",
    "Redaction",
    "Redactor",
    "ScrubMatch",
    "ScrubbingOptions",
    "load_pseudonym_key",
]
