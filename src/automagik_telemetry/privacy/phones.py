"""National phone numbers, checked with Google's libphonenumber (``phonenumbers``), and the
dates that must win over them.

A national number has no ``+`` and no fixed shape: ``603 123 456`` (Czech), ``12 34 56 78``
(Danish), ``612 34 56 78`` (Spanish), ``8 (495) 123-45-67`` (Russian). What tells it from an
order number is the numbering plan of a country: valid prefixes and lengths, which
libphonenumber keeps for every country. It is imported on first use only, and only reached
for a grouped run of 8-11 digits that is not a date: text without such a run never loads it.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

__all__ = ["REGIONS", "is_date", "is_international_phone", "is_national_phone"]

REGIONS: tuple[str, ...] = (
    *("CZ", "SK", "DK", "ES", "PL", "RU", "IT", "DE", "AT", "CH", "FR", "BE", "NL", "LU"),
    *("SE", "NO", "FI", "PT", "GB", "IE", "US", "BR", "MX", "AR", "HU", "RO", "GR", "TR"),
    *("UA", "HR", "SI", "BG", "LT", "LV", "EE", "JP", "IN", "AU"),
)
"""Countries whose national formats are tried, in order (the first valid one wins)."""

_DATE = re.compile(
    r"(?:(?P<d1>[0-9]{1,2})[./-](?P<m1>[0-9]{1,2})|(?P<y>[0-9]{4})[./-](?P<m2>[0-9]{1,2}))"
    r"[./-](?P<tail>[0-9]{2,4})"
)


def is_date(value: str, *, whole: bool = False) -> bool:
    """``value`` starts with (``whole``: is) a calendar date in any usual numeric layout:
    ``dd.mm.yyyy``, ``mm/dd/yyyy``, ``dd-mm-yy``, ``yyyy-mm-dd``, ``yyyy.mm.dd`` (day and
    month in range, one separator kind)."""
    match = _DATE.fullmatch(value) if whole else _DATE.match(value)
    if match is None:
        return False
    text = match.group()
    separators = {char for char in text if not char.isdigit()}
    if len(separators) != 1:
        return False
    if match.group("y") is not None:
        return 1 <= int(match.group("m2")) <= 12 and 1 <= int(match.group("tail")[:2]) <= 31
    first, second = int(match.group("d1")), int(match.group("m1"))
    tail = match.group("tail")
    if len(tail) == 3:
        return False
    day_month = 1 <= first <= 31 and 1 <= second <= 12
    month_day = 1 <= first <= 12 and 1 <= second <= 31
    return day_month or month_day


@lru_cache(maxsize=1)
def _library() -> Any:
    import phonenumbers

    return phonenumbers


@lru_cache(maxsize=4096)
def is_national_phone(value: str) -> bool:
    """``value`` is a valid number in the national format of one of ``REGIONS``."""
    library = _library()
    for region in REGIONS:
        try:
            number = library.parse(value, region)
        except library.NumberParseException:
            continue
        if library.is_valid_number(number):
            return True
    return False


def is_international_phone(digits: str) -> bool:
    """``digits`` (country code first, no ``+``) is a valid number: ``(351) 917668625``."""
    library = _library()
    try:
        return bool(library.is_valid_number(library.parse("+" + digits, None)))
    except library.NumberParseException:
        return False
