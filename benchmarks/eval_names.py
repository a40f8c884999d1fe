# ruff: noqa: RUF001 - letters of many alphabets, on purpose
"""An independent check of uncued person names in 15 locales, and of look-alikes that must
stay: recall per locale and per shape, harmless strings changed, with the misses listed.

The names below were written by hand from general knowledge (common given names and
surnames of each country, as people write them, with their diacritics and in Cyrillic),
not drawn from the engine's lexicon nor from a fake-data generator, so this measures how
the lexicon and the shape rules generalise. Each locale pairs 20 given names with 20
surnames in six shapes with no cue before the name (no "Dear", no "assigned to", no
name-like JSON key), 120 strings per locale; the shapes show which rule a name needs:

- ``verb``: ``Last, First requested a refund`` (a lower-case word follows);
- ``end``: ``... changed to Last, First`` (nothing follows: the lexicon must know a part);
- ``json``: ``{"approver": "Last, First"}`` (a quote follows);
- ``by``: ``paid by First Last`` (both parts must be known);
- ``with``: ``meeting with First Last moved`` (both parts must be known);
- ``bare``: ``First Last logged in`` (no cue at all: not looked for, reported as a gap).

    python benchmarks/eval_names.py [--misses 20]
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from automagik_telemetry.privacy import Redactor
from automagik_telemetry.privacy.detectors_names import lexicon

GIVEN_AND_SURNAMES: dict[str, tuple[str, str]] = {
    "cs": (
        "Jana Petr Lucie Tomáš Kateřina Jiří Veronika Lukáš Tereza Ondřej Markéta Vojtěch"
        " Zdeněk Hana Radek Šárka Miroslav Eliška Dušan Jaroslava",
        "Nováková Dvořák Černý Procházková Kučera Veselý Horáková Němec Marek Pokorná"
        " Růžička Beneš Fiala Sedláček Doležalová Zeman Kolář Navrátilová Čermák Urban",
    ),
    "da": (
        "Søren Mette Jens Kirsten Lars Hanne Niels Birgitte Mads Lone Rasmus Pernille"
        " Anders Tove Henrik Signe Jesper Dorthe Frederik Ida",
        "Jørgensen Nielsen Pedersen Kristensen Rasmussen Mortensen Madsen Christiansen"
        " Sørensen Thomsen Poulsen Johansen Knudsen Møller Mikkelsen Frederiksen Lund Holm"
        " Schmidt Østergaard",
    ),
    "de": (
        "Jürgen Ursula Klaus Sabine Wolfgang Monika Dieter Renate Uwe Brigitte Jörg Heike"
        " Torsten Silke Günter Anke Björn Dörte Volker Gudrun",
        "Müller Schmidt Schneider Fischer Weber Becker Schäfer Koch Richter Wolf Schröder"
        " Neumann Schwarz Zimmermann Braun Krüger Hofmann Hartmann Lange Schmitt",
    ),
    "es": (
        "Alejandro Lucía Javier Carmen Sergio Pilar Álvaro Nuria Íñigo Rocío Jorge"
        " Montserrat Raúl Begoña Gonzalo Inmaculada Andrés Ainhoa Rubén Concepción",
        "García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Martín"
        " Jiménez Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Navarro Gutiérrez",
    ),
    "fi": (
        "Mikko Päivi Jukka Tuula Timo Sirpa Pekka Anneli Matti Riitta Juha Satu Kari"
        " Hannele Ville Johanna Antti Marjatta Heikki Leena",
        "Korhonen Virtanen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen"
        " Järvinen Lehtonen Lehtinen Saarinen Salminen Heinonen Niemi Heikkilä Kinnunen"
        " Salonen Turunen",
    ),
    "fr": (
        "Amélie Thierry Sylvie Benoît Nathalie Hervé Céline Jérôme Sandrine Frédéric"
        " Delphine Stéphane Aurélie Guillaume Élodie Pascal Véronique Yannick Hélène Gaëlle",
        "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon"
        " Laurent Lefèvre Michel Garnier Faure Rousseau Mercier Boucher Lemaire",
    ),
    "it": (
        "Giuseppe Francesca Alessandro Chiara Lorenzo Giulia Matteo Federica Riccardo"
        " Valentina Simone Elisa Davide Silvia Stefano Martina Gianluca Roberta Fabrizio"
        " Ilaria",
        "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno"
        " Gallo Conti Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri",
    ),
    "nl": (
        "Sanne Joost Anouk Bram Femke Pieter Marieke Sven Lieke Jeroen Eline Wouter"
        " Annemiek Daan Ingrid Thijs Floor Ruud Mirjam Gijs",
        "Jansen Bakker Janssen Visser Smit Meijer Mulder Bos Vos Peters Hendriks Dekker"
        " Brouwer Dijkstra Vermeulen Kuipers Verhoeven Maas Postma Willemsen",
    ),
    "no": (
        "Ole Ingrid Kjetil Solveig Bjørn Ragnhild Håkon Sigrid Torbjørn Astrid Eirik Kari"
        " Steinar Marit Øyvind Liv Geir Tone Arne Hilde",
        "Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Karlsen"
        " Johnsen Pettersen Eriksen Berg Haugen Hagen Johannessen Andreassen Jacobsen Dahl",
    ),
    "pl": (
        "Łukasz Agnieszka Krzysztof Małgorzata Grzegorz Katarzyna Paweł Joanna Michał"
        " Magdalena Tomasz Ewa Wojciech Beata Marcin Dorota Przemysław Justyna Jarosław"
        " Iwona",
        "Wiśniewski Nowak Kowalczyk Wójcik Kamińska Lewandowski Zielińska Szymański"
        " Woźniak Dąbrowski Kozłowska Jankowski Mazur Kwiatkowska Krawczyk Piotrowski"
        " Grabowska Pawłowski Michalska Zając",
    ),
    "pt": (
        "João Inês Tiago Beatriz Rui Mariana Gonçalo Leonor Duarte Filipa Nuno Catarina"
        " Sérgio Joana Vítor Raquel André Sofia Hélder Margarida",
        "Silva Santos Ferreira Pereira Oliveira Costa Rodrigues Martins Jesus Sousa"
        " Fernandes Gonçalves Gomes Lopes Marques Alves Almeida Ribeiro Pinto Carvalho",
    ),
    "ru": (
        "Сергей Ольга Алексей Наталья Дмитрий Елена Андрей Татьяна Михаил Ирина Николай"
        " Светлана Владимир Анна Павел Мария Игорь Екатерина Юрий Людмила",
        "Иванов Смирнова Кузнецов Попова Васильев Петрова Соколов Михайлова Новиков"
        " Фёдорова Морозов Волкова Алексеев Лебедева Семёнов Егорова Павлов Козлова"
        " Степанов Николаева",
    ),
    "ru-Latn": (
        "Sergey Olga Aleksey Natalya Dmitry Yelena Andrei Tatiana Mikhail Irina Nikolai"
        " Svetlana Vladimir Anastasia Pavel Yulia Igor Yekaterina Yuri Lyudmila",
        "Ivanov Smirnova Kuznetsov Popova Vasiliev Petrova Sokolov Mikhailova Novikov"
        " Fedorova Morozov Volkova Alekseev Lebedeva Semenov Egorova Pavlov Kozlova"
        " Stepanov Nikolaeva",
    ),
    "sv": (
        "Lars Karin Anders Birgitta Johan Margareta Per Eva Nils Kerstin Mikael Ingrid"
        " Björn Lena Gustav Maja Oskar Ebba Henrik Elsa",
        "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson"
        " Gustafsson Pettersson Jonsson Jansson Hansson Bengtsson Lindberg Lindström"
        " Lindqvist Lundgren Bergström",
    ),
    "tr": (
        "Mehmet Ayşe Mustafa Fatma Ahmet Emine Hüseyin Hatice Murat Zeynep Emre Elif"
        " Burak Özlem Serkan Gül Cem Şule Oğuz Derya",
        "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan"
        " Kılıç Aslan Çetin Kara Koç Kurt Özkan Şimşek",
    ),
}
SHAPES = {
    "verb": "{last}, {first} requested a refund",
    "end": "ticket 8812 escalation owner changed to {last}, {first}",
    "json": '{{"approver": "{last}, {first}", "step": 2}}',
    "by": "2024-05-01 refund 5521 paid by {first} {last}",
    "with": "meeting with {first} {last} moved to Friday",
    "bare": "{first} {last} logged in from the mobile app",
}
SHAPES_RU = {
    "verb": "{last}, {first} оформил возврат",
    "end": "тикет 8812: ответственный изменён на {last}, {first}",
    "json": '{{"approver": "{last}, {first}", "step": 2}}',
    "by": "2024-05-01 письмо от {first} {last}",
    "with": "встреча с {first} {last} перенесена на пятницу",
    "bare": "{first} {last} вошёл в систему",
}

HARMLESS = [
    # place, region: "Last, First" shapes that are not people
    *("Lyon, France", "Kraków, Poland is cold in winter", "Brno, Czechia", "Aarhus, Denmark"),
    *("Bergen, Norway", "Malmö, Sweden", "Tampere, Finland", "Porto, Portugal"),
    *("Sevilla, Spain", "Bologna, Italy", "Utrecht, Netherlands", "Izmir, Turkey"),
    *("Hamburg, Germany", "Graz, Austria", "Leeds, England", "Austin, Texas"),
    *("Denver, Colorado", "Odense, Denmark", "Gdańsk, Pomerania", "Plzeň, Bohemia"),
    *("Madison, Wisconsin", "Jackson, Mississippi", "Lincoln, Nebraska"),
    *("Essen, Germany", "Horsens, Denmark", "Eskilstuna, Sweden", "Kuopio, Finland"),
    *("Москва, Россия", "Казань, Татарстан", "Новосибирск, Сибирь"),
    "shipped from Rotterdam, Netherlands yesterday",
    "office moved to Ostrava, Moravia",
    # log words in pairs
    *("Status, Code returned 500", "Retry, Backoff applied", "Error, Timeout exceeded"),
    *("Warning, Disk almost full", "Name, Email and Phone are required"),
    *("Cancel, Retry or Ignore", "Title, Description updated", "Host, Port mismatch"),
    *("Created, Updated columns added", "Source, Target swapped", "Debug, Info, Warn"),
    *("Login, Logout events", "Import, Export finished", "Monday, Tuesday off"),
    *("Ошибка, Таймаут превышен", "Статус, Код ответа 500"),
    # Title Case after by/for/with/from/to: companies, products, places
    *("Powered by Apple Silicon", "Sponsored by Red Bull", "Built with Visual Studio"),
    *("Sent from Microsoft Outlook", "Support for Windows Server"),
    *("Integration with Google Drive", "Deployed to Amazon Web Services"),
    *("Photo by Getty Images", "Flight to San Francisco", "Train from Santa Clara"),
    *("Signed with Lets Encrypt", "Route to Buenos Aires", "Flight from Rio Grande"),
    *("Acquired by General Electric", "Published by Penguin Books"),
    *("Funded by Horizon Europe", "Hosted by Digital Ocean", "Issued by Deutsche Bank"),
    *("Operated by British Airways", "Delivered by Royal Mail", "Paid with Apple Pay"),
    *("Compatible with Home Assistant", "Ships from Hong Kong", "Flight to New Delhi"),
    *("Works with Amazon Alexa", "Made for Nintendo Switch", "Bus to Santa Monica"),
    *("Trip to Costa Rica", "Ferry from Puerto Rico", "Backed by Sequoia Capital"),
    *("Curated by Lonely Planet", "Designed by Studio Ghibli", "Tested with Firefox Nightly"),
    *("Approved by Product Team", "Reported by Security Scanner", "Synced with Google Sheets"),
    *("Sent to Customer Success", "Forwarded to Legal Department", "Bought from Best Buy"),
    *("Travel from San Diego", "Shipping to Las Vegas", "Made with Love"),
    *("Novelties from Grand Central", "Bikes by Santa Cruz", "Brought to you by Coca Cola"),
    *("Новости от Яндекс Маркет", "Доставка с Почта России", "письмо от Служба Поддержки"),
    # headlines, product names, places without a cue
    *("Quarterly Results Beat Expectations", "Summer Sale Starts Monday"),
    *("Grace Period Ends Tomorrow", "May Day Parade Draws Crowds", "Hope Springs Eternal"),
    *("New York City Marathon Results", "Samsung Galaxy Tab", "Ford Mustang Mach"),
    *("Toyota Camry Hybrid", "Victoria Station Closed", "Santa Maria Novella Opens"),
    *("Mark Complete", "Bill Payment Failed", "Rose Garden Tour", "Grant Access Now"),
    *("Jordan Valley Forecast", "Georgia Tech Wins", "Chase Bank Outage"),
    *("Отчёт за Январь готов", "Санкт-Петербург, Невский проспект 28"),
    *("Добро пожаловать в Личный Кабинет", "Black Friday Deals"),
]

FRESH_HARMLESS = [
    # written after the detector was tuned on HARMLESS, and not tuned on: the honest figure
    *("Ticket closed by Jira Automation", "Invoice from Adobe Systems", "Backup to Google Cloud"),
    *("Message from Slack Bot", "Login from Chrome Browser", "Moved to Done Column"),
    *("Sent with Outlook Mobile", "Export to Excel Format", "Sync with Apple Calendar"),
    *("Dallas, Fort Worth", "Vancouver, British Columbia", "Cork, Ireland", "Lund, Sweden"),
    *("Trondheim, Norway", "Linz, Austria", "Olomouc, Moravia", "Wrocław, Lower Silesia"),
    *("Bilbao, Basque Country", "Antwerp, Flanders", "Monaco Grand Prix results"),
    *("Santiago Bernabéu tour sold out", "Jackson Hole Resort opens", "Morgan Stanley earnings"),
    *(
        "Goldman Sachs reported a loss",
        "Charles Schwab announced fees",
        "Harley Davidson Sportster",
    ),
    *("Queued, Running, Done", "Error, Please retry later", "Info, Debug levels"),
    *("Accept, Reject buttons", "Open, Closed tickets", "Success, Failure counts"),
    *("Key, Value pairs stored", "Header, Footer rendered", "Parent, Child linked"),
    *("Width, Height changed", "Москва, Тверская улица", "Привет, Мир"),
    *("Ошибка, Повторите попытку", "Новый Год скоро", "Отдел Продаж закрыт"),
    *("Газета Известия пишет", "Сергиев Посад, Московская область", "Ростов Великий"),
    *("Weather in Costa Mesa today", "Hotels near Santa Monica Pier", "Flights to Las Palmas"),
    *("Sale ends Sunday night", "Brno Exhibition Centre", "Grand Hotel Europa"),
]


def sensitive() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """``(locale, shape, text, parts)``: every part must be gone after scrubbing."""
    items = []
    for locale, (given_text, surname_text) in GIVEN_AND_SURNAMES.items():
        given, surnames = given_text.split(), surname_text.split()
        assert len(given) == len(surnames) == 20, locale
        shapes = SHAPES_RU if locale == "ru" else SHAPES
        for i, first in enumerate(given):
            last = surnames[(7 * i + 3) % 20]
            for shape, template in shapes.items():
                items.append(
                    (locale, shape, template.format(first=first, last=last), (first, last))
                )
    return items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", type=int, default=20, help="misses and changes to list")
    args = parser.parse_args()
    start = time.perf_counter()
    given, surnames = lexicon()  # what the first candidate pays, in this fresh interpreter
    load = time.perf_counter() - start
    lexicon.cache_clear()
    tracemalloc.start()
    lexicon()
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    print(
        f"lexicon: {len(given)} given names, {len(surnames)} surnames, "
        f"loaded in {load * 1e3:.0f} ms, {held / 1e6:.1f} MB held"
    )
    redactor = Redactor(cache_size=0)
    items = sensitive()
    start = time.perf_counter()
    by_locale: dict[str, list[int]] = {}
    by_shape: dict[str, list[int]] = {}
    misses = []
    for locale, shape, text, parts in items:
        out = redactor.redact_text(text)
        ok = all(part not in out for part in parts)
        for table, key in ((by_locale, locale), (by_shape, shape)):
            stats = table.setdefault(key, [0, 0])
            stats[0] += ok
            stats[1] += 1
        if not ok:
            misses.append((locale, shape, text, out))
    changed = [(text, out) for text in HARMLESS if (out := redactor.redact_text(text)) != text]
    fresh = [(text, out) for text in FRESH_HARMLESS if (out := redactor.redact_text(text)) != text]
    elapsed = time.perf_counter() - start
    caught = len(items) - len(misses)
    print(f"names check: {len(items)} names in {len(by_locale)} locales, {len(HARMLESS)} harmless")
    print("| locale | " + " | ".join(by_locale) + " |")
    print("|---|" + "---|" * len(by_locale))
    print("| recall | " + " | ".join(f"{s[0] / s[1]:.2f}" for s in by_locale.values()) + " |")
    print("| shape | " + " | ".join(by_shape) + " | all but bare | all |")
    print("|---|" + "---|" * (len(by_shape) + 2))
    cued = [s for shape, s in by_shape.items() if shape != "bare"]
    but_bare = sum(s[0] for s in cued) / sum(s[1] for s in cued)
    print(
        "| recall | "
        + " | ".join(f"{s[0] / s[1]:.2f}" for s in by_shape.values())
        + f" | {but_bare:.3f} | {caught / len(items):.3f} |"
    )
    for label, kept, total in (("", changed, HARMLESS), ("fresh ", fresh, FRESH_HARMLESS)):
        share = len(kept) / len(total)
        print(f"{label}harmless strings changed: {len(kept)}/{len(total)} = {share:.3f}")
    count = len(items) + len(HARMLESS) + len(FRESH_HARMLESS)
    print(f"({elapsed / count * 1e6:.0f} µs per string, nothing cached)")
    for locale, shape, text, out in [m for m in misses if m[1] != "bare"][: args.misses]:
        print(f"  missed [{locale} {shape}] {text!r} -> {out!r}")
    for text, out in (changed + fresh)[: args.misses]:
        print(f"  changed {text!r} -> {out!r}")


if __name__ == "__main__":
    main()
