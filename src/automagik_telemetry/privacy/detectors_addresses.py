# ruff: noqa: RUF001 - street words of many alphabets, on purpose
"""Street addresses in free text, without a model and without a network.

A street address is a house number next to a street word of the language (``12 Baker
Street``, ``Hauptstraße 5``, ``12 rue de la Paix``, ``Calle Mayor 5``, ``Via Roma 10``,
``ul. Długa 5``, ``Vodičkova 681/14``, ``Nørregade 7``, ``Rua Augusta 100``…), or whatever
follows a word that announces an address, or the value of an address-named JSON field; the
street name and number are replaced, the city around it stays.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from .detector import Detector, Finding, regex_finder, trie
from .letters import LOWER as _LO
from .letters import UPPER as _UP
from .letters import lazy as _lazy
from .letters import merge

__all__ = ["address_detector", "english_address_detector", "slash_address_detector"]

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
_ADDRESS_SUFFIX = _lazy(
    # Hauptstraße 5, Nørregade 7, Keizersgracht 123, Friedhold-Pärtzelt-Allee 5-4
    rf"\b(?:[{_UP}][{_LO}]+[ -]){{0,3}}[{_UP}][{_LO}]*-?(?i:{_STREET_SUFFIX})[ ]*\d{{1,4}}"
    rf"[a-zA-Z]?(?:[/-]\d{{1,4}})?\b"
)
_ADDRESS_TYPE_FIRST = _lazy(
    # 12 rue de la Paix
    rf"\b\d{{1,4}}(?:[ ]?(?:bis|ter))?,?[ ]+(?i:rue|avenue|av\.|boulevard|bd|place|chemin"
    rf"|allée|impasse|quai|route|cours)[ ]+(?:[\w'’-]+[ ]+){{0,4}}?[{_UP}][\w'’-]+"
    # Calle Mayor 5, Via Roma 10, Rua Augusta 100, ul. Długa 5, ул. Тверская, д. 7
    rf"|(?i:\b(?:calle|c/|c\.|cl\.|avenida|avda\.|av\.|plaza|paseo|camino|carrera|ronda"
    rf"|pasaje|pasadizo|glorieta|travesía|rambla|vía|callejón|cuesta|urbanización|via|viale"
    rf"|piazza|corso|largo|vicolo|piazzale|contrada|borgo|strada|vico|rotonda|lungomare"
    rf"|stretto|rua|travessa|praça|alameda|estrada|ladeira|passarela|parque|vereda|viela"
    rf"|rodovia|quadra|setor|chácara|conjunto|núcleo|recanto|ul\.|ulica|plac|skwer|osiedle"
    rf"|наб\.|набережная|бульвар|б-р|площадь|пл\."
    rf"|al\.|aleja|pl\.|os\.|ulice|nám\.|náměstí|třída|ул\.|улица|пр-т|проспект|пер\.|переулок"
    rf"|шоссе))[ ]*(?:[\w'’.-]+[ ]+){{0,4}}?[\w'’.-]+,?[ ]*(?:(?:n[º°o]?\.?|nr\.?|д\.)[ ]*)?"
    rf"\d{{1,5}}[a-zA-Z]?(?:/\d{{1,4}})?\b"
)
_ADDRESS_SLASH = re.compile(
    # Czech/Slovak numbering without a street word: Vodičkova 681/14
    rf"\b[{_UP}][{_LO}]+[ ]+\d{{1,4}}/\d{{1,4}}[a-z]?\b"
)
_ADDRESS_CUE = _lazy(
    r"(?i:\b(?:address|ship to|shipped to|deliver to|delivery to|adresse|adresa|dirección"
    r"|direccion|indirizzo|endereço|endereco|adres|lieferadresse|адрес|доставка))"
    r"[ ]*:?[ ]+(?P<v>[^,;\n\"'<>]{2,60}?[ ]\d{1,5}[a-zA-Z]?(?:[/-]\d{1,4})?)(?![\w])"
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
_KEY_TRIGGERS = (
    "street", "addr", "ship", "deliver", "доставка", "адрес", "strasse", "straße", "rue",
    "calle", "via", "rua", "ulica", "adres", "direcc", "dirección", "indirizzo", "endere",
)  # fmt: skip
_EN_STREET_WORDS = tuple(
    sorted({word.lower() for word in re.sub(r"[s]?\?", "", _STREET_EN).split("|")})
)
"""The English street types as lower-case triggers (``street``, ``st``, ``prairie``…)."""
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
_TYPE_WORDS = (
    *("rue", "av.", "bd", "chemin", "impasse", "quai", "route", "cours", "calle", "c/",
      "avenida", "avda", "plaza", "paseo", "camino", "carrera", "ronda", "via", "viale",
      "piazza", "corso", "largo", "vicolo", "rua", "travessa", "praça", "alameda",
      "estrada", "ul.", "ulica", "al.", "aleja", "pl.", "os.", "ulice", "nám", "třída",
      "ул.", "улица", "пр-т", "проспект", "пер.", "переулок", "шоссе", "pasaje", "pasadizo",
      "glorieta", "travesía", "rambla", "vía", "callejón", "cuesta", "urbanización",
      "contrada", "borgo", "strada", "vico", "rotonda", "lungomare", "stretto", "ladeira",
      "passarela", "parque", "vereda", "viela", "rodovia", "quadra", "setor", "chácara",
      "conjunto", "núcleo", "recanto", "plac", "skwer", "osiedle", "наб.", "набережная",
      "бульвар", "б-р", "площадь", "пл.", "c.", "cl.", "avenue", "boulevard", "place",
      "allée", "náměstí", "ronda"),
)  # fmt: skip
_ADDRESS_TRIGGERS = (*_SUFFIX_WORDS, *_TYPE_WORDS)


@lru_cache(maxsize=1)
def _address_hints() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Literal tries (on lower-cased text) saying which address patterns can match."""
    suffix = re.compile(trie(_SUFFIX_WORDS))
    type_first = re.compile(trie(_TYPE_WORDS))
    cue = re.compile(trie(_KEY_TRIGGERS))
    return suffix, type_first, cue


