"""Each detector: what it replaces (only the sensitive part), and its near misses."""

from __future__ import annotations

import pytest

from automagik_telemetry.privacy import DETECTOR_NAMES, Redactor, ScrubbingOptions
from automagik_telemetry.privacy.detector import (
    REPLACEMENT_KINDS,
    boundary_after,
    boundary_before,
)

REDACTOR = Redactor()

# (input, expected output, kinds counted)
POSITIVES: dict[str, list[tuple[str, str]]] = {
    "email": [
        ("user maria@example.com signed up", "user <email> signed up"),
        ("to=<a.b+c@sub.example.co.uk>", "to=<<email>>"),
        ("?email=pedro%40example.org&x=1", "?email=<email>&x=1"),
        ("JOAO@EMPRESA.COM.BR", "<email>"),
        ("x@a.com.y@b.org", "<email><email>"),
    ],
    "phone": [
        ("call +55 11 98765-4321 now", "call <phone> now"),
        ("(11) 98765-4321", "<phone>"),
        ("(415 555-2671", "(<phone>"),
        ("+1 (415) 555-2671", "<phone>"),
        ("415.555.2671", "<phone>"),
        ("020 7946 0958", "<phone>"),
        ("+4915123456789", "<phone>"),
        ("06 12 34 56 78", "<phone>"),
    ],
    "card": [
        ("card 4111 1111 1111 1111 ok", "card <card> ok"),
        ("pan=4111-1111-1111-1111", "pan=<card>"),
        ("amex 378282246310005.", "amex <card>."),
    ],
    "iban": [
        ("to DE89 3704 0044 0532 0130 00 now", "to <iban> now"),
        ("GB82WEST12345698765432", "<iban>"),
        ("DE89 3704 0044 0532 0130 00 ABCD", "<iban> ABCD"),  # a following word is not eaten
    ],
    "cpf": [("cpf 529.982.247-25", "cpf <cpf>"), ("cpf=52998224725;", "cpf=<cpf>;")],
    "cnpj": [("cnpj 11.222.333/0001-81", "cnpj <cnpj>"), ("id 11222333000181", "id <cnpj>")],
    "ip": [
        ("client 203.0.113.7 port 443", "client <ip> port 443"),
        ("10.1.2.3:8080", "<ip>:8080"),
        ("host 10.0.0.5/24", "host <ip>/24"),  # a host in CIDR notation is still a host
        ("2001:db8::8a2e:370:7334", "<ip>"),
        ("peer [2001:db8::1]:443", "peer [<ip>]:443"),
        ("addr 2001:db8::1: refused", "addr <ip>: refused"),
        ("::ffff:203.0.113.9", "<ip>"),
    ],
    "jwt": [
        (
            "t=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.Kx7p-d_v",
            "t=<jwt>",
        ),
    ],
    "credentials": [
        ("Authorization: Bearer abc123def456", "Authorization: Bearer <credentials>"),
        ("bearer ya29.a0AfH6SMBx", "bearer <credentials>"),
        ("Basic bWFyaWE6czNjcmV0IQ==", "Basic <credentials>"),
        ("postgres://app:s3cret@db:5432/x", "postgres://<credentials>@db:5432/x"),
    ],
    "api_key": [
        ("AKIAIOSFODNN7EXAMPLE", "<api_key>"),
        ("aws: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws: <api_key>"),
        ("ghp_16C7e42F292c6912E7710c838347Ae178B4a", "<api_key>"),
        ("github_pat_11ABCDEFG0123456789_abcdefghij", "<api_key>"),
        ("key sk-proj-Ab3dEf6hIj9kLmN0pQrStU", "key <api_key>"),
        ("sk-ant-api03-xY7_kP2qR9sT4uV1wZ3aB6c", "<api_key>"),
        ("xoxb-2048-1024-A1b2C3d4E5", "<api_key>"),
        ("sk_live_51H8xYzAbCdEfGh", "<api_key>"),
        ("rk_test_4eC39HqLyjWDarjt", "<api_key>"),
        ("AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY", "<api_key>"),
        ("hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "<api_key>"),
        ("glpat-xY7kP2qR9sT4uV1wZ3aB", "<api_key>"),
    ],
    "private_key": [
        (
            "k=-----BEGIN PRIVATE KEY-----\nMIIEv\n-----END PRIVATE KEY----- done",
            "k=<private_key> done",
        ),
        ("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE (truncated", "<private_key>"),
    ],
    "secret": [
        ("password=hunter2 user=bob", "password=<secret> user=bob"),
        ("DB_PASSWORD: s3cr3t!", "DB_PASSWORD: <secret>"),
        ('{"apiKey": "abc123"}', '{"apiKey": "<secret>"}'),
        ('{\\"password\\": \\"x1\\"}', '{\\"password\\": \\"<secret>\\"}'),
        ("x-api-key: 0b9c8d7e", "x-api-key: <secret>"),
        ("Cookie: a=1; b=2", "Cookie: <secret>"),
        ("?access_token=abc&x=1", "?access_token=<secret>&x=1"),
        ("token='t0k3n' ok", "token='<secret>' ok"),
        ("pİd token=abc9", "pİd token=<secret>"),  # lower() changes the length
    ],
    "user": [
        ('File "/home/maria/app.py"', 'File "/home/<user>/app.py"'),
        ("/Users/joao/Library", "/Users/<user>/Library"),
        ("C:\\Users\\ana\\x", "C:\\Users\\<user>\\x"),
        ("c:/users/ana/x", "c:/users/<user>/x"),
        ("file:///home/lucas/x", "file:///home/<user>/x"),
        ("venv=/var/home/bruno/.venv", "venv=/var/home/<user>/.venv"),
    ],
}


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [(kind, text, expected) for kind, cases in POSITIVES.items() for text, expected in cases],
)
def test_replaces_only_the_sensitive_part(kind: str, text: str, expected: str) -> None:
    result = REDACTOR.scan(text)
    assert result.text == expected
    assert kind in result.counts


