"""Names, addresses and numbers found from their anchors (cue words, street types, the digits
after a street suffix, the quoted JSON key) rather than by trying every pattern at every
position: the edges of that search, as a user sees them in the scrubbed text."""

from __future__ import annotations

import sys

import pytest

from automagik_telemetry.config.scrubbing import DETECTOR_NAMES
from automagik_telemetry.privacy import Redactor, ScrubbingOptions

REDACTOR = Redactor()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the number after a street suffix ends the window the full pattern runs in: a
        # street with a 5-digit "house number" is no address, and is not cut to one
        ("Lindenweg 5, Ahweg 12345", "<address>, Ahweg 12345"),
        # the street type as a word of its own after the street's name
        ("Lieferung an Berliner Str. 12a, Berlin", "Lieferung an <address>, Berlin"),
        ("Am Alten Weg 5, Köln", "<address>, Köln"),
        # a preposition in brackets still introduces a name
        ("(by John Smith)", "(by <name>)"),
        # the same JSON key as a value first, then as a key
        (
            '{"note": "customer", "customer": "Maria Silva"}',
            '{"note": "customer", "customer": "<name>"}',
        ),
        (
            '{"type": "street", "street": "Calle Mayor 5"}',
            '{"type": "street", "street": "<address>"}',
        ),
        # a label needs its separator, wherever else the text has one
        ("customer: Maria Silva, retries=3", "customer: <name>, retries=3"),
        # a street type is found as a word, what follows it after the type
        ("sent to Calle Mayor 5, Madrid", "sent to <address>, Madrid"),
        ("delivery address: Sítio Ayla Viana, 33", "delivery address: <address>"),
        # a letter that grows when lower-cased does not shift what is replaced
        ("İstanbul desk: Dear Maria Silva, thanks", "İstanbul desk: Dear <name>, thanks"),
        ("İİ note, address: Bermanova 42", "İİ note, address: <address>"),
        # 8 digits, bare or 4+4 (Danish, Norwegian), after a word that says "phone"
        ("SMS to 27123531 failed", "SMS to <phone> failed"),
        ("call 3332 5926 now", "call <phone> now"),
        ("phone_number=27123531", "phone_number=<phone>"),
        # long compound names after a salutation
        (
            "Dear Lukas van der Spaendonck-van het Heerenveen, welcome",
            "Dear <name>, welcome",
        ),
        # degrees after a name stay, the name goes
        (
            "Hi Gretl Döring B.Eng., your password was reset",
            "Hi <name> B.Eng., your password was reset",
        ),
        (
            '{"customer": "Birte Schleich B.Sc.", "total": 12.5}',
            '{"customer": "<name> B.Sc.", "total": 12.5}',
        ),
        # a surname that is also a city, with a given name and a verb after it
        ("Jackson, Troy requested a refund", "<name> requested a refund"),
        ("van de Elzas, Gerrit requested a refund", "<name> requested a refund"),
        # Russian street abbreviations
        ("ship to ш. Вахитова, д. 9", "ship to <address>"),
        ("ship to бул. Поперечный, д. 691", "ship to <address>"),
        # 9-12 digits after a phone word, valid in a national plan
        ("tel: 6865824380", "tel: <phone>"),
        ("SMS to (01632) 960 801 failed", "SMS to <phone> failed"),
        ('{"phone": "203341063"}', '{"phone": "<phone>"}'),
    ],
)
def test_found_from_anchors(text: str, expected: str) -> None:
    assert REDACTOR.redact_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Xyzzy, Plugh.",  # "Last, First" of unknown words, no verb after: not a name
        "Status, Code returned 500 after 3 retries",  # words of logs, not "Last, First"
        "customer Maria Silva called, retries=3",  # a label word without its separator
        "delivered 15.01.2024 10 items",  # a date and a count, not a phone number
        "SELECT id, name, status FROM tasks WHERE project_id = 42 ORDER BY id",
        "cache miss for key tasks:774813:2580; fetching from upstream",
        "ship via the web console after 3 retries",  # a street type with no street after it
        "order 27123531 shipped",  # no phone word
        "hotel room 12345678",  # "tel" inside a word is no phone word
        "SMS to 00000000 failed",  # valid in no numbering plan
        "tel:27123531x",  # glued to a letter
        "SMS to 2712353 failed",  # 7 digits
        "Boarding Gate 5 closed",  # street types that are English words stay words
        "Kernel Ring 0 fault",
        "auf Platz 3 gelandet",  # a type word with no capitalised name before it
        "Exclusive 24/7 Framework",  # "24/7" is no Czech house number
        "Paris, France is lovely",  # places, not "Last, First"
        "Jackson, Mississippi is hot",
    ],
)
def test_look_alikes_are_kept(text: str) -> None:
    assert REDACTOR.redact_text(text) == text


def test_names_alone_still_work() -> None:
    """With every other detector off, the scanner has no literal triggers left, only words."""
    only_names = Redactor(ScrubbingOptions(disabled=set(DETECTOR_NAMES) - {"name"}))
    text = "Dear Maria Silva, your e-mail maria@example.com is 4111 1111 1111 1111"
    assert only_names.redact_text(text) == (
        "Dear <name>, your e-mail maria@example.com is 4111 1111 1111 1111"
    )


def test_threads_scrubbing_at_once_get_what_one_thread_gets() -> None:
    """The lower-cased text and its words are remembered for the next caller (one entry per
    process); threads interleaving different values must still each get their own."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.privacy.corpus_team import build

    sensitive, harmless = build()
    texts = [text for _, text, _ in sensitive] + harmless
    alone = Redactor(cache_size=0)
    expected = [alone.redact_text(text) for text in texts]
    shared = Redactor(cache_size=0)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            for _ in range(3):
                assert list(pool.map(shared.redact_text, texts, chunksize=1)) == expected
    finally:
        sys.setswitchinterval(interval)
