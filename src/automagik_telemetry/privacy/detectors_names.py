# ruff: noqa: RUF001 - letters of many alphabets, on purpose
"""Person names in free text, without a model and without a network.

Names have no shape of their own, so a name is only taken where something says a person is
meant:
- a **cue** before it: a salutation (``Dear Ana,`` ``Hallo Jörg``, ``Vážená paní Nováková``),
  a role (``assigned to``, ``ship to``, ``contact:``, ``reported by``), or a name-like JSON
  key (``"customer": "…"``, ``full_name``, ``first_name``, ``assignee``…). After a cue, one to
  four capitalised words are a name unless they are a known non-name (``Dear Customer``,
  ``Hi team``);
- or the **lexicon** and surname endings (``names_lexicon``): ``Last, First`` (``changed to
  Jørgensen, Søren``, ``Nováková, Jana requested…``), ``by/for/with First Last`` and a
  ``First Last`` that opens a clause (``Jana Nováková logged in``), checked against given
  names and surnames of official name statistics (loaded on the first candidate only) and
  the endings of surnames (``-ová``, ``-sen``, ``-ов``...), Cyrillic included.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .detector import Detector, Finding, lowered, occurrences, tokens
from .letters import LOWER as _LO
from .letters import UPPER as _UP
from .letters import lazy as _lazy
from .letters import merge, quoted_keys
from .names_lexicon import NOT_LEXICON_NAMES, fold, is_surname_for_sure, is_surname_shaped, lexicon

__all__ = ["fold", "lexicon", "name_detectors"]

_WORD = rf"[{_UP}][{_LO}'’]+(?:-(?:[{_UP}][{_LO}]+|van|von|de|der|den|het|la|le|da|di|du))?"
"""A capitalised name word, maybe double-barrelled (``Smith-Jones``, ``Spaendonck-van``)."""
_PARTICLE = (
    r"(?:van der|van den|van het|van de|van|von der|von|de la|de los|de las|de|del|della|da"
    r"|do|dos|das|di|du|le|la|ten|ter|het)"
)
_NAME = rf"{_WORD}(?:[ ]+(?:{_PARTICLE}[ ]+)?{_WORD}){{0,3}}"
_TITLE = (
    r"(?:(?:Mr|Mrs|Ms|Dr|Prof|Sr|Sra|Srta|Mme|Mlle|M|Ing|Mgr|Sig|Sig\.ra|Pan|Pani|Herr|Frau"
    r"|Señor|Señora|Signor|Signora|paní|pani|pane|pan|Hr|Fr|Dott|Dott\.ssa|Avv|Ing|Geom|Rag"
    r"|Mag|Bc|PhDr|MUDr|JUDr|RNDr|Sir|Dame|Lic|Mtro|Dra|Eng|Rev)\.?[ ]+)?"
)


_SALUTATIONS = (
    *("Dear", "Hi", "Hello", "Hey", "Greetings", "Thanks", "Thank you", "Cheers", "Hallo"),
    *("Liebe", "Lieber", "Sehr geehrte", "Sehr geehrter", "Guten Tag", "Bonjour", "Cher"),
    *("Chère", "Salut", "Hola", "Estimado", "Estimada", "Querido", "Querida", "Ciao", "Caro"),
    *("Cara", "Gentile", "Olá", "Oi", "Prezado", "Prezada", "Cześć", "Szanowny", "Szanowna"),
    *("Drogi", "Droga", "Dzień dobry", "Vážený", "Vážená", "Ahoj", "Dobrý den", "Kære", "Hej"),
    *("Beste", "Geachte", "Здравствуйте", "Уважаемый", "Уважаемая", "Дорогой", "Дорогая"),
    "Привет",
)
_ROLES = (
    *("assigned to", "ship to", "shipped to", "deliver to", "bill to", "sold to"),
    *("requested by", "reported by", "approved by", "created by", "signed by"),
    *("submitted by", "updated by", "opened by", "closed by", "on behalf of"),
    *("zugewiesen an", "attribué à", "asignado a", "assegnato a", "atribuído a"),
    *("przypisane do", "přiřazeno", "tildelt", "назначено"),
)
"""Phrases after which a capitalised name is a person."""
_ROLE_NOUNS = (
    *("assignee", "contact", "customer", "client", "owner", "attn", "attention", "recipient"),
    *("patient", "employee", "name", "full name", "account holder", "cardholder", "holder"),
    *("user", "author", "kunde", "kundin", "ansprechpartner", "empfänger", "destinataire"),
    *("nom", "cliente", "nombre", "destinatario", "intestatario", "nome", "klient"),
    *("odbiorca", "imię i nazwisko", "nazwisko", "příjemce", "jméno", "zákazník", "modtager"),
    *("navn", "получатель", "клиент", "имя", "фио"),
)
"""Nouns that name a person only as a label: ``contact: Lars Jensen``, not ``User
Interface``."""


def _longest_word(phrase: str) -> bytes:
    return max(tokens(phrase), key=len)


_CUES: dict[bytes, list[tuple[str, str]]] = {}
"""Cue phrases (lower case) by their longest word, with their kind: ``a`` salutation,
``b`` role, ``c`` label. The scanner runs this detector only when one of these words is a
word of the text; the finder then looks for the phrases of those words only."""
for _kind, _phrases in (("a", _SALUTATIONS), ("b", _ROLES), ("c", _ROLE_NOUNS)):
    for _phrase in _phrases:
        _CUES.setdefault(_longest_word(_phrase.lower()), []).append((_phrase.lower(), _kind))
_POST_NOMINAL = (
    r"(?:,?[ ]+(?:B\.Sc\.|B\.Eng\.|B\.A\.|M\.Sc\.|M\.Eng\.|M\.A\.|Ph\.D\.|DiS\."
    r"|MBA|M\.D\.|BSc|MSc|PhD|Jr\.?|Sr\.?|II|III|IV))?"
)
"""Degrees and generations written after a name (``Döring B.Eng.``); they stay in the text."""
_AFTER_CUE = {
    # after a salutation: the name, then the end of the greeting
    "a": _lazy(rf"[ ]+(?P<n>(?P<t>{_TITLE}){_NAME}){_POST_NOMINAL}(?=[ ]*(?:[,!:\n]|$|\u2014| -))"),
    # after a role: maybe a separator or a quote
    "b": _lazy(rf"[ \t]*[:=]?[ \t]*[\"']?(?P<n>(?P<t>{_TITLE}){_NAME})"),
    # after a label: a separator
    "c": _lazy(rf"[ \t]*[:=][ \t]*[\"']?(?P<n>(?P<t>{_TITLE}){_NAME})"),
}
_JSON_KEYS = (
    *("customer", "customer_name", "full_name", "fullname", "first_name", "firstname"),
    *("last_name", "lastname", "given_name", "givenname", "family_name", "familyname"),
    *("surname", "display_name", "displayname", "contact", "contact_name", "owner"),
    *("assignee", "recipient", "author", "patient", "holder", "cardholder"),
    *("account_holder", "billing_name", "shipping_name", "name"),
)
_JSON_WORDS = frozenset(key.encode() for key in _JSON_KEYS)
_JSON_NAME = _lazy(
    rf"[\"'](?i:{'|'.join(_JSON_KEYS)})[\"'][ ]*[:=][ ]*[\"'](?P<n>(?P<t>{_TITLE}){_NAME})"
    rf"{_POST_NOMINAL}[\"']"
)
_FIRST_NAME_AND_END = rf", (?P<first>{_WORD})(?: {_WORD})?(?=[ ]+[{_LO}]|[ ]*[.;:!?)\"']|[ ]*$)"
_PREPOSITIONS = (
    *("by", "for", "with", "from", "to", "and", "von", "par", "por", "da", "od", "от", "на"),
)


def _after_preposition(then: str) -> str:
    """Look-behinds for a preposition, a space and ``then``, one per length of preposition
    (each must have a fixed width): three checks, not one per preposition."""
    sizes = sorted({len(word) for word in _PREPOSITIONS})
    return "|".join(
        rf"(?<=\b(?i:{'|'.join(w for w in _PREPOSITIONS if len(w) == size)}) {then})"
        for size in sizes
    )


_AFTER_PREPOSITION = _after_preposition(f"[{_UP}]")
"""A capital after a preposition (``paid by Jana``, ``changed to Jørgensen``)."""
_PARTICLE_LAST_FIRST = _lazy(
    rf"(?:(?<![\w,] )|{_after_preposition('')})\b{_PARTICLE} (?P<last>{_WORD}){_FIRST_NAME_AND_END}"
)
"""``van Dijk, Jan``: the same after a surname particle."""
_PARTICLE_WORDS = frozenset(
    word.encode() for word in re.sub(r"[()?:]", "", _PARTICLE).replace(" ", "|").split("|")
)
_NO_VERBS = frozenset(word.decode() for word in _PARTICLE_WORDS) | {
    *("and", "et", "e", "y", "i", "und", "og", "och", "of", "the", "or", "ou", "o", "en"),
}
"""A particle or a conjunction after ``Last, First`` continues a name or a place
(``Cantabria, República de Corea``, ``Kalisz, Antigua and Barbuda``): it is no verb."""
_LOWER_NEXT = re.compile(rf"[ ]+[{_LO}]{{2,}}")
_BARE_END = rf"(?=[ ]+[{_LO}]|[\"']|[ ]*$)"
_OPENING = (
    rf"[{_UP}](?=[{_LO}])(?<!\w[{_UP}])"
    rf"(?:(?P<p>){_AFTER_PREPOSITION}|(?<![\w,] [{_UP}])|(?<=[{_UP}\d][{_UP}\d] [{_UP}]))"
)
"""A capital that starts a word standing on its own: after a preposition (group ``p``
set), at the start, after punctuation, a quote or a bracket, or after a log prefix
(``INFO``, a timestamp); not in a list or a run of capitalised words (``Paris, Rome``,
``Hotel Bristol, Anna``), nor after another lower-case word, where a name needs a cue
(``customer Maria Silva`` is a label without its colon). Most capitals fail at once on
these look-aheads and look-behinds."""
_PAIRS = _lazy(  # ~4 ms to compile: on the first two capitalised words, not at import
    rf"(?P<a>{_OPENING}[{_LO}'’]+(?:-[{_UP}][{_LO}]+)?)"
    rf"(?:{_FIRST_NAME_AND_END}|[ ](?P<b>{_WORD})(?:[ ](?P<c>{_WORD}))?(?(p)\b|{_BARE_END}))"
)
"""Two capitalised words, in one pass: ``Last, First`` (``Smith, John requested…``,
``changed to Jørgensen, Søren``: then a lower-case word, punctuation, a quote or the end),
``First Last`` after a preposition (``refund for Emily Clark``), or opening a clause and
then a lower-case word, a quote or the end (``Jana Nováková logged in``, not the Title
Case run ``Quarterly Results Beat``). The pattern starts with a capital letter, so the
regex engine skips to capitals without trying each position."""
_CYRILLIC_PAIR = re.compile(
    rf"(?<=[{_LO}] )(?P<first>[А-ЯЁ][а-яё]+)[ ](?P<last>[А-ЯЁ][а-яё]+){_BARE_END}"
)
"""``встреча с Сергей Иванов``: in Cyrillic also after a lower-case word, as the
surname's ending decides; not in a Title Case run (``Социальное Хранилище Данных``)."""
_ADJECTIVE_ENDINGS = ("ый", "ой", "ое", "ые", "ая", "ие")
"""Russian adjectives, which no given name ends like (``Социальное Хранилище``)."""
_CYRILLIC = re.compile("[а-яё]")
_VOWELS = frozenset("aeiouy")
"""Last letters of a folded given name that no list knows (``Raffaellino``, ``Dušan``
does not pass)."""
_COMMA_CAPITAL = re.compile(rf", [{_UP}]")
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
_CUE_KEYS = frozenset(_CUES)
"""As a set: a set intersected with a dict walks the whole dict, with a set the smaller."""
_CUE_WORDS = _CUE_KEYS | _JSON_WORDS
"""The words one of which a cued name needs."""


