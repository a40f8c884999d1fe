"""Check digits and plausibility checks: what decides between a finding and a false alarm."""

from __future__ import annotations

import pytest

from automagik_telemetry.privacy.validators import (
    is_card_number,
    is_cnpj,
    is_cpf,
    is_iban,
    is_personal_ipv4,
    is_ssn,
    looks_like_datetime,
    luhn_valid,
)


@pytest.mark.parametrize(
    ("number", "valid"),
    [("4111111111111111", True), ("79927398713", True), ("4111111111111112", False), ("0", True)],
)
def test_luhn(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


@pytest.mark.parametrize(
    "card",
    [
        "4111 1111 1111 1111",  # Visa, grouped 4-4-4-4
        "4222222222222",  # Visa, 13 digits
        "5555-5555-5555-4444",  # Mastercard
        "2223003122003222",  # Mastercard 2-series
        "3782 822463 10005",  # Amex 4-6-5
        "36227206271667",  # Diners 14
        "30569309025904",  # Diners 300-305
        "6011111111111117",  # Discover
        "6441111111111117",  # Discover 644-649
        "3530111333300000",  # JCB
        "6200000000000005",  # UnionPay
        "5018000000000009",  # Maestro 50
    ],
)
def test_card_numbers(card: str) -> None:
    assert is_card_number(card)


@pytest.mark.parametrize(
    "candidate",
    [
        "4111 1111 1111 1112",  # Luhn fails
        "4111-1111 1111-1111",  # mixed separators
        "41 11 11 11 11 11 11 11",  # not card grouping
        "4111 1111 1111 11111111",  # last group too long
        "4111 11 1111 111111",  # middle group of 2
        "41111111111111111",  # Visa with 17 digits
        "5555555555554",  # Mastercard must have 16
        "378282246310",  # too short
        "3782822463100050",  # Amex must have 15
        "7111111111111117",  # no issuer starts with 7 (Luhn ok)
        "3012345678901234567890",  # too long
    ],
)
def test_not_card_numbers(candidate: str) -> None:
    assert not is_card_number(candidate)


@pytest.mark.parametrize(
    ("iban", "valid"),
    [
        ("DE89370400440532013000", True),
        ("GB82WEST12345698765432", True),
        ("NO9386011117947", True),
        ("DE89370400440532013001", False),  # mod 97 fails
        ("DE8937040044053201300", False),  # wrong length for DE
        ("XX89370400440532013000", False),  # unknown country
        ("DEAB370400440532013000", False),  # check digits must be digits
    ],
)
def test_iban(iban: str, valid: bool) -> None:
    assert is_iban(iban) is valid


@pytest.mark.parametrize(
    ("cpf", "valid"),
    [
        ("52998224725", True),
        ("11144477735", True),
        ("98765432100", True),  # first check digit 0 (remainder 10)
        ("52998224724", False),  # second digit wrong
        ("52998224735", False),  # first digit wrong
        ("11111111111", False),  # repeated digits pass the arithmetic but are invalid
        ("5299822472", False),  # too short
    ],
)
def test_cpf(cpf: str, valid: bool) -> None:
    assert is_cpf(cpf) is valid


@pytest.mark.parametrize(
    ("cnpj", "valid"),
    [
        ("11222333000181", True),
        ("33000167000101", True),
        ("11222333000180", False),
        ("11222333000191", False),
        ("00000000000000", False),
        ("1122233300018", False),
    ],
)
def test_cnpj(cnpj: str, valid: bool) -> None:
    assert is_cnpj(cnpj) is valid


@pytest.mark.parametrize(
    ("digits", "is_datetime"),
    [
        ("20240115103000", True),
        ("19991231235959", True),
        ("20241315103000", False),  # month 13
        ("20240115243000", False),  # hour 24
        ("45997418000153", False),  # year 4599
        ("2024011510300", False),  # not 14 digits
    ],
)
def test_compact_datetime(digits: str, is_datetime: bool) -> None:
    assert looks_like_datetime(digits) is is_datetime


@pytest.mark.parametrize(
    ("address", "personal"),
    [
        ("203.0.113.7", True),
        ("10.0.0.5", True),
        ("127.0.0.1", False),
        ("0.0.0.0", False),
        ("255.255.255.0", False),
        ("256.1.1.1", False),
        ("10.01.0.5", False),  # leading zero: a version or a date, not an address
        ("1.2.3", False),
    ],
)
def test_personal_ipv4(address: str, personal: bool) -> None:
    assert is_personal_ipv4(address) is personal


def test_ssn_rules() -> None:
    assert is_ssn("078051120")
    assert not is_ssn("07805112")
    for invalid in ("000123456", "666123456", "900123456", "123001234", "123450000"):
        assert not is_ssn(invalid), invalid
