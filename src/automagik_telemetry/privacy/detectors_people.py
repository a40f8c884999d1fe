# ruff: noqa: RUF001 - street words and letters of many alphabets, on purpose
"""Person names and street addresses in free text, without a model and without a network.

Names have no shape of their own, so a name is only taken where something says a person is
meant:
- a **cue** before it: a salutation (``Dear Ana,`` ``Hallo Jörg``, ``Vážená paní Nováková``),
  a role (``assigned to``, ``ship to``, ``contact:``, ``reported by``), or a name-like JSON
  key (``"customer": "…"``, ``full_name``, ``first_name``, ``assignee``…). After a cue, one to
  four capitalised words are a name unless they are a known non-name (``Dear Customer``,
  ``Hi team``);
- or the **lexicon**: ``Last, First`` and ``by/for/with First Last`` where the given name and
  the surname are both in the US Census lists of real names (the ``names`` package: given
  names and surnames of the 1990 census, public-domain data; loaded on first use, only when
  such a pattern is present).

Street addresses are a house number next to a street word of the language (``12 Baker
Street``, ``Hauptstraße 5``, ``12 rue de la Paix``, ``Calle Mayor 5``, ``Via Roma 10``,
``ul. Długa 5``, ``Vodičkova 681/14``, ``Nørregade 7``, ``Rua Augusta 100``…); the street
name and number are replaced, the city around it stays.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from functools import lru_cache
from importlib import resources

from .detector import Detector, Finding, regex_finder, trie

__all__ = [
    "address_detector",
    "english_address_detector",
    "lexicon",
    "name_detectors",
    "slash_address_detector",
]

_UP = "A-ZÀ-ÖØ-ÞĀ-ſА-ЯЁ"  # upper-case Latin (with accents) and Cyrillic
_LO = "a-zß-öø-ÿĀ-ſа-яё"
_WORD = rf"[{_UP}][{_LO}'’]+(?:-[{_UP}][{_LO}]+)?"
_PARTICLE = r"(?:van der|van den|van|von|de la|de|del|della|da|do|dos|das|di|du|le|la|ten|ter)"
_NAME = rf"{_WORD}(?:[ ]+(?:{_PARTICLE}[ ]+)?{_WORD}){{0,3}}"
_TITLE = (
    r"(?:(?:Mr|Mrs|Ms|Dr|Prof|Sr|Sra|Srta|Mme|Mlle|M|Ing|Mgr|Sig|Sig\.ra|Pan|Pani|Herr|Frau"
    r"|Señor|Señora|Signor|Signora|paní|pani|pane|pan|Hr|Fr|Dott|Dott\.ssa|Avv|Ing|Geom|Rag"
    r"|Mag|Bc|PhDr|MUDr|JUDr|RNDr|Sir|Dame|Lic|Mtro|Dra|Eng|Rev)\.?[ ]+)?"
)


def _lazy(source: str) -> Callable[[], re.Pattern[str]]:
    """A pattern compiled on first use: the big alternations below take ~15 ms to compile,
    which importing the engine (or building a ``Redactor``) should not pay."""

    @lru_cache(maxsize=1)
    def compiled() -> re.Pattern[str]:
        return re.compile(source)

    return compiled


_TITLE_RE = re.compile(_TITLE)
_SALUTATION = (
    r"(?:Dear|Hi|Hello|Hey|Greetings|Thanks|Thank you|Cheers|Hallo|Liebe|Lieber|Sehr geehrte"
    r"|Sehr geehrter|Guten Tag|Bonjour|Cher|Chère|Salut|Hola|Estimado|Estimada|Querido|Querida"
    r"|Ciao|Caro|Cara|Gentile|Olá|Oi|Prezado|Prezada|Cześć|Szanowny|Szanowna|Drogi|Droga"
    r"|Dzień dobry|Vážený|Vážená|Ahoj|Dobrý den|Kære|Hej|Beste|Geachte|Здравствуйте"
    r"|Уважаемый|Уважаемая|Дорогой|Дорогая|Привет)"
)
_ROLE = (
    r"(?:assigned to|ship to|shipped to|deliver to|bill to|sold to|requested by|reported by"
    r"|approved by|created by|signed by|submitted by|updated by|opened by|closed by"
    r"|on behalf of|zugewiesen an|attribué à|asignado a|assegnato a|atribuído a"
    r"|przypisane do|přiřazeno|tildelt|назначено)"
)
"""Phrases after which a capitalised name is a person."""
_ROLE_NOUN = (
    r"(?:assignee|contact|customer|client|owner|attn|attention|recipient|patient|employee"
    r"|name|full name|account holder|cardholder|holder|user|author|kunde|kundin"
    r"|ansprechpartner|empfänger|destinataire|nom|cliente|nombre|destinatario|intestatario"
    r"|nome|klient|odbiorca|imię i nazwisko|nazwisko|příjemce|jméno|zákazník|modtager|navn"
    r"|получатель|клиент|имя|фио)"
)
"""Nouns that name a person only as a label: ``contact: Lars Jensen``, not ``User
Interface``."""
_CUED = _lazy(
    rf"(?i:\b{_SALUTATION})[ ]+(?P<a>{_TITLE}{_NAME})(?=[ ]*(?:[,!:\n]|$|\u2014| -))"
    rf"|(?i:\b{_ROLE})[ \t]*[:=]?[ \t]*[\"']?(?P<b>{_TITLE}{_NAME})"
    rf"|(?i:\b{_ROLE_NOUN})[ \t]*[:=][ \t]*[\"']?(?P<c>{_TITLE}{_NAME})"
)
_JSON_KEYS = (
    r"customer|customer_name|full_?name|first_?name|last_?name|given_?name|family_?name"
    r"|surname|display_?name|contact|contact_name|owner|assignee|recipient|author|patient"
    r"|holder|cardholder|account_holder|billing_name|shipping_name|name"
)
_JSON_NAME = _lazy(rf"[\"'](?i:{_JSON_KEYS})[\"'][ ]*[:=][ ]*[\"'](?P<n>{_TITLE}{_NAME})[\"']")
_LAST_FIRST = re.compile(
    rf"(?<![\w,] )(?:{_PARTICLE} )?(?P<last>{_WORD}), (?P<first>{_WORD})(?: {_WORD})?"
    rf"(?=[ ]+[{_LO}]|[ ]*[.;:!?)]|[ ]*$)"
)
"""``Smith, John requested…``: not inside a list of capitalised words (``Paris, Rome,
Berlin``), and followed by a lower-case word, punctuation or the end."""
_LOWER_NEXT = re.compile(rf"[ ]+[{_LO}]{{2,}}")
_FIRST_LAST = re.compile(rf"(?P<first>{_WORD})[ ]+(?P<last>{_WORD})\b")
_PREPOSITIONS = frozenset(
    {"by", "for", "with", "from", "to", "and", "von", "par", "por", "da", "od", "от"}
)
_PAIR = re.compile(rf"[{_UP}][{_LO}]+,? [{_UP}][{_LO}]")
"""Two capitalised words in a row (maybe with a comma): where lexicon names can be."""
_NOT_NAMES = frozenset(
    {
        "team", "all", "everyone", "there", "customer", "customers", "user", "users", "admin",
        "support", "sir", "madam", "friend", "friends", "guys", "folks", "world", "client",
        "sales", "billing", "manager", "partner", "colleague", "colleagues", "service",
        "unknown", "none", "null", "n/a", "system", "bot", "the", "test", "guest", "anonymous",
        "again", "everybody", "developer", "developers", "hiring", "mr", "mrs", "ms", "dr",
    }
)  # fmt: skip
_NOT_LEXICON_NAMES = frozenset(
    {
        "paris", "london", "berlin", "madrid", "rome", "roma", "milan", "milano", "lisbon",
        "prague", "warsaw", "moscow", "vienna", "sydney", "austin", "dallas", "houston",
        "phoenix", "denver", "jackson", "orlando", "florence", "georgia", "virginia",
        "carolina", "dakota", "chelsea", "victoria", "columbia", "jordan", "israel", "china",
        "india", "kenya", "chad", "cuba", "peru", "france", "washington", "lincoln",
        "january", "february", "march", "april", "may", "june", "july", "august",
        "september", "october", "november", "december", "monday", "tuesday", "wednesday",
        "thursday", "friday", "saturday", "sunday", "will", "grace", "hope", "faith", "joy",
        "rose", "summer", "winter", "autumn", "dawn", "art", "bill", "mark", "pat", "sue",
        "guy", "max", "rich", "frank", "chase", "page", "sky", "star", "king", "young",
        "long", "street", "main", "park", "hill", "lake", "river", "north", "south", "east",
        "west", "new", "city", "sale", "day", "price", "case", "story", "major", "early",
        "germany", "spain", "italy", "poland", "russia", "denmark", "sweden", "norway",
        "austria", "belgium", "portugal", "brazil", "mexico", "canada", "japan", "ireland",
        "england", "scotland", "wales", "texas", "california", "florida", "ohio", "oregon",
        "nevada", "arizona", "utah", "york", "boston", "chicago", "seattle", "atlanta",
        "hello", "world", "warning", "error", "note", "yes", "no", "ok", "okay", "please",
        "however", "also", "then", "well", "now", "today", "tomorrow", "thanks", "sorry",
        "attention", "update", "info", "debug", "notice", "success", "done", "failed",
    }
)  # fmt: skip
"""Given names and surnames of the census that are also places, months or common words:
never taken as a name by the lexicon alone (``Paris, France``, ``May Day``)."""
_LABELS = (
    *("assignee", "contact", "customer", "client", "owner", "attn", "attention", "recipient"),
    *("patient", "employee", "name", "holder", "user", "author", "kunde", "kundin"),
    *("ansprechpartner", "empfänger", "destinataire", "nom", "cliente", "nombre"),
    *("destinatario", "intestatario", "nome", "klient", "odbiorca", "nazwisko", "příjemce"),
    *("jméno", "zákazník", "modtager", "navn", "получатель", "клиент", "имя", "фио"),
)
_NAME_TRIGGERS = (
    *("dear", "hi ", "hello", "hey ", "greetings", "thank", "cheers", "hallo", "liebe",
      "geehrte", "guten tag", "bonjour", "cher", "salut", "hola", "estimad", "querid",
      "ciao", "caro ", "cara ", "gentile", "olá", "oi ", "prezad", "cześć", "szanown",
      "drog", "dzień dobry", "vážen", "ahoj", "dobrý den", "kære", "hej ", "beste",
      "geachte", "здравствуйте", "уважаем", "дорог", "привет"),
    *("assigned", "ship", "deliver", "bill to", "sold to", "by ", "on behalf", "zugewiesen",
      "attribué", "asignado", "assegnato", "atribuído", "przypisane", "přiřazeno", "tildelt",
      "назначено", "_name", "surname"),
    *(label + end for label in _LABELS for end in (":", "\":", "':", "=", " :")),
)  # fmt: skip
"""Lower-case literals one of which a cued name needs: salutations, role phrases, and the
labels followed by a separator (``contact:``, ``"customer":``)."""


@lru_cache(maxsize=1)
def lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """Given names and surnames (lower case) from the US Census lists shipped by the
    ``names`` package (a runtime dependency), read on first use."""
    given = _read("dist.male.first") | _read("dist.female.first")
    return frozenset(given), frozenset(_read("dist.all.last"))


def _read(name: str) -> set[str]:
    text = resources.files("names").joinpath(name).read_text(encoding="ascii")
    return {line.split(" ", 1)[0].lower() for line in text.splitlines() if line}


def _verb_after(text: str, match: re.Match[str]) -> bool:
    """A lower-case word follows (``Zampa, Raffaellino requested…``): the shape of a
    person's name written last name first, even when neither is in the census lists."""
    return _LOWER_NEXT.match(text, match.end()) is not None


