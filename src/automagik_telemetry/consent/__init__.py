"""Consent: nothing is recorded or sent until the user has agreed.

``decide_consent`` turns settings, environment and the user's stored answer into a
``ConsentDecision``; ``ConsentState`` keeps a running process in step with later opt-outs;
``first_run_notice`` asks interactive users once.
"""

from ..config.level import ConsentLevel
from .decision import ConsentDecision, decide_consent
from .environment import detect_ci, detect_development
from .notice import first_run_notice
from .runtime import ConsentState
from .store import ConsentStore, StoredPreference

__all__ = [
    "ConsentDecision",
    "ConsentLevel",
    "ConsentState",
    "ConsentStore",
    "StoredPreference",
    "decide_consent",
    "detect_ci",
    "detect_development",
    "first_run_notice",
]