def _verb_after(text: str, end: int) -> bool:
    """A lower-case word follows (``Zampa, Raffaellino requested…``): the shape of a
    person's name written last name first, even when neither is in the lexicon."""
    word = _LOWER_NEXT.match(text, end)
    return word is not None and word.group().lstrip(" ") not in _NO_VERBS


def _is_name(value: str) -> bool:
    words = value.split()
    return bool(words) and words[0].lower() not in _NOT_NAMES and value.lower() not in _NOT_NAMES


def _cued_names(text: str) -> Iterator[Finding]:
    """Names after a salutation, a role or a name-like JSON key: each cue phrase whose
    longest word is a word of the text is looked for, and the name tried right after it."""
    low = lowered(text)
    words = tokens(low)
    found: list[Finding] = []
    labelled = ":" in text or "=" in text  # a label ("contact:") needs its separator
    for word in words.intersection(_CUE_KEYS):
        for phrase, kind in _CUES[word]:
            if kind == "c" and not labelled:
                continue
            for start in occurrences(low, phrase):
                match = _AFTER_CUE[kind]().match(text, start + len(phrase))
                if match is not None:
                    found.append(_titled(match))
    if '"' in text or "'" in text:
        keys = words.intersection(_JSON_WORDS)
        found += [_titled(match) for match in quoted_keys(_JSON_NAME(), text, low, keys)]
    yield from merge([finding for finding in found if finding[2]], "name")