def _addresses(text: str) -> Iterator[Finding]:
    suffix, type_first, cue = _address_hints()
    lowered = text.lower()
    found: list[Finding] = []
    patterns = []
    if suffix.search(lowered):
        patterns.append(_ADDRESS_SUFFIX())
    if type_first.search(lowered):
        patterns.append(_ADDRESS_TYPE_FIRST())
    for pattern in patterns:
        found += [(m.start(), m.end(), "address") for m in pattern.finditer(text)]
    if cue.search(lowered):
        if "'" in text or '"' in text:
            found += [(*m.span("v"), "address") for m in _ADDRESS_KEYS().finditer(text)]
        found += [(*m.span("v"), "address") for m in _ADDRESS_CUE().finditer(text)]
    yield from merge(found, "address")


def address_detector() -> Detector:
    return Detector("address", _addresses, _ADDRESS_TRIGGERS + _KEY_TRIGGERS, inner=_SUFFIX_WORDS)


def _english_addresses(text: str) -> Iterator[Finding]:
    for match in _ADDRESS_EN().finditer(text):
        yield match.start(), match.end(), "address"


def slash_address_detector() -> Detector:
    """``Vodičkova 681/14``: Czech and Slovak house numbers, without a street word."""
    return Detector(
        "address", regex_finder(_ADDRESS_SLASH, "address"), ("/",), min_digits=2,
        gate=_digit_slash, probe=_ADDRESS_SLASH,
    )  # fmt: skip


_DIGIT_SLASH = re.compile(r"[0-9]/[0-9]")


def _digit_slash(text: str) -> bool:
    """``681/14``: a digit, a slash and a digit, found by a pattern that starts with a
    character set (which the regex engine skips through quickly)."""
    return _DIGIT_SLASH.search(text) is not None


def english_address_detector() -> Detector:
    """House number first (``12 Baker Street``): looked for in text with a digit followed by
    a capitalised word, whatever the street type."""
    return Detector(
        "address",
        _english_addresses,
        _EN_STREET_WORDS,
        min_digits=1,
        probe=_NUMBER_THEN_WORD,
    )
