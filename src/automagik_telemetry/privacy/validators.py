"""Checksums and plausibility checks that turn a pattern match into a finding.

A pattern alone cannot tell a card number from an order id or an IBAN from a product code;
the check digits of each format can. Every function here is pure, takes the matched text and
answers ``True`` only for values that really have the format, which is what keeps the false
positive rate low without giving up recall.
"""

from __future__ import annotations

__all__ = [
    "IBAN_LENGTHS",
    "is_card_number",
    "is_cnpj",
    "is_cpf",
    "is_iban",
    "is_personal_ipv4",
    "is_ssn",
    "looks_like_datetime",
    "luhn_valid",
]

# Length of the IBAN per country (SWIFT IBAN registry): a wrong length is not an IBAN.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
    "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
    "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24,
    "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
    "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23,
    "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip


# Luhn doubles every second digit from the right; doubled and digit-summed, 0-9 become:
_DOUBLED = str.maketrans("0123456789", "0246813579")


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check of payment card numbers; ``digits`` holds only 0-9."""
    mixed = (digits[-1::-2] + digits[-2::-2].translate(_DOUBLED)).encode()
    return (sum(mixed) - 48 * len(mixed)) % 10 == 0  # sum of the ASCII codes, minus '0's


_MAESTRO_4 = frozenset({604, 5018, 5020, 5038, 5893, 6304, 6390, 6759, 6761, 6762, 6763})


def _card_length_ok(digits: str) -> bool:
    """Issuer (IIN) ranges and their lengths: Visa, Mastercard, Amex, Diners, JCB (15-19),
    Discover, UnionPay (16-19), Maestro (12-19). A 16-digit id starting with 9 is not a
    card."""
    length = len(digits)
    first2 = int(digits[:2])
    first4 = int(digits[:4])
    if first4 in _MAESTRO_4 or first2 in (50, 56, 57, 58) or 6700 <= first4 <= 6799:
        return 12 <= length <= 19
    if length < 13:
        return False
    if digits[0] == "4":
        return length in (13, 16, 19)
    if 51 <= first2 <= 55 or 2221 <= first4 <= 2720:
        return length == 16
    if first2 in (34, 37):
        return length == 15
    if first2 in (36, 38, 39) or 300 <= first4 // 10 <= 305:
        return 14 <= length <= 19
    if first4 in (1800, 2131):
        return length == 15  # JCB's older 15-digit numbers
    if first2 == 35:
        return 15 <= length <= 19  # JCB (3528-3589 today; 35 as issued by older ranges)
    if first2 in (62, 65) or first4 == 6011 or 644 <= first4 // 10 <= 649:
        return 16 <= length <= 19
    return False


def is_card_number(candidate: str) -> bool:
    """A payment card number, written without separators or in groups (``4111 1111 1111
    1111``, ``3782-822463-10005``): known issuer prefix and length, and the Luhn check."""
    separator = " " if " " in candidate else "-" if "-" in candidate else ""
    if separator:
        if separator == " " and "-" in candidate:
            return False  # mixed separators
        groups = candidate.split(separator)
        if len(groups[0]) != 4 or not 3 <= len(groups[-1]) <= 6:
            return False
        for group in groups[1:-1]:
            if len(group) != 4 and len(group) != 6:
                return False
        candidate = "".join(groups)
    return 12 <= len(candidate) <= 19 and _card_length_ok(candidate) and luhn_valid(candidate)


def is_ssn(digits: str) -> bool:
    """A US social security number as issued: 9 digits, area not 000, 666 or 900-999,
    group not 00, serial not 0000."""
    if len(digits) != 9:
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def is_iban(compact: str) -> bool:
    """An IBAN without spaces, upper case: known country, its length, and mod-97 == 1."""
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact[2:4].isdigit():
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(char, 36)) for char in rearranged)
    return int(number) % 97 == 1


def _brazil_check_digit(digits: str, weights: range | list[int], *, cpf: bool) -> int:
    total = sum(int(digit) * weight for digit, weight in zip(digits, weights, strict=True))
    if cpf:
        remainder = total * 10 % 11
        return 0 if remainder == 10 else remainder
    remainder = 11 - total % 11
    return 0 if remainder >= 10 else remainder


def is_cpf(digits: str) -> bool:
    """Brazilian individual taxpayer number (11 digits) with both check digits right."""
    if len(digits) != 11 or len(set(digits)) == 1:
        return False
    first = _brazil_check_digit(digits[:9], range(10, 1, -1), cpf=True)
    second = _brazil_check_digit(digits[:10], range(11, 1, -1), cpf=True)
    return digits[9:] == f"{first}{second}"


_CNPJ_WEIGHTS = [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]


def is_cnpj(digits: str) -> bool:
    """Brazilian company number (14 digits) with both check digits right."""
    if len(digits) != 14 or len(set(digits)) == 1:
        return False
    first = _brazil_check_digit(digits[:12], _CNPJ_WEIGHTS[1:], cpf=False)
    second = _brazil_check_digit(digits[:13], _CNPJ_WEIGHTS, cpf=False)
    return digits[12:] == f"{first}{second}"


def looks_like_datetime(digits: str) -> bool:
    """``YYYYMMDDhhmmss``: compact timestamps are common in logs and must not be mistaken for
    14-digit company numbers."""
    if len(digits) != 14:
        return False
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:8])
    hour, minute, second = int(digits[8:10]), int(digits[10:12]), int(digits[12:14])
    return (
        1970 <= year <= 2099
        and 1 <= month <= 12
        and 1 <= day <= 31
        and hour < 24
        and minute < 60
        and second < 60
    )


def is_personal_ipv4(candidate: str) -> bool:
    """A valid dotted-quad that can point at a person or a machine.

    Kept: ``0.x.x.x`` (unspecified), ``127.x.x.x`` (loopback) and ``255.x.x.x`` (broadcast and
    netmasks) say nothing about anyone. Octets with leading zeros are version numbers or
    dates, not addresses.
    """
    octets = candidate.split(".")
    if len(octets) != 4:
        return False
    for octet in octets:
        if (len(octet) > 1 and octet[0] == "0") or int(octet) > 255:
            return False
    return octets[0] not in ("0", "127", "255")
