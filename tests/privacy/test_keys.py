"""Key rules: an attribute's name decides whether its whole value is a secret or content."""

from __future__ import annotations

import pytest

from automagik_telemetry.privacy import KeyKind, Redactor, ScrubbingOptions
from automagik_telemetry.privacy.keys import classify_key, normalize_name

SECRET_KEYS = [
    "password",
    "passwd",
    "db.password",
    "user_password",
    "secret",
    "client_secret",
    "token",
    "access_token",
    "refresh_token",
    "api_key",
    "apiKey",
    "APIKey",
    "x-api-key",
    "http.request.header.x-api-key",
    "http.request.header.authorization",
    "Authorization",
    "cookie",
    "set-cookie",
    "http.response.header.set-cookie",
    "session_id",
    "sessionId",
    "private_key",
    "credit_card",
    "creditCardNumber",
    "ssn",
    "aws_secret_access_key",
    "X-Amz-Signature",
]
NOT_SECRET_KEYS = [
    "gen_ai.usage.input_tokens",
    "gen_ai.request.max_tokens",
    "max_tokens",
    "tokenizer.name",
    "password_reset_enabled",
    "token_count",
    "token_type",
    "secret_name",
    "private_key_path",
    "api_key_id",
    "session.id",
    "http.request.method",
    "user.email",
    "passwordless",
]


@pytest.mark.parametrize("key", SECRET_KEYS)
def test_secret_names(key: str) -> None:
    assert classify_key(key) is KeyKind.SECRET


@pytest.mark.parametrize("key", NOT_SECRET_KEYS)
def test_names_that_merely_contain_a_secret_word(key: str) -> None:
    assert classify_key(key) is KeyKind.PLAIN


@pytest.mark.parametrize(
    ("key", "normalized"),
    [
        ("http.request.header.X-Api-Key", "x_api_key"),
        ("clientSecret", "client_secret"),
        ("APIKey", "api_key"),
        ("a/b/Session-Token", "session_token"),
    ],
)
def test_normalize_name(key: str, normalized: str) -> None:
    assert normalize_name(key) == normalized


@pytest.mark.parametrize(
    "key",
    [
        "gen_ai.prompt",
        "gen_ai.prompt.0.content",
        "gen_ai.completion.0.content",
        "gen_ai.input.messages",
        "gen_ai.output.messages",
        "gen_ai.system_instructions",
        "gen_ai.tool.call.arguments",
        "llm.input_messages.0.message.content",
    ],
)
def test_genai_content_keys(key: str) -> None:
    assert classify_key(key) is KeyKind.CONTENT
    assert classify_key(key, capture_content=True) is KeyKind.PLAIN


@pytest.mark.parametrize(
    "key",
    ["gen_ai.prompt_tokens", "gen_ai.response.finish_reasons", "gen_ai.request.model"],
)
def test_genai_metadata_is_not_content(key: str) -> None:
    assert classify_key(key) is KeyKind.PLAIN


def test_versions_are_kept() -> None:
    assert classify_key("os.version") is KeyKind.ALLOWED
    assert classify_key("sdk_version") is KeyKind.ALLOWED
    assert Redactor().redact("10.0.0.25", key="os.version") == "10.0.0.25"
    assert Redactor().redact("10.0.0.25", key="os.name") == "<ip>"


def test_allow_list_beats_every_rule() -> None:
    assert classify_key("password", allowed={"password"}) is KeyKind.ALLOWED
    redactor = Redactor(ScrubbingOptions(allow_keys={"enduser.id", "gen_ai.prompt"}))
    assert redactor.redact("maria@example.com", key="enduser.id") == "maria@example.com"
    assert redactor.redact("hi", key="gen_ai.prompt") == "hi"
    assert redactor.redact("maria@example.com", key="user.id") == "<email>"


def test_extra_secret_keys_match_like_the_built_in_ones() -> None:
    redactor = Redactor(ScrubbingOptions(extra_secret_keys={"X-Internal-Auth", "pin"}))
    assert redactor.redact("1234", key="http.request.header.x-internal-auth") == "<secret>"
    assert redactor.redact(1234, key="card_pin") == "<secret>"
    assert redactor.redact("1234", key="spin") == "1234"
    assert redactor.redact_text("card_pin=9911") == "card_pin=<secret>"


def test_secret_rule_can_be_switched_off() -> None:
    redactor = Redactor(ScrubbingOptions(disabled={"secret"}))
    assert redactor.classify_key("password") is KeyKind.PLAIN
    assert redactor.redact("hunter2", key="password") == "hunter2"
