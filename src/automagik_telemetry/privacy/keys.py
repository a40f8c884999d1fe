"""Key rules: what an attribute's *name* says about its value.

``http.request.header.authorization`` holds a credential whatever it looks like, so its whole
value goes. The rule looks at the last segment of a dotted or header-style name only, and at
whole words of it, so ``password`` and ``db_password`` are secrets while
``password_reset_enabled``, ``max_tokens``, ``gen_ai.usage.input_tokens`` and
``tokenizer.name`` are not. GenAI prompt and completion content is recognised by name too.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Collection

__all__ = [
    "GENAI_CONTENT_FIELDS",
    "GENAI_CONTENT_KEYS",
    "GENAI_MESSAGE_EVENTS",
    "HEADER_KEYS",
    "NOT_SECRET_NAMES",
    "SECRET_NAMES",
    "KeyKind",
    "classify_key",
    "is_genai_content_key",
    "is_secret_name",
    "is_version_name",
    "normalize_name",
]


class KeyKind(enum.Enum):
    """What the redactor does with a value, judged by its key."""

    PLAIN = "plain"
    """Scan the value for sensitive data."""
    SECRET = "secret"  # noqa: S105 - a kind of key, not a password
    """Replace the whole value."""
    CONTENT = "content"
    """GenAI prompt/completion content: drop it (unless capture is on)."""
    ALLOWED = "allowed"
    """Allow-listed by the user, or a version number: leave it alone."""


SECRET_NAMES: frozenset[str] = frozenset(
    {
        "password", "passwd", "pwd", "passphrase", "secret", "token", "api_key", "apikey",
        "private_key", "secret_key", "access_key", "authorization", "auth", "cookie",
        "session_id", "sessionid", "credit_card", "card_number", "cardnumber", "ssn", "cvv",
        "cvc", "credential", "credentials", "signature", "sig",
    }
)  # fmt: skip
"""A normalised name is a secret when it *is* one of these or ends with ``_`` + one of them
(``db_password``, ``x_api_key``, ``set_cookie``, ``refresh_token``)."""

HEADER_KEYS: frozenset[str] = frozenset(
    {"authorization", "proxy_authorization", "cookie", "set_cookie"}
)
"""Header-like names whose value in free text runs to the end of the line
(``Cookie: a=1; b=2``)."""

GENAI_CONTENT_KEYS: tuple[str, ...] = (
    "gen_ai.prompt",
    "gen_ai.completion",
    "gen_ai.input.messages",
    "gen_ai.output.messages",
    "gen_ai.system_instructions",
    "gen_ai.tool.call.arguments",
    "gen_ai.tool.call.result",
    "llm.prompts",
    "llm.completions",
    "llm.input_messages",
    "llm.output_messages",
)
"""Prompt/completion content, by exact name or as a prefix followed by ``.`` (semantic
conventions, OpenLLMetry's ``gen_ai.prompt.0.content`` and OpenInference's ``llm.*``)."""

GENAI_MESSAGE_EVENTS: frozenset[str] = frozenset(
    {
        "gen_ai.system.message",
        "gen_ai.user.message",
        "gen_ai.assistant.message",
        "gen_ai.tool.message",
        "gen_ai.choice",
    }
)
"""Events (span events or log records) whose fields in ``GENAI_CONTENT_FIELDS`` are content."""

GENAI_CONTENT_FIELDS: frozenset[str] = frozenset({"content", "arguments", "result", "response"})

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def normalize_name(key: str) -> str:
    """The last segment of ``key``, snake_case: ``http.request.header.X-Api-Key`` ->
    ``x_api_key``, ``clientSecret`` -> ``client_secret``."""
    last = key.rsplit(".", 1)[-1].rsplit("/", 1)[-1]
    return _CAMEL.sub("_", last).lower().replace("-", "_").strip("_ ")


NOT_SECRET_NAMES: tuple[str, ...] = (
    *("page_token", "continuation_token", "sync_token", "next_token", "pagination_token"),
    *("cursor", "page_cursor", "resume_token", "delta_token", "skip_token", "token_count"),
    *("token_type", "tokens", "token_usage", "token_limit"),
)
"""Names that end like secrets but hold none: pagination and continuation tokens (opaque
positions in a listing, handed to the client in the clear), token counts and types.
Matched like ``SECRET_NAMES``: ``next_page_token``, ``nextPageToken`` and
``x_continuation_token`` are kept."""


def is_secret_name(key: str, extra: Collection[str] = ()) -> bool:
    name = normalize_name(key)
    if name in extra:
        return True
    if any(name == word or name.endswith("_" + word) for word in NOT_SECRET_NAMES):
        return False
    return any(name == word or name.endswith("_" + word) for word in (*SECRET_NAMES, *extra))


def is_version_name(key: str) -> bool:
    """``service.version``, ``os.version``, ``sdk_version``: values are version numbers."""
    name = normalize_name(key)
    return name == "version" or name.endswith("_version")


def is_genai_content_key(key: str) -> bool:
    return any(key == prefix or key.startswith(prefix + ".") for prefix in GENAI_CONTENT_KEYS)


def classify_key(
    key: str,
    *,
    allowed: Collection[str] = (),
    extra_secrets: Collection[str] = (),
    secrets: bool = True,
    capture_content: bool = False,
) -> KeyKind:
    """The rule for one key, in order: allow-list, GenAI content, secret name, version
    number (kept), plain."""
    if key in allowed:
        return KeyKind.ALLOWED
    if not capture_content and is_genai_content_key(key):
        return KeyKind.CONTENT
    if secrets and is_secret_name(key, extra_secrets):
        return KeyKind.SECRET
    if is_version_name(key):
        return KeyKind.ALLOWED  # "6.1.0.25" is a kernel, not an IPv4 address
    return KeyKind.PLAIN