def _fold(word: str) -> str:
    """Lower case without accents: the census lists are ASCII (``Tomás`` -> ``tomas``)."""
    return unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().lower()


def _strip_title(start: int, value: str) -> tuple[int, str]:
    """``value`` without a leading title (``Dr.``, ``paní``): the title stays in the text.
    A title ends with a space and a name follows it, so it never takes the whole value."""
    cut = len(value) - len(_TITLE_RE.sub("", value, count=1))
    return start + cut, value[cut:]


def _is_name(value: str) -> bool:
    words = value.split()
    return bool(words) and words[0].lower() not in _NOT_NAMES and value.lower() not in _NOT_NAMES


def _cued_names(text: str) -> Iterator[Finding]:
    """Names after a salutation, a role or a name-like JSON key."""
    found: list[Finding] = []
    for match in _CUED().finditer(text):
        group = next(name for name in "abc" if match.group(name) is not None)
        found.append(_titled(match, group))
    if '"' in text or "'" in text:
        found += [_titled(match, "n") for match in _JSON_NAME().finditer(text)]
    yield from _merge([finding for finding in found if finding[2]])


def _titled(match: re.Match[str], group: str) -> Finding:
    """The name in ``group`` without its title; kind ``""`` when it is a known non-name."""
    start, value = _strip_title(match.start(group), match.group(group))
    return start, start + len(value), "name" if _is_name(value) else ""


