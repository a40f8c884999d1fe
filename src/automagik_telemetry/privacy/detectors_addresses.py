# ruff: noqa: RUF001 - street words of many alphabets, on purpose
"""Street addresses in free text, without a model and without a network.

A street address is a house number next to a street word of the language (``12 Baker
Street``, ``Hauptstraße 5``, ``12 rue de la Paix``, ``Calle Mayor 5``, ``Via Roma 10``,
``ul. Długa 5``, ``Vodičkova 681/14``, ``Nørregade 7``, ``Rua Augusta 100``…), or whatever
follows a word that announces an address, or the value of an address-named JSON field; the
street name and number are replaced, the city around it stays.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterator

from .detector import Detector, Finding, lowered, occurrences, regex_finder, tokens, trie
from .letters import LOWER as _LO
from .letters import UPPER as _UP
from .letters import lazy as _lazy
from .letters import merge, quoted_keys

__all__ = [
    "address_detector",
    "english_address_detector",
    "slash_address_detector",
    "suffix_address_detector",
]

_STREET_EN = (
    r"Street|Streets|St|Avenue|Ave|Av|Road|Roads|Rd|Boulevard|Blvd|Lane|Ln|Drive|Drives|Dr"
    r"|Court|Courts|Ct|Place|Pl|Square|Squares|Sq|Terrace|Ter|Way|Ways|Parkway|Parkways|Pkwy"
    r"|Highway|Hwy|Circle|Circles|Cir|Close|Crescent|Row|Trail|Trl|Alley|Aly|Annex|Arcade"
    r"|Bayou|Beach|Bend|Bluffs?|Bottom|Branch|Bridge|Brooks?|Burgs?|Bypass|Camp|Canyon|Cape"
    r"|Causeway|Centers?|Cliffs?|Club|Commons?|Corners?|Course|Coves?|Creek|Crest|Crossing"
    r"|Crossroad|Curve|Dale|Dam|Divide|Estates?|Expressway|Extensions?|Falls?|Ferry|Fields?"
    r"|Flats?|Fords?|Forest|Forges?|Forks?|Fort|Freeway|Gardens?|Gateway|Glens?|Greens?"
    r"|Groves?|Harbors?|Haven|Heights|Hills?|Hollow|Inlet|Islands?|Isle|Junctions?|Keys?"
    r"|Knolls?|Lakes?|Land|Landing|Lights?|Loaf|Locks?|Lodge|Loop|Mall|Manors?|Meadows?|Mews"
    r"|Mills?|Mission|Motorway|Mount|Mountains?|Neck|Orchard|Oval|Overpass|Parks?|Pass"
    r"|Passage|Path|Pike|Pines?|Plains?|Plaza|Points?|Ports?|Prairie|Radial|Ramp|Ranch"
    r"|Rapids?|Rest|Ridges?|River|Route|Run|Shoals?|Shores?|Skyway|Springs?|Spurs?|Station"
    r"|Stravenue|Stream|Summit|Trace|Track|Trafficway|Trailer|Tunnel|Turnpike|Underpass"
    r"|Unions?|Valleys?|Via|Viaduct|Views?|Villages?|Ville|Vista|Walks?|Wall|Wells?|Gate"
    r"|Green|Grove|Hill|Rise|Wharf|Yard"
)
"""Street types of English-speaking countries: the USPS standard suffixes (Publication 28,
public domain) and the usual British ones."""
_STREET_SUFFIX = (
    r"straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee|steig|straat|laan"
    r"|plein|gracht|kade|dijk|singel|gade|vej|allé|stræde|torv|plads|vænge|gatan|vägen|gata"
    r"|veien|gate|tie|katu|utca"
)
_ADDRESS_EN = _lazy(
    # 12 Baker Street, 1600 Pennsylvania Avenue NW, 221B Baker St.
    rf"\b\d{{1,5}}[A-Za-z]?[ ]+(?:[{_UP}][\w'.-]*[ ]+){{1,4}}(?:{_STREET_EN})\b\.?"
    rf"(?:[ ]+(?:N|S|E|W|NE|NW|SE|SW)\b)?"
    rf"(?:,?[ ]+(?:Apt|Suite|Unit|Ste|Flat|Floor|#)\.?[ ]*\w+)?"
)
_STREET_TYPE_WORDS = (
    *("Straße", "Strasse", r"Str\.", "Weg", "Platz", "Allee", "Gasse", "Damm", "Ufer"),
    *("Chaussee", "Straat", "Laan", "Plein", "Gracht", "Vej", "Gade", "Allé", "Stræde"),
    *("Torv", "Plads", "Gatan", "Vägen", "Gata", "Veien", "Utca"),
)
"""Street types that are also written as a word of their own after the street's name
(``Berliner Str. 12a``); not those that are English words too (``Gate 5``, ``Ring 0``)."""
_ADDRESS_SUFFIX = _lazy(
    # Hauptstraße 5, Nørregade 7, Keizersgracht 123, Friedhold-Pärtzelt-Allee 5-4. Written
    # to start with a capital (the regex engine skips to capitals) and with the suffixes as
    # a trie (tried at each letter of the street word while backtracking).
    rf"[{_UP}](?<!\w[{_UP}])"
    rf"(?:(?:[{_LO}]+[ -][{_UP}]){{0,3}}[{_LO}]*-?"
    rf"(?i:{trie(word.replace(chr(92), '') for word in _STREET_SUFFIX.split('|'))})"
    # or a capitalised name, then the type as a word: Berliner Str. 12a, Am Alten Weg 5
    rf"|[{_LO}]+(?:[ -][{_UP}][{_LO}]+){{0,2}}[ -](?:{'|'.join(_STREET_TYPE_WORDS)}))"
    rf"[ ]*\d{{1,4}}[a-zA-Z]?(?:[/-]\d{{1,4}})?\b"
)
_FRENCH_TYPES = (
    *("rue", "avenue", "av.", "boulevard", "bd", "place", "chemin", "allée", "impasse"),
    *("quai", "route", "cours"),
)
_FRENCH = _lazy(
    # 12 rue de la Paix
    rf"\d{{1,4}}(?:[ ]?(?:bis|ter))?,?[ ]+(?i:{'|'.join(map(re.escape, _FRENCH_TYPES))})"
    rf"[ ]+(?:[\w'’-]+[ ]+){{0,4}}?[{_UP}][\w'’-]+"
)
_NUMBER_BEFORE = re.compile(r"\b\d{1,4}(?:[ ]?(?:bis|ter))?,?[ ]+\Z")
"""The house number before a French street type (searched with the type's start as end)."""
_TYPES = (
    *("calle", "c/", "c.", "cl.", "avenida", "avda.", "av.", "plaza", "paseo", "camino"),
    *("carrera", "ronda", "pasaje", "pasadizo", "glorieta", "travesía", "rambla", "vía"),
    *("callejón", "cuesta", "urbanización", "via", "viale", "piazza", "corso", "largo"),
    *("vicolo", "piazzale", "contrada", "borgo", "strada", "vico", "rotonda", "lungomare"),
    *("stretto", "rua", "travessa", "praça", "alameda", "estrada", "ladeira", "passarela"),
    *("parque", "vereda", "viela", "rodovia", "quadra", "setor", "chácara", "conjunto"),
    *("núcleo", "recanto", "ul.", "ulica", "plac", "skwer", "osiedle", "наб.", "набережная"),
    *("бульвар", "б-р", "площадь", "пл.", "al.", "aleja", "pl.", "os.", "ulice", "nám."),
    *("náměstí", "třída", "ул.", "улица", "пр-т", "проспект", "пер.", "переулок", "шоссе"),
    *("ш.", "алл.", "аллея", "бул.", "просп.", "пр.", "туп.", "тупик", "ст."),
)
_AFTER_TYPE = _lazy(
    # Calle Mayor 5, Via Roma 10, Rua Augusta 100, ul. Długa 5, ул. Тверская, д. 7: what
    # follows the street type (found as a word, see _addresses). The street's name has a
    # capitalised word (Calle de la Paz 5), which "sent via the proxy in 3 ms" has not.
    rf"[ ]*(?=(?:[\w'’.-]+[ ]+){{0,4}}[{_UP}])(?:[\w'’.-]+[ ]+){{0,4}}?[\w'’.-]+,?[ ]*"
    r"(?:(?:n[º°o]?\.?|nr\.?|д\.)[ ]*)?\d{1,5}[a-zA-Z]?(?:/\d{1,4})?\b"
)
_SLASH_NUMBER = rf"\b[{_UP}][{_LO}]+[ ]+\d{{1,4}}/\d{{1,4}}[a-z]?\b"
_ADDRESS_SLASH = re.compile(
    # Czech/Slovak numbering without a street word: Vodičkova 681/14 (not "Support 24/7")
    _SLASH_NUMBER.replace("[ ]+", "[ ]+(?!24/7\\b|24/365\\b)")
)
_SLASH_PROBE = re.compile(_SLASH_NUMBER)
"""The probe leaves out the digits' values (``24/7``): a probe must answer alike for texts
that differ only in their digits (the scanner remembers its choice by that shape)."""
_CUE_PHRASES = (
    *("address", "ship to", "shipped to", "deliver to", "delivery to", "adresse", "adresa"),
    *("dirección", "direccion", "indirizzo", "endereço", "endereco", "adres"),
    *("lieferadresse", "адрес", "доставка"),
)
_AFTER_CUE = _lazy(
    r"[ ]*:?[ ]+(?P<v>[^,;\n\"'<>]{2,60}?,?[ ]\d{1,5}[a-zA-Z]?(?:[/-]\d{1,4})?)(?![\w])"
)
"""After a word that announces an address, a street name and a house number are one,
whatever the street type (``delivery address: Bermanova 42``)."""
_ADDRESS_KEYS = _lazy(
    r"[\"'](?i:street|street_?address|address|address_?line_?[12]|addr|shipping_?address"
    r"|billing_?address|home_?address|strasse|straße|rue|calle|via|rua|ulica|adresse"
    r"|direccion|dirección|indirizzo|endereco|endereço|adres|adresa)[\"'][ ]*[:=][ ]*"
    r"[\"'](?P<v>[^\"'\n]*[A-Za-z\u00c0-\u024f\u0400-\u04ff][^\"'\n]*)[\"']"
)
"""A JSON (or dict repr) field named like an address: its whole value is one."""
_KEY_WORDS = frozenset(
    key.encode()
    for key in (
        *("street", "street_address", "streetaddress", "address", "address_line_1"),
        *("address_line_2", "address_line1", "address_line2", "addressline_1"),
        *("addressline_2", "addressline1", "addressline2", "addr", "shipping_address"),
        *("shippingaddress", "billing_address", "billingaddress", "home_address"),
        *("homeaddress", "strasse", "straße", "rue", "calle", "via", "rua", "ulica"),
        *("adresse", "direccion", "dirección", "indirizzo", "endereco", "endereço", "adres"),
        "adresa",
    )
)
"""Every key ``_ADDRESS_KEYS`` knows, as a word: the JSON pattern runs only if one is in
the text."""
_EN_STREET_WORDS = frozenset(
    word.lower().encode() for word in re.sub(r"[s]?\?", "", _STREET_EN).split("|")
) | frozenset(word.lower().encode() + b"s" for word in re.findall(r"(\w+)s\?", _STREET_EN))
"""The English street types as lower-case words (``street``, ``st``, ``bluffs``…)."""
_NUMBER_THEN_WORD = re.compile(rf"\d[A-Za-z]?[ ]+[{_UP}][{_LO}]")
_SUFFIX_WORDS = (
    *(
        "straße",
        "strasse",
        "str.",
        "weg",
        "platz",
        "allee",
        "gasse",
        "ring",
        "damm",
        "ufer",
        "chaussee",
        "steig",
        "straat",
        "laan",
        "plein",
        "gracht",
        "kade",
        "dijk",
        "singel",
        "gade",
        "vej",
        "allé",
        "stræde",
        "torv",
        "plads",
        "vænge",
        "gatan",
        "vägen",
        "gata",
        "veien",
        "gate",
        "tie",
        "katu",
        "utca",
    ),
)


_ANCHORS: dict[bytes, list[tuple[str, str]]] = {}
"""Street types and address cues (lower case) by their longest word, with their kind:
``type`` (``calle``: the street name and number follow), ``french`` (``rue``: the number
comes before), ``cue`` (``address``: whatever street and number follow)."""
for _kind, _phrases in (("type", _TYPES), ("french", _FRENCH_TYPES), ("cue", _CUE_PHRASES)):
    for _phrase in _phrases:
        _ANCHORS.setdefault(max(tokens(_phrase), key=len), []).append((_phrase, _kind))
_ANCHOR_WORDS = frozenset(_ANCHORS)
"""As a set: a set intersected with a dict walks the whole dict, with a set the smaller."""


def _addresses(text: str) -> Iterator[Finding]:
    """Street type first (``Calle Mayor 5``, ``12 rue de la Paix``), after an address cue
    (``address: Bermanova 42``), or an address-named JSON field. Each street type or cue
    that is a word of the text is looked up where it occurs, and the rest of the pattern
    tried there, instead of trying a hundred words at every position."""
    low = lowered(text)
    words = tokens(low)
    found: list[Finding] = []
    for word in words.intersection(_ANCHOR_WORDS):
        for phrase, kind in _ANCHORS[word]:
            for start in occurrences(low, phrase):
                found += _address_at(text, start, phrase, kind)
    if "'" in text or '"' in text:
        keys = words.intersection(_KEY_WORDS)
        found += [(*m.span("v"), "address") for m in quoted_keys(_ADDRESS_KEYS(), text, low, keys)]
    yield from merge(found, "address")


_SUFFIX_BEFORE_NUMBER = _lazy(rf"[0-9][ ]*(?:{trie(suffix[::-1] for suffix in _SUFFIX_WORDS)})")
"""A number, then a street suffix, in the reversed lower-cased text: the pattern starts
with a digit, so the regex engine skips to digits and tries the suffixes only there,
instead of at every position."""


_WORDS_BEFORE = re.compile(r"(?:[ -]?[^\W\d_]+){1,5}")
"""Up to four words (in the reversed text): where a street name ending in a suffix can
start, so the full pattern is tried from there and not over the whole value."""
_SUFFIX_ENDS = frozenset(max(tokens(suffix), key=len)[-3:] for suffix in _SUFFIX_WORDS)
"""The last 3 bytes of each street suffix as a word (``str.`` -> ``str``)."""
_END = operator.itemgetter(slice(-3, None))


def _address_at(text: str, start: int, phrase: str, kind: str) -> list[Finding]:
    """The address around ``phrase`` (of ``kind``, see ``_ANCHORS``) at ``start``."""
    end = start + len(phrase)
    if kind == "type":
        match = _AFTER_TYPE().match(text, end)
        return [] if match is None else [(start, match.end(), "address")]
    if kind == "cue":
        match = _AFTER_CUE().match(text, end)
        return [] if match is None else [(*match.span("v"), "address")]
    number = _NUMBER_BEFORE.search(text, max(0, start - 16), start)
    match = None if number is None else _FRENCH().match(text, number.start())
    return [] if match is None else [(match.start(), match.end(), "address")]


def _suffix_then_number(text: str) -> bool:
    """A word that ends like a street suffix (a set look-up per word, in C), then the
    suffix followed by a number."""
    low = lowered(text)
    if _SUFFIX_ENDS.isdisjoint(map(_END, tokens(low))):
        return False
    return _SUFFIX_BEFORE_NUMBER().search(low[::-1]) is not None


def _suffix_addresses(text: str) -> Iterator[Finding]:
    """``Hauptstraße 5``, ``Nørregade 7``: the full pattern is tried only around each place
    where a suffix is followed by a number (it starts up to four words earlier)."""
    size = len(text)
    backwards = lowered(text)[::-1]
    # (suffix start, just after the number's first digit), left to right
    hints = [
        (size - hint.end(), size - hint.start())
        for hint in _SUFFIX_BEFORE_NUMBER().finditer(backwards)
    ][::-1]
    found: list[Finding] = []
    last = 0
    for start, digit_end in hints:
        # The window ends 12 characters after the number's first digit: room for the rest
        # of "1234a/5678" and the character after it that \b looks at. A match that
        # reaches the window's end was cut short ("Ahweg 1234" of "Ahweg 12345").
        end = min(size, digit_end + 12)
        words = _WORDS_BEFORE.match(backwards, size - start)  # the street name's words
        begin = start - (words.end() - words.start()) if words is not None else start
        for match in _ADDRESS_SUFFIX().finditer(text, max(last, begin), end):
            if match.end() < end or end == size:
                found.append((match.start(), match.end(), "address"))
                last = match.end()
    yield from merge(found, "address")


def address_detector() -> Detector:
    return Detector("address", _addresses, words=_ANCHOR_WORDS | _KEY_WORDS)


def suffix_address_detector() -> Detector:
    """A street word ending in the street type (``Hauptstraße 5``): looked for where a digit
    follows one of the suffixes, which a word set cannot tell (the suffix is inside the
    word)."""
    return Detector("address", _suffix_addresses, min_digits=1, gate=_suffix_then_number)


def _english_addresses(text: str) -> Iterator[Finding]:
    for match in _ADDRESS_EN().finditer(text):
        yield match.start(), match.end(), "address"


def slash_address_detector() -> Detector:
    """``Vodičkova 681/14``: Czech and Slovak house numbers, without a street word."""
    return Detector(
        "address", regex_finder(_ADDRESS_SLASH, "address"), min_digits=2,
        gate=_digit_slash, probe=_SLASH_PROBE,
    )  # fmt: skip


_DIGIT_SLASH = re.compile(r"[0-9]/[0-9]")


def _digit_slash(text: str) -> bool:
    """``681/14``: a digit, a slash and a digit (a substring test first: most values have
    no slash)."""
    return "/" in text and _DIGIT_SLASH.search(text) is not None


def english_address_detector() -> Detector:
    """House number first (``12 Baker Street``): looked for in text with a digit followed by
    a capitalised word, whatever the street type."""
    return Detector(
        "address",
        _english_addresses,
        words=_EN_STREET_WORDS,
        min_digits=1,
        probe=_NUMBER_THEN_WORD,
    )
