"""Numbers that identify people: CNPJ, CPF, US SSN, payment cards, IPv4 addresses, phones.

Numbers are where false positives live (ids, timestamps, versions, ports), so every pattern
insists on a boundary (no letter, digit or number punctuation around the match) and on the
format's own check: check digits, issuer prefixes and lengths, octet ranges and a
version-number context test.

They are also where time goes: most telemetry strings are full of digits. So the text is
scanned once for *runs* of digits and number punctuation (``[0-9 ().-/]``, at least seven
characters), and each detector only runs inside a run with enough digits for it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Collection, Iterator

from .detector import (
    Detector,
    Finding,
    Span,
    boundary_after,
    boundary_before,
    count_digits,
    lowered,
    tokens,
)
from .phones import is_date, is_international_phone, is_national_phone
from .validators import (
    is_card_number,
    is_cnpj,
    is_cpf,
    is_personal_ipv4,
    is_ssn,
    looks_like_datetime,
)

__all__ = ["NUMBER_KINDS", "number_detector"]

NUMBER_KINDS: tuple[str, ...] = ("cnpj", "cpf", "ssn", "card", "ip", "phone")
"""Priority order: where two findings overlap, the earlier kind wins."""

_RUN = re.compile(r"[+(0-9](?<![\w+(][+(0-9])[0-9 ().\-/]{5,}[0-9]")
_CNPJ = re.compile(r"[0-9](?<![\w.,/-][0-9])[0-9](?:\.?[0-9]{3}){2}/?[0-9]{4}-?[0-9]{2}")
_CPF = re.compile(r"[0-9](?<![\w.,/-][0-9])[0-9]{2}(?:\.?[0-9]{3}){2}-?[0-9]{2}")
_SSN = re.compile(r"[0-9](?<![\w.,/-][0-9])[0-9]{2}([ -]?)[0-9]{2}\1[0-9]{4}")
_CARD = re.compile(r"[0-6](?<![\w.,+/-][0-6])[0-9]{3}(?:[ -]?[0-9]){8,15}")
_IPV4 = re.compile(r"[0-9](?<![\w.][0-9])[0-9]{0,2}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}")
_CIDR_SUFFIX = re.compile(r"/([0-9]{1,2})(?![0-9])")
_PHONE = re.compile(
    r"(?:\+|00)[1-9][0-9]{0,3}(?:[ .-]?\(?[0-9]{1,5}\)?){1,6}"  # +55 11 98765-4321, 001-…
    r"|\(?[2-9][0-9]{2}\)?[ .-]?[2-9][0-9]{2}[ .-][0-9]{4}"  # NANP: (415) 555-2671
    r"|\(?[1-9]{2}\)?[ ]?9?[0-9]{4}[ -][0-9]{4}"  # Brazil: (11) 98765-4321
    r"|0[1-9][0-9]{0,3}(?:[ /.-][0-9]{2,8}){1,4}"  # national trunk 0: 020 7946 0958
    r"|(?P<cc>\([1-9][0-9]{0,2}\)[ ]?[0-9][0-9 .-]{6,14}[0-9])"  # (351) 917 668 625
    r"|(?P<bare>0[1-9][0-9]{8,9}|8[0-9]{10})"  # national, no separators: 0182197710
    r"|(?P<trunk>\(0[1-9][0-9]{0,3}\)[ -]?[0-9]{5,8})"  # (0140) 850613
    r"|(?P<national>\(?[0-9]{1,4}\)?(?:[ .-]{1,2}\(?[0-9]{2,4}\)?){2,5})"  # 603 123 456
)
_EDGE = ".,/-"
_EXTENSION = re.compile(r" ?(?:x|ext\.?|#) ?[0-9]{1,6}(?![\w])")

Check = Callable[["re.Match[str]", str], "Span | None"]


def _digits_of(value: str) -> str:
    return "".join(char for char in value if char.isdigit())


def _separators(value: str) -> str:
    return "".join(char for char in value if not char.isdigit())


def _cnpj(match: re.Match[str], text: str) -> Span | None:
    value = match.group()
    digits = _digits_of(value)
    separators = _separators(value)
    if separators not in ("", "../-") or not boundary_after(text, match.end(), _EDGE):
        return None
    if not is_cnpj(digits) or (not separators and looks_like_datetime(digits)):
        return None
    return match.span()


def _cpf(match: re.Match[str], text: str) -> Span | None:
    value = match.group()
    if _separators(value) not in ("", "..-") or not boundary_after(text, match.end(), _EDGE):
        return None
    return match.span() if is_cpf(_digits_of(value)) else None


_SSN_SHAPE = re.compile(r"[0-9]{3}-[0-9]{2}-[0-9]{4}")
_SSN_WORDS = ("ssn", "social security", "soc. sec", "social sec", "ss#", "ss no")
_CARD_WORDS = (
    *("card", "maestro", "karta", "karte", "tarjeta", "carte", "cartão", "карт", "charg"),
    *("pay", "pag", "zahl", "płat", "plat", "paid"),
)


def _near(text: str, start: int, words: tuple[str, ...]) -> bool:
    """One of ``words`` in the 48 characters before ``start`` (lower-cased)."""
    before = text[max(0, start - 48) : start].lower()
    return any(word in before for word in words)


def _ssn(match: re.Match[str], text: str) -> Span | None:
    """A US social security number: valid area, group and serial; written ``123-45-6789``
    on its own, or ``123 45 6789`` / ``123456789`` next to words that say it is one."""
    if not boundary_after(text, match.end(), _EDGE) or not is_ssn(_digits_of(match.group())):
        return None
    if match.group(1) != "-" and not _near(text, match.start(), _SSN_WORDS):
        return None
    return match.span()


def _card(match: re.Match[str], text: str) -> Span | None:
    if not boundary_after(text, match.end(), _EDGE) or not is_card_number(match.group()):
        return None
    if count_digits(match.group()) < 13 and not _near(text, match.start(), _CARD_WORDS):
        return None  # 12-digit Maestro numbers look like ids: only with a word for "card"
    return match.span()


def _ipv4(match: re.Match[str], text: str) -> Span | None:
    start = match.start()
    # Only a dot continues an address ("1.2.3.4.5" is a version); "/24", "-", "," do not.
    if not boundary_after(text, match.end(), ".") or not is_personal_ipv4(match.group()):
        return None
    if _after_version_word(text[max(0, start - 12) : start]):
        return None  # "version 1.2.3.4", "v1.2.3.4"
    if start >= 2 and text[start - 1] == "/" and not boundary_before(text, start - 1):
        return None  # product token: "Chrome/120.0.0.0"
    cidr = _CIDR_SUFFIX.match(text, match.end())
    if cidr and _is_network(match.group(), int(cidr.group(1))):
        return None  # "10.0.0.0/8" names a network, not a host
    return match.span()


_VERSION_WORDS = (
    *("version", "ver", "v", "build", "release", "rel", "firmware", "fw", "revision", "rev"),
    *("patch", "kernel", "driver", "sdk", "upgrade", "upgraded", "update", "updated"),
)


def _after_version_word(before: str) -> bool:
    """``before`` ends with a version word (``version``, ``v``, ``build``, ``release``,
    ``firmware``…, then maybe ``=``, ``:``, quotes) or a requirement operator (``==``,
    ``>=``, ``~=``, ``@``): what follows is a version, not an address."""
    if before.endswith(("==", ">=", "<=", "~=", "@")):
        return True
    before = before.lower().rstrip(" \t=:\"'")
    for word in _VERSION_WORDS:
        if before.endswith(word):
            cut = len(before) - len(word)
            return cut == 0 or not before[cut - 1].isalpha()
    return False


def _is_network(address: str, prefix: int) -> bool:
    try:
        ipaddress.IPv4Network(f"{address}/{prefix}")  # strict: host bits must be zero
    except ValueError:
        return False
    return True


def _phone(match: re.Match[str], text: str) -> Span | None:
    value = match.group()
    start, end = match.span()
    if value.startswith("(") and ")" not in value:
        start += 1  # "(415 555-2671": the bracket belongs to the text around
        value = value[1:]
    if not 8 <= count_digits(value) <= 15:
        return None  # E.164 numbers have at most 15 digits; fewer than 8 is not a phone
    if not boundary_before(text, start, "+" + _EDGE):
        return None
    extension = _EXTENSION.match(text, end)
    if extension is not None:
        end = extension.end()  # "(734) 955-9058 x456": the extension goes too
    if not boundary_after(text, end, _EDGE) or text[end : end + 1] == ":":
        return None  # "06/12/2024 10:30" is a date and a time
    if is_date(value) or _after_version_word(text[max(0, start - 12) : start]):
        return None  # dates win over phones: "15.01.2024", "01/15/2024", "2024-01-15"
    if match.group("cc") is not None and not is_international_phone(_digits_of(value)):
        return None
    national = match.group("national") or match.group("bare") or match.group("trunk")
    if national is not None and not _national(value):
        return None  # no "+", no known shape: only a number valid in a national plan
    return start, end


def _national(value: str) -> bool:
    """8-11 digits in groups with one kind of separator (a bracketed area code aside), and
    valid in a national numbering plan: ``529.982.247-24`` (mixed) and ``8080 8443 9000``
    (12 digits) are not phones."""
    separators = set(_separators(value)) - {"(", ")"}
    if (len(separators) > 1 and separators != {" ", "-"}) or not 8 <= count_digits(value) <= 11:
        return False
    if _SSN_SHAPE.fullmatch(value):
        return False  # 123-45-6789 is the shape of a social security number
    return is_national_phone(value)


# kind -> (pattern, check, digits a run needs, other character the run needs)
_RULES: dict[str, tuple[re.Pattern[str], Check, int, str]] = {
    "cnpj": (_CNPJ, _cnpj, 14, ""),
    "cpf": (_CPF, _cpf, 11, ""),
    "ssn": (_SSN, _ssn, 9, ""),
    "card": (_CARD, _card, 12, ""),
    "ip": (_IPV4, _ipv4, 4, "."),
    "phone": (_PHONE, _phone, 8, ""),
}
# A run of bare digits is one number (a run is maximal): only these lengths can be a finding.
# Phones without separators start with "+" (never bare digits) or are a national number of
# 10-11 digits with a trunk 0, checked against the numbering plans.
_BARE_LENGTHS: dict[str, range] = {
    "cnpj": range(14, 15),
    "cpf": range(11, 12),
    "ssn": range(9, 10),
    "card": range(12, 20),
    "ip": range(0),
    "phone": range(10, 12),
}


def number_detector(enabled: Collection[str]) -> Detector | None:
    """One detector for every enabled kind of number (``None`` if none is enabled)."""
    rules = [(kind, *_RULES[kind]) for kind in NUMBER_KINDS if kind in enabled]
    if not rules:
        return None
    fewest = min(rule[3] for rule in rules)

    def find(text: str) -> Iterator[Finding]:
        for run in _RUN.finditer(text):
            start, end = run.span()
            value = run.group()
            if value.isdigit():  # ids, timestamps, counters: most runs, settled cheaply
                for kind, pattern, check, _, _ in rules:
                    if len(value) in _BARE_LENGTHS[kind]:
                        match = pattern.fullmatch(text, start, end)
                        span = check(match, text) if match is not None else None
                        if span is not None:
                            yield span[0], span[1], kind
                            break
                else:
                    if phones and _cued_phone(text, start, end):
                        yield start, end, "phone"
                continue
            if is_date(value, whole=True):
                continue  # "2024-05-22", "15.01.2024": no number of ours fits in a date
            digits = count_digits(value)
            taken: list[Finding] = []
            for kind, pattern, check, needed, char in rules:
                if digits < needed or (char and char not in value):
                    continue
                for match in pattern.finditer(text, start, end):
                    span = check(match, text)
                    if span is not None and not any(
                        s < span[1] and span[0] < e for s, e, _ in taken
                    ):
                        taken.append((span[0], span[1], kind))
                        digits -= count_digits(text[span[0] : span[1]])
            if not taken and phones and _cued_phone(text, start, end):
                taken.append((start, end, "phone"))
            yield from sorted(taken)

    phones = "phone" in enabled
    # A value without a run has nothing for this detector; runs are found by digit classes,
    # so the scanner settles that once per shape of text (its probes are blind to digits).
    return Detector("numbers", find, min_digits=fewest, probe=_RUN)


_CUED_PHONE = re.compile(r"\(?[0-9][0-9() -]{6,16}[0-9]")
_PHONE_WORDS = frozenset(
    word.encode()
    for word in (
        *("sms", "phone", "tel", "call", "mobile", "mobil", "fax", "whatsapp", "tlf"),
        *("phone_number", "phonenumber", "mobile_number", "msisdn", "telefon", "telefone"),
        *("телефон", "тел", "móvil", "celular", "cellulare", "numer", "número", "nummer"),
    )
)
"""Words (whole words: not ``tel`` of ``hotel``) after which 8 digits may be a phone."""


def _cued_phone(text: str, start: int, end: int) -> bool:
    """``SMS to 27123531``, ``call 3332 5926``, ``tel: 6865824380``, ``(01632) 960 801``:
    8-12 digits in shapes the patterns leave to context (bare, 4+4, a bracketed area code
    and two groups) are a phone only after a word that says so, and only if valid in a
    national numbering plan (Danish and Norwegian numbers have no trunk prefix and no fixed
    grouping)."""
    value = text[start:end]
    if _CUED_PHONE.fullmatch(value) is None or not 8 <= count_digits(value) <= 12:
        return False
    if _PHONE_WORDS.isdisjoint(tokens(lowered(text[max(0, start - 48) : start]))):
        return False
    if not boundary_before(text, start, "+" + _EDGE) or not boundary_after(text, end, _EDGE):
        return False
    return is_national_phone(value)