NEAR_MISSES: dict[str, list[str]] = {
    "email": [
        "git@github.com:org/repo.git",
        "@types/node@20.1.0",
        "user@localhost",
        "decorator @app.route('/x')",
        "x@y",
    ],
    "phone": [
        "06/12/2024 10:30",
        "2024-01-15 10:30:00",
        "port 8080 8443 9000",
        "ids 12345678 87654321",
        "+12 34",
        "+1234567890123456789",  # more than 15 digits
        "x415-555-2671",
        "415-555-2671x",
        "415-555-2671-3",
    ],
    "card": [
        "4111 1111 1111 1112",
        "order 1700000000123456",
        "4111111111111111x",
        "x4111111111111111",
        "v4111.1111111111111111",
    ],
    "iban": ["DE89 3704 0044 0532 0130 01", "XX89370400440532013000", "aDE89370400440532013000"],
    "cpf": ["cpf 529.982.247-24", "529.982.24725", "11111111111", "529.982.247-25.1"],
    "cnpj": ["11.222.333/0001-80", "20240115103000", "11.222.3330001-81"],
    "ip": [
        "127.0.0.1",
        "0.0.0.0:80",
        "255.255.255.0",
        "version 1.2.3.4",
        "v1.2.3.4",
        "Chrome/120.0.0.0",
        "1.2.3.4.5",
        "10.0.0.0/8",
        "192.168.1.300",
        "::1",
        "[::]:4317",
        "10:30:00",
        "00:1A:2B:3C:4D:5E",
        "std::vector",
        "std::move at 10:30:00",
        "dead:beef",
        "fe80::1::2",  # shaped like IPv6, but two "::" make it no address
        "1:2:3:4:5:6:7:8:9",  # nine groups
    ],
    "jwt": ["eyJhbGciOiJIUzI1NiJ9", "xeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"],
    "credentials": [
        "Bearer token expired",
        "basic authentication disabled",
        "Basic bm90LWEtcGFpcg==",  # decodes without a ':'
        "Basic abc.def_ghi~jk",  # not base64
        "Bearer abcdefghijklmnop",  # letters only: a word, not a token
        "https://example.com:8080/path",
        "ssh://git@github.com/x",
    ],
    "api_key": [
        "sk-learn-is-a-library-name-here",
        "task-runner",
        "AKIAIOSFODNN7EXAMPLEX",
        "aws: /usr/local/lib/python3/site/packages/x",
        "aws: abcdefghijklmnopqrstuvwxyzABCDEFGHIJ1234",
        "aws: ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMN",
        "aws: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYX",
    ],
    "private_key": ["private key not found", "-----BEGIN PUBLIC KEY-----"],
    "secret": [
        "max_tokens=100",
        "password_reset_enabled=true",
        "password: required",
        "token: null",
        "token=null",
        "api_key=none",
        "password=<secret>",
        "secret rotation scheduled",
        "auth://callback",
        "1password=x",
        "input_tokens: 50",
    ],
    "user": [
        "https://example.com/home/welcome",
        "/home/runner/work",
        "/Users/Shared/x",
        "x/home/maria",
        "ac:\\users\\ana",
    ],
}


@pytest.mark.parametrize(
    ("kind", "text"),
    [(kind, text) for kind, cases in NEAR_MISSES.items() for text in cases],
)
def test_near_misses_are_left_alone(kind: str, text: str) -> None:
    assert REDACTOR.redact_text(text) == text, kind


@pytest.mark.parametrize(
    "text",
    ["maria@example.com", "203.0.113.7", "4111 1111 1111 1111", "password=hunter2"],
)
def test_disabled_detector_finds_nothing(text: str) -> None:
    (kind,) = REDACTOR.scan(text).counts
    assert Redactor(ScrubbingOptions(disabled={kind})).redact_text(text) == text


def test_every_number_detector_disabled_leaves_numbers() -> None:
    off = ScrubbingOptions(disabled={"cnpj", "cpf", "ssn", "card", "ip", "phone"})
    text = "card 4111 1111 1111 1111 from 203.0.113.7"
    assert Redactor(off).redact_text(text) == text


def test_ip_lists_and_ranges_are_all_found() -> None:
    text = "allow 203.0.113.7,203.0.113.8 and 198.51.100.1-198.51.100.9"
    assert REDACTOR.scan(text).counts == {"ip": 4}


def test_placeholders_count_as_words_at_boundaries() -> None:
    """A second pass must not find what the first pass (rightly) did not."""
    assert boundary_before("<email>+5511987654321", 7) is False
    assert boundary_before("a> +55", 2) is True
    assert boundary_before("x>+55", 2) is True  # a '>' that ends no placeholder
    assert boundary_after("4111<card>", 4) is False
    assert boundary_after("4111<br/>", 4) is True
    assert boundary_after("4111<b>", 4) is True  # an HTML tag is not a replacement
    assert REDACTOR.redact_text("<td>4111 1111 1111 1111</td>") == "<td><card></td>"
    for text in ("ab+5511987654321", "0xAuthorization:0", "1.0.0.0/1.0.0.0", "x@y.co+14155552671"):
        once = REDACTOR.redact_text(text)
        assert REDACTOR.redact_text(once) == once


def test_every_detector_has_a_known_placeholder() -> None:
    assert set(DETECTOR_NAMES) <= set(REPLACEMENT_KINDS)