def _titled(match: re.Match[str]) -> Finding:
    """The name (group ``n``) without its title (group ``t``: ``Dr.``, ``paní``, which
    stays in the text; it ends with a space and a name follows it, so it never takes the
    whole name); kind ``""`` when it is a known non-name."""
    start, end = match.end("t"), match.end("n")
    return start, end, "name" if _is_name(match.string[start:end]) else ""


def _lexicon_names(text: str) -> Iterator[Finding]:
    """``Last, First``, ``by First Last`` and ``First Last`` with no cue, checked against
    the lexicon and the surname endings."""
    found: list[Finding] = []
    for match in _PAIRS().finditer(text):
        if match.group("first") is not None:
            if _is_last_first(text, match.end(), match.group("a"), match.group("first")):
                found.append((match.start(), match.end(), "name"))
        elif _is_first_last(match.group("a"), match.group("b"), match.group("c")):
            found.append((match.start(), match.end(), "name"))
    comma = _COMMA_CAPITAL.search(text) is not None
    if comma and not tokens(lowered(text)).isdisjoint(_PARTICLE_WORDS):
        for match in _PARTICLE_LAST_FIRST().finditer(text):
            last, first = match.group("last"), match.group("first")
            if _is_last_first(text, match.end(), last, first, particle=True):
                found.append((match.start(), match.end(), "name"))
    if not text.isascii():
        for pair in _CYRILLIC_PAIR.finditer(text):
            before = text.rfind(" ", 0, pair.start() - 1) + 1
            title_run = text[before].isupper()
            if not title_run and _is_first_last(pair.group("first"), pair.group("last"), None):
                found.append((pair.start(), pair.end(), "name"))
    yield from merge(found, "name")


