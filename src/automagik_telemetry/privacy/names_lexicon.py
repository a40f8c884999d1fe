# ruff: noqa: RUF001 - letters of many alphabets, on purpose
"""What the name detector knows about names without a cue: the lexicon of real given names
and surnames, the endings that mark a surname, and the words that look like names but are
places or words of prose and logs.

The lexicon (``data/given_names.txt``, ``data/surnames.txt``, ~14,000 given names and
~133,000 surnames) comes from the name statistics of censuses and population registers in
seven countries, published as open data (``data/NAMES-NOTICE.md`` lists the sources and
their licences; ``benchmarks/build_name_lexicon.py`` rebuilds it). It is read on the first
candidate only: ~25 ms and ~13 MB, paid by a process that meets a ``Last, First`` shape.

Countries without open lists (Czechia, Denmark, Norway, Sweden, Russia, Turkey...) are
reached through given names shared across Europe and through surname endings, which mark
a surname better than a list does: ``-ová``, ``-ski``, ``-sen``, ``-sson``, ``-nen``,
``-oğlu``, ``-ov``/``-ova``, and in Cyrillic ``-ов``, ``-ева``, ``-ский``, ``-енко``...
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["NOT_LEXICON_NAMES", "fold", "is_surname_for_sure", "is_surname_shaped", "lexicon"]

_SPELLED_OUT = str.maketrans(
    {"ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)
"""Letters that carry no combining mark to strip (``Łukasz`` -> ``lukasz``)."""


def fold(word: str) -> str:
    """Lower case without accents, as the lexicon is stored: lists of some countries are
    written without accents (``Tomás`` -> ``tomas``, ``Jørgensen`` -> ``jorgensen``);
    other alphabets keep their letters (``Иванов`` -> ``иванов``)."""
    low = word.lower()
    if low.isascii():
        return low
    marks = unicodedata.normalize("NFKD", low.translate(_SPELLED_OUT))
    return "".join(char for char in marks if not unicodedata.combining(char))


@lru_cache(maxsize=1)
def lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """Given names and surnames, folded (see ``fold``), read on first use."""
    return _read("given_names.txt"), _read("surnames.txt")


def _read(name: str) -> frozenset[str]:
    from importlib import resources  # ~4 ms (tempfile, shutil, lzma): only when read

    path = resources.files("automagik_telemetry.privacy") / "data" / name
    return frozenset(path.read_text(encoding="utf-8").split())


_SURNAME_ENDING = re.compile(
    r"[a-zß-öø-ÿĀ-ſ]{3,}(?:ová|ski|ska|cki|cka|wicz|sen|sson|nen|oğlu|escu|ović|ević|ov|ova"
    r"|ev|eva|enko|chuk|auskas)"
    r"|[а-яё]{2,}(?:ов|ова|ев|ева|ёв|ёва|ин|ина|ын|ына|ский|ская|цкий|цкая|енко|ук|юк)"
)
"""Endings of Czech, Polish, Scandinavian, Finnish, Turkish, Romanian, Serbo-Croatian,
Russian, Ukrainian and Lithuanian surnames, after a stem long enough that a short word
(``Essen``, ``Kiev``) does not pass for one."""


def is_surname_shaped(word: str) -> bool:
    """``Nováková``, ``Jørgensen``, ``Иванов``: a surname by its ending (lower case)."""
    return _SURNAME_ENDING.fullmatch(word) is not None


_STRONG_ENDING = re.compile(r"[a-zß-öø-ÿĀ-ſ]{3,}(?:ová|wicz|sson|oğlu|enko)")
"""Endings that almost only surnames have, so that the word before them is taken for a
given name even when no list knows it (``Jarmila Vaňková``). Not the Polish ``-ski``,
``-ska``: place names end so too (``Ruda Śląska``, ``Ostrów Wielkopolski``)."""


def is_surname_for_sure(word: str) -> bool:
    """``Vaňková``, ``Gustafsson`` (lower case): see ``_STRONG_ENDING``."""
    return _STRONG_ENDING.fullmatch(word) is not None


NOT_LEXICON_NAMES = frozenset(
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
        "geneva", "finland", "netherlands", "switzerland", "turkey", "greece", "hungary",
        "mali", "sierra", "chile", "niger", "oman", "malta", "bolivia", "argentina",
        "panama", "guinea", "liberia", "nigeria", "angola", "venezuela", "colombia",
        "hello", "world", "warning", "error", "note", "yes", "no", "ok", "okay", "please",
        "however", "also", "then", "well", "now", "today", "tomorrow", "thanks", "sorry",
        "attention", "update", "info", "debug", "notice", "success", "done", "failed",
        # first words of place names: "from Santa Clara", "to San Diego", "Rio Grande"
        "san", "santa", "santo", "sao", "saint", "sankt", "st", "rio", "porto", "puerto",
        "fort", "mount", "los", "las", "el", "grand", "great", "little", "upper",
        "lower", "royal", "hong", "nova", "bad",
        # particles, which the lists hold as parts of longer names: "De Krim" is no name
        "de", "da", "di", "du", "la", "le", "van", "von", "del", "della", "der", "den",
        "het", "ten", "ter", "dos", "das", "do", "al", "les",
        # words of logs and records: "Status, Code returned 500" is no "Last, First"
        "status", "code", "state", "result", "response", "request", "reply", "message",
        "value", "type", "kind", "level", "mode", "data", "item", "items", "order",
        "event", "events", "task", "job", "step", "stage", "phase", "build", "test",
        "check", "key", "token", "session", "cache", "queue", "worker", "server",
        "client", "host", "port", "path", "file", "line", "query", "field",
        "table", "row", "column", "index", "count", "total", "size", "limit", "retry",
        "timeout", "time", "date", "name", "user", "account", "service", "version",
        "title", "description", "created", "updated", "deleted", "source", "target",
        "login", "logout", "import", "export", "input", "output", "read", "write", "start",
        "stop", "open", "close", "save", "load", "upload", "download", "enabled", "disabled",
        "active", "pending", "approved", "rejected", "first", "last", "next", "previous",
        "true", "false", "min", "average", "sum", "warn", "trace", "fatal", "critical",
    }
)  # fmt: skip
"""Given names and surnames of the lexicon that are also places, months or common words
(of prose and of logs): never taken as a name by the lexicon alone (``Paris, France``,
``May Day``, ``Status, Code returned``, ``from Santa Clara``)."""
