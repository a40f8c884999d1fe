# ruff: noqa: E501 - realistic log lines and keys read best on one line
"""Formats added for the held-out corpora: vendor keys by their own shapes (bare, in free
text), US SSNs, Maestro/JCB/UnionPay cards, national phone numbers (and the dates that must
win over them), pagination tokens, four-part versions, credentials in URLs.

Each case is a realistic string; each hard negative is a harmless look-alike that must come
out unchanged.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from automagik_telemetry.privacy import DETECTOR_NAMES, Redactor, ScrubbingOptions
from automagik_telemetry.privacy.detectors_vendor import base62_crc32
from automagik_telemetry.privacy.phones import is_date, is_international_phone, is_national_phone

REDACTOR = Redactor()

CAUGHT = [
    # vendor keys, bare in free text: no secret-sounding name next to them
    (
        "twilio call failed: SK2f9e0c5b7a4d4e1f8c3b6a9d0e7f1c2a rejected",
        "SK2f9e0c5b7a4d4e1f8c3b6a9d0e7f1c2a",
    ),
    ("account AC0123456789abcdef0123456789abcdef suspended", "AC0123456789abcdef0123456789abcdef"),
    (
        "mail relay error with 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",
        "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",
    ),
    (
        "publish used 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",
        "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",
    ),
    (
        "npm ERR! 403 npm_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
        "npm_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
    ),
    (
        "webhook signature failed (whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw)",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    ),
    (
        "socket mode: xapp-1-A0123456789-1234567890123-abcdef0123456789abcdef0123456789abcdef",
        "xapp-1-A0123456789-1234567890123-abcdef0123456789abcdef0123456789abcdef",
    ),
    ("clone with glpat-xY9zK2mN4pQ7rS1tU3vW", "glpat-xY9zK2mN4pQ7rS1tU3vW"),
    ("runner registered: glrt-2CR8_eVxiioB1QmzPZwa", "glrt-2CR8_eVxiioB1QmzPZwa"),
    (
        "pushed with 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",
        "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",
    ),
    ("deploy via dop_v1_" + "a1" * 32 + " ok", "dop_v1_" + "a1" * 32),
    ("shopify shpat_" + "0f" * 16 + " expired", "shpat_" + "0f" * 16),
    ("linear lin_api_" + "Ab3" * 13 + "x denied", "lin_api_" + "Ab3" * 13 + "x"),
    ("vault token hvs.CAESIJlWh0sEbT8pzXqkVnQyWj2y4rQ", "hvs.CAESIJlWh0sEbT8pzXqkVnQyWj2y4rQ"),
    (
        "mailgun key-3ax6xnjp29jd6fds4gc373sgvjxteol0 refused",
        "key-3ax6xnjp29jd6fds4gc373sgvjxteol0",
    ),
    (
        "bot 123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9 offline",
        "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw9",
    ),
    (
        "POST https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX 404",
        "T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    ),
    # a trigger inside a key already found ("sk-") is not looked at again
    ("bot xoxb-1234567890-sk-abcdefghijklmnopqrstuv ready", "xoxb-1234567890-sk-abc"),
    # US social security numbers
    ("applicant SSN 123-45-6789 verified", "123-45-6789"),
    ("social security number 078 05 1120 on file", "078 05 1120"),
    ('{"ssn_last_check": "ok", "note": "soc. sec. no. 219099999 confirmed"}', "219099999"),
    # cards by IIN ranges and lengths (all Luhn-valid)
    ("maestro card 6759 6498 2648 declined", "6759 6498 2648"),
    ("Maestro 5893123456789006 accepted", "5893123456789006"),
    ("JCB 353011133330001 refunded", "353011133330001"),
    ("UnionPay 6212345678901265431 captured", "6212345678901265431"),
    # national phone numbers (no "+")
    ("Zavolejte mi na 603 123 456, děkuji", "603 123 456"),
    ("Ring venligst på 20 12 34 56 i morgen", "20 12 34 56"),
    ("Llámame al 612 34 56 78 por favor", "612 34 56 78"),
    ("Proszę dzwonić: 601 234 567", "601 234 567"),
    ("Перезвоните 8 (495) 123-45-67", "(495) 123-45-67"),
    ("Chiamami al 333 123 4567", "333 123 4567"),
    # credentials in URLs
    ("connect redis://:s3cretPW@cache.internal:6379/0 failed", "s3cretPW"),
    ("fetch https://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@github.com/o/r.git", "ghp_Fb"),
]


@pytest.mark.parametrize(("text", "secret"), CAUGHT)
def test_caught(text: str, secret: str) -> None:
    out = REDACTOR.redact_text(text)
    assert secret not in out, out
    assert "<" in out


def test_a_token_in_a_url_is_a_credential_not_an_email() -> None:
    out = REDACTOR.redact_text("https://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@github.com/o/r")
    assert out == "https://<credentials>@github.com/o/r"


KEPT = [
    # words and placeholders with vendor prefixes
    "npm_install_dependencies_for_project_x",
    "npm_deploytokenforciworkflow000037zzzzzz",  # no checksum, not random-looking
    "skip SKIPPED_TESTS_ARE_NOT_A_SECRET_AT_ALL",
    "use sk-learn-extension and key-value store",
    "ssh://build-runner-account@buildhost/x",  # a user name in a URL, not a token
    # SSN look-alikes: invalid area, group or serial; 9 digits without a word for SSN
    "invalid 000-12-3456",
    "invalid 666-12-3456",
    "invalid 912-34-5678",
    "ticket 123-00-4567",
    "batch 123-45-0000",
    "order 123456789 shipped",
    # card look-alikes: a 12-digit number without a word for card, a bad Luhn digit
    "invoice 675964982648 paid",
    "JCB 353011133330002 refunded",
    # dates in every layout win over phones
    "meeting on 15.01.2024",
    "due 01/15/2024 at noon",
    "posted 15-01-2024",
    "2024-01-15 deploy",
    "2024.01.15 release",
    "21.03.2025 10:00 CET",
    "06/12/2024 10:30",
    "12/31/99 legacy date",
    # ids, ports and numbers that are not phones
    "idSK2f9e0c5b7a4d4e1f8c3b6a9d0e7f1c2a",  # a shape glued to a word
    "mixed 15.01-2024 separators",
    "short 15.01.202 year",
    "code (999) 12345678 x",  # no country +999
    "port 8080 8443 9000",
    "cpf 529.982.247-24",
    # four-part versions
    "build 1.2.3.4 deployed",
    "release 4.2.1.0",
    "firmware 2.4.1.10",
    "requires package==1.2.3.4",
    "version: 10.0.0.5",
]


@pytest.mark.parametrize("text", KEPT)
def test_kept(text: str) -> None:
    assert REDACTOR.redact_text(text) == text


@pytest.mark.parametrize(
    "key",
    [
        "next_page_token",
        "page_token",
        "nextPageToken",
        "continuation_token",
        "sync_token",
        "cursor",
    ],
)
def test_pagination_tokens_are_not_credentials(key: str) -> None:
    value = "CiAKGjBpNDd2Nmp2Zml2cXRwYjBpOXA3"
    assert REDACTOR.redact(value, key=key) == value
    assert REDACTOR.redact_text(f"{key}={value}") == f"{key}={value}"


def test_a_secret_name_still_wins_when_configured() -> None:
    redactor = Redactor(ScrubbingOptions(extra_secret_keys={"sync_token"}))
    assert redactor.redact("abc123", key="sync_token") == "<secret>"


def test_a_number_no_plan_accepts_is_not_a_national_phone() -> None:
    assert not is_national_phone("00 12 34 56 78")  # "00": an international prefix, bad code
    assert not is_national_phone("000 000 00")
    assert not is_international_phone("0")
    assert not is_national_phone("abc")  # no number at all
    assert not is_date("15.01.202")  # a three-digit year


def test_base62_crc32_is_the_github_checksum_shape() -> None:
    assert base62_crc32("") == "000000"
    assert len(base62_crc32("x" * 30)) == 6


def test_phone_library_is_not_loaded_for_text_without_digit_runs() -> None:
    code = (
        "import sys\n"
        "from automagik_telemetry.privacy import Redactor\n"
        "r = Redactor()\n"
        "r.redact_text('user maria@example.com signed up from 203.0.113.7 in 12 ms')\n"
        "assert 'phonenumbers' not in sys.modules, 'loaded too early'\n"
        "r.redact_text('Zavolejte mi na 603 123 456')\n"
        "assert 'phonenumbers' in sys.modules\n"
    )
    # the child runs without coverage (pytest-cov's hooks would make it write data files)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COV_CORE", "COVERAGE"))}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)


@pytest.mark.parametrize(
    ("only", "text", "expected"),
    [
        ("email", "mail maria@example.com now", "mail <email> now"),  # inner triggers only
        ("jwt", "token eyJhbGciOi.eyJzdWIiOi.c2ln ok", "token <jwt> ok"),  # word triggers only
    ],
)
def test_one_detector_alone_still_finds_its_kind(only: str, text: str, expected: str) -> None:
    options = ScrubbingOptions(disabled=[name for name in DETECTOR_NAMES if name != only])
    assert Redactor(options).redact_text(text) == expected