def _is_last_first(
    text: str, end: int, raw_last: str, raw_first: str, particle: bool = False
) -> bool:
    """``Last, First`` (ending at ``end``). Followed by a verb (a lower-case word that is no
    particle nor conjunction): the given name is known, or the surname is known or has a
    surname's ending, or the given name ends like most unlisted ones (``Zampa, Raffaellino
    requested…``). Alone (the end, punctuation, a quote): both must be known or shaped
    (``Nováková, Jana``, ``Иванов, Сергей``), or the surname has a particle (``van Dijk,
    Jan``) or an ending only surnames have; ``Pacov, Madagaskar``, ``Gdynia, Dominica`` and
    other "City, Country" pairs are no names."""
    first, last = fold(raw_first), fold(raw_last)
    if first in NOT_LEXICON_NAMES:
        return False
    given, surnames = lexicon()  # loaded on the first candidate only
    verb = _verb_after(text, end)
    known_first = _is_given(first, given)
    if last in NOT_LEXICON_NAMES:
        return verb and known_first  # not "Paris, France"; "Jackson, Troy requested…"
    shaped = is_surname_shaped(raw_last.lower())
    if particle or is_surname_for_sure(raw_last.lower()):
        return True
    if _CYRILLIC.match(last) is not None:
        return shaped  # the lists hold no Cyrillic names: the surname's ending decides
    if not verb:
        return known_first and (shaped or last in surnames)
    # a verb follows; with neither part known, a given name that ends like most unlisted
    # ones (Italian, Spanish: a Latin vowel), unlike the nouns and verbs of logs that pair
    # up the same way ("Header, Footer rendered", "Width, Height changed")
    return known_first or shaped or last in surnames or first[-1] in _VOWELS


def _is_first_last(raw_first: str, raw_last: str, raw_third: str | None) -> bool:
    """``First Last`` (or ``First Middle Last``): a known given name and a known or
    surname-shaped surname, or any capitalised word before a surname that only surnames
    end like (``Jarmila Vaňková``); in Cyrillic, which the lists do not cover, a
    surname-shaped last word after a word that is no adjective (``Сергей Иванов``, not
    ``Новый Смирнов``). The given name is checked first: most pairs of capitalised words
    fail there (``Release Notes``)."""
    first = fold(raw_first)
    if first in NOT_LEXICON_NAMES:
        return False
    if _CYRILLIC.match(first) is not None:
        adjective = raw_first.lower().endswith(_ADJECTIVE_ENDINGS)
        return not adjective and is_surname_shaped(raw_last.lower())
    if raw_third is not None:  # the middle word may be a given name, the last a surname
        given, known = lexicon()
        middle = fold(raw_last)
        if middle not in given and not _is_surname(raw_last, known):
            return False
        raw_last = raw_third
    if is_surname_for_sure(raw_last.lower()):
        return True
    given, known = lexicon()
    return _is_given(first, given) and _is_surname(raw_last, known)


def _is_surname(raw: str, known: frozenset[str]) -> bool:
    """A known surname or one by its ending, and no place or common word."""
    word = fold(raw)
    return word not in NOT_LEXICON_NAMES and (word in known or is_surname_shaped(raw.lower()))


def _is_given(first: str, given: frozenset[str]) -> bool:
    """A known given name, or a double one with a known part (``Rolf-Dieter``)."""
    return first in given or ("-" in first and any(part in given for part in first.split("-")))


def name_detectors() -> list[Detector]:
    """Cued names (triggered by the cue words), then lexicon names (two capitalised words in
    a row)."""
    return [
        Detector("name", _cued_names, words=_CUE_WORDS),
        Detector("name", _lexicon_names, probe=_PAIR),
    ]
