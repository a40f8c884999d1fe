# ruff: noqa: RUF001 - letters of many alphabets, on purpose
"""Person names and street addresses in free text: cued names, lexicon names (given names
and surnames of official name statistics, surname endings), street types per language
with a house number; and the harmless Title Case text that must stay."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from automagik_telemetry.privacy import Redactor, ScrubbingOptions
from automagik_telemetry.privacy.detectors_names import lexicon

REDACTOR = Redactor()

NAMES = [
    ("Dear Anna Nováková, your order shipped", "Anna Nováková"),
    ("Hi John, welcome back", "John"),
    ("Hallo Jörg Müller, danke für Ihre Bestellung", "Jörg Müller"),
    ("ticket 4411 assigned to María García", "María García"),
    ("ship to: Jan Kowalski", "Jan Kowalski"),
    ("contact: Lars Jensen", "Lars Jensen"),
    ("contact: Dr. Lars Jensen", "Lars Jensen"),
    ('{"customer": "Giulia Rossi", "total": 12}', "Giulia Rossi"),
    ("{'full_name': 'Ivan Petrov'}", "Ivan Petrov"),
    ("Smith, John requested a refund", "Smith, John"),
    ("Zampa, Raffaellino requested a refund", "Zampa, Raffaellino"),
    ("refund approved for Emily Clark yesterday", "Emily Clark"),
    ("Vážená paní Nováková, děkujeme", "Nováková"),
    ("Dear Dr. Anna Smith, thank you", "Anna Smith"),
    ("ship to: pani Monika Franiak", "Monika Franiak"),
    ("da Cunha, Raul requested a refund", "da Cunha, Raul"),
]


def test_every_name_in_a_text_is_replaced_and_titles_are_kept() -> None:
    out = REDACTOR.redact_text("Dear Dr. Anna Smith, ticket 12 assigned to María García")
    assert out == "Dear Dr. <name>, ticket 12 assigned to <name>"


@pytest.mark.parametrize(("text", "name"), NAMES)
def test_names_are_replaced(text: str, name: str) -> None:
    out = REDACTOR.redact_text(text)
    assert name not in out, out
    assert "<name>" in out


UNCUED = [
    # "Last, First" with nothing after it: the given name is known
    ("ticket escalated to Nováková, Jana", "ticket escalated to <name>"),
    ("Jørgensen, Søren", "<name>"),
    ('{"approver": "Korhonen, Mikko", "step": 2}', '{"approver": "<name>", "step": 2}'),
    # ... or the surname has a surname's ending, in Latin or Cyrillic letters
    ("Kowalczyk, Tomasz", "<name>"),
    ("Иванов, Сергей", "<name>"),
    # a known surname and a verb after it
    ("Moreno, Begoña requested a refund", "<name> requested a refund"),
    # "First Last" after a preposition, with or without the accents
    ("paid by Łukasz Wiśniewski", "paid by <name>"),
    ("paid by Lukasz Wisniewski", "paid by <name>"),
    ("refund 5521 for Mehmet Yılmaz", "refund 5521 for <name>"),
    ("refund for Jana Dvořáková", "refund for <name>"),
    ("письмо от Сергей Иванов", "письмо от <name>"),
    # "First Last" opening a clause, and anywhere in Cyrillic
    ("Jana Nováková logged in from the app", "<name> logged in from the app"),
    ("INFO Mikko Korhonen logged in", "INFO <name> logged in"),
    ("встреча с Ольга Смирнова перенесена", "встреча с <name> перенесена"),
    # a middle name; an unknown given name before an ending only surnames have
    ("refund 5521 paid by Vitor Gabriel Sousa", "refund 5521 paid by <name>"),
    ("Jarmila Vaňková logged in", "<name> logged in"),
    # a double given name with a known part; a particle after a preposition
    ("Kroker, Rolf-Dieter requested a refund", "<name> requested a refund"),
    ("owner changed to van der Heiden, Sofie", "owner changed to <name>"),
]


@pytest.mark.parametrize(("text", "expected"), UNCUED)
def test_uncued_names_of_many_countries_are_replaced(text: str, expected: str) -> None:
    assert REDACTOR.redact_text(text) == expected


ADDRESSES = [
    ("Delivery to 221B Baker Street, London", "221B Baker Street"),
    ("ship to 8472 Hickman Prairie Apt. 435", "8472 Hickman Prairie"),
    ("Hauptstraße 5, 10115 Berlin", "Hauptstraße 5"),
    ("Friedhold-Pärtzelt-Allee 5-4, Hamburg", "Pärtzelt-Allee 5"),
    ("12 rue de la Paix, 75002 Paris", "rue de la Paix"),
    ("Calle Mayor 5, Madrid", "Mayor 5"),
    ("Via Roma 10, Milano", "Roma 10"),
    ("ul. Długa 5, Gdańsk", "Długa 5"),
    ("Vodičkova 681/14, Praha", "Vodičkova 681/14"),
    ("Nørregade 7, 1165 København", "Nørregade 7"),
    ("Rua Augusta 100, Lisboa", "Augusta 100"),
    ("ул. Тверская, д. 7, Москва", "Тверская"),
    ("delivery address: Bermanova 42", "Bermanova 42"),
    ('{"street": "rue Renaud", "city": "Lyon"}', "rue Renaud"),
]


@pytest.mark.parametrize(("text", "address"), ADDRESSES)
def test_addresses_are_replaced(text: str, address: str) -> None:
    out = REDACTOR.redact_text(text)
    assert address not in out, out
    assert "<address>" in out


KEPT = [
    "Dear customer, thanks for waiting",
    "Hi team, the build is green",
    "Apple Watch Series 9 Review",
    "New York City Marathon Results",
    "Grace Period Ends Tomorrow",
    "May Day Parade in Berlin",
    "Paris, France",
    "Lyon, France is lovely",
    "Hello, World is printed",
    "Ameliorated Uniform Graphical User Interface",
    "assigned to backend-team",
    "upgrade to Python 3.12",
    "Route 66 diner",
    "Sprint 12 planning for Platform Team",
    "user: admin logged in",
    "contact: none",
    # places, log words and Title Case that pair up like names
    "Madison, Wisconsin",  # a surname, but no given name and no verb
    "Kuopio, Finland",
    "Title, Description updated",  # words of logs, with a verb
    "Header, Footer rendered",  # unknown words that do not end like a given name
    "Ошибка, Таймаут превышен",
    "Lyon, Lille, Nancy",  # a list of places, not "Last, First"
    "Venue: du Louvre, Paris",  # a particle, but a place after the comma
    "Hotel Bristol, Anna",  # inside a Title Case run
    "Train from Santa Clara",  # the first word of a place name
    "Delivered to Elizabeth Street",
    "Новости от Яндекс Маркет",  # no surname ending
    "Ростов Великий",
    "Интегрированный И Высокоуровневый Вызов",  # a Title Case run, an adjective first
    "Увеличенное И Социальное Хранилище Данных",
    "De Krim",  # a particle is no given name
    "Pacov, Madagaskar",  # "City, Country": alone, both parts must be names
    "Gdynia, Dominica",
    "Kalisz, Antigua and Barbuda",  # a conjunction is no verb
    "Cantabria, República de Corea",  # nor is a particle
    "Harley Davidson Sportster",  # a Title Case run
    "Ruda Śląska",  # Polish places end in -ska too
    "Release Notes for Version 4 of the Platform",
    "customer Maria Silva called",  # after a lower-case word a name needs a cue
]


@pytest.mark.parametrize("text", KEPT)
def test_harmless_title_case_text_is_kept(text: str) -> None:
    assert REDACTOR.redact_text(text) == text


def test_names_and_addresses_can_be_switched_off() -> None:
    off = Redactor(ScrubbingOptions(disabled={"name", "address"}))
    for text, _ in NAMES + ADDRESSES:
        assert "<name>" not in off.redact_text(text)
        assert "<address>" not in off.redact_text(text)


def test_the_lexicon_holds_official_name_lists_and_is_loaded_only_for_a_candidate() -> None:
    given, surnames = lexicon()
    assert {"john", "mary", "maria"} <= given
    assert {"smith", "garcia", "kowalski"} <= surnames
    # and the registers of Poland, Finland, France, Spain, Belgium and Brazil, folded
    assert {"lukasz", "malgorzata", "mikko", "amelie", "iker", "wout", "joao"} <= given
    assert {"wisniewska", "korhonen", "lefebvre", "fernandez", "janssens"} <= surnames
    code = (
        "import sys\n"
        "from automagik_telemetry.privacy import Redactor\n"
        "from automagik_telemetry.privacy import detectors_names as p\n"
        "r = Redactor()\n"
        "r.redact_text('GET /api/v1/tasks 200 in 12 ms for user 42')\n"
        "assert p.lexicon.cache_info().currsize == 0, 'loaded too early'\n"
        "assert r.redact_text('Smith, John paid') == '<name> paid'\n"
        "assert p.lexicon.cache_info().currsize == 1\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COV_CORE", "COVERAGE"))}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)