def _lexicon_names(text: str) -> Iterator[Finding]:
    """``Last, First`` and ``by First Last``, checked against the census lexicon."""
    found: list[Finding] = []
    for pattern in (_LAST_FIRST, _FIRST_LAST):
        for match in pattern.finditer(text):
            first, last = _fold(match.group("first")), _fold(match.group("last"))
            if first in _NOT_LEXICON_NAMES or last in _NOT_LEXICON_NAMES:
                continue
            if pattern is _FIRST_LAST and not _after_preposition(text, match.start()):
                continue
            given, surnames = lexicon()  # loaded on the first candidate only
            known = (first in given) + (last in surnames)
            if pattern is _LAST_FIRST and (known or _verb_after(text, match)):
                found.append((match.start(), match.end(), "name"))
            elif known == 2:
                found.append((match.start("first"), match.end("last"), "name"))
    yield from _merge(found)


def _after_preposition(text: str, start: int) -> bool:
    before = text[max(0, start - 6) : start].lower().rstrip(" ")
    word = before.rsplit(" ", 1)[-1]
    return word in _PREPOSITIONS and (len(before) == len(word) or before[-len(word) - 1] == " ")


def _merge(found: list[Finding], kind: str = "name") -> Iterator[Finding]:
    """Sorted, overlapping findings joined."""
    last_start, last_end = -1, -1
    for start, end, _ in sorted(found):
        if start < last_end:
            last_end = max(last_end, end)
            continue
        if last_end >= 0:
            yield last_start, last_end, kind
        last_start, last_end = start, end
    if last_end >= 0:
        yield last_start, last_end, kind


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
    yield from _merge(found, "address")


def name_detectors() -> list[Detector]:
    """Cued names (triggered by the cue words), then lexicon names (two capitalised words in
    a row)."""
    return [
        Detector("name", _cued_names, _NAME_TRIGGERS, inner=("_name",)),
        Detector("name", _lexicon_names, probe=_PAIR),
    ]


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
