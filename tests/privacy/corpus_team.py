"""The team corpus: sensitive strings per category and harmless look-alikes, generated from
several sources in many locales, inside log lines, JSON records and plain values.

Sources: Faker (test data only, 13 locales: names, street addresses, phone numbers, IBANs,
cards, SSNs, CPFs, IPs), vendor key shapes built here (random bodies, GitHub/npm with their
CRC32), and hand-written hard negatives (dates in every layout, versions, ids, hashes,
product and city names, Title Case headlines). The privacy engine's name lexicon comes from
official name statistics (censuses and population registers), not from Faker, so this is
not the engine grading its own word list.

Deterministic: the same seed gives the same corpus. ``build()`` returns
``(sensitive, harmless)``: sensitive items are ``(category, text, secrets)``, where every
string in ``secrets`` must be gone after scrubbing.
"""

from __future__ import annotations

import json
import random
import string
import uuid
from collections.abc import Callable

from faker import Faker

from automagik_telemetry.privacy.detectors_vendor import base62_crc32

Sensitive = tuple[str, str, tuple[str, ...]]

LOCALES = (
    *("en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "pt_BR", "pt_PT", "pl_PL"),
    *("cs_CZ", "da_DK", "nl_NL", "ru_RU"),
)
_B62 = string.ascii_letters + string.digits


def _rand(rnd: random.Random, alphabet: str, n: int) -> str:
    return "".join(rnd.choice(alphabet) for _ in range(n))


def _api_keys(rnd: random.Random) -> list[str]:
    hexd, alnum = "0123456789abcdef", _B62
    body = _rand(rnd, alnum, 30)
    npm = _rand(rnd, alnum, 30)
    return [
        "ghp_" + body + base62_crc32(body),
        "npm_" + npm + base62_crc32(npm),
        "SK" + _rand(rnd, hexd, 32),
        "AC" + _rand(rnd, hexd, 32),
        "SG." + _rand(rnd, alnum + "_-", 22) + "." + _rand(rnd, alnum + "_-", 43),
        "whsec_" + _rand(rnd, alnum, 32),
        "xapp-1-A"
        + _rand(rnd, "0123456789ABCDEF", 10)
        + "-"
        + _rand(rnd, "0123456789", 13)
        + "-"
        + _rand(rnd, hexd, 64),
        "glpat-" + _rand(rnd, alnum, 20),
        "sk_live_" + _rand(rnd, alnum, 24),
        "xoxb-" + _rand(rnd, "0123456789", 12) + "-" + _rand(rnd, alnum, 24),
        "AKIA" + _rand(rnd, string.ascii_uppercase + string.digits, 16),
        "AIza" + _rand(rnd, alnum + "_-", 35),
        "hf_" + _rand(rnd, alnum, 34),
        "sk-proj-" + _rand(rnd, alnum, 40),
        "dop_v1_" + _rand(rnd, hexd, 64),
        "shpat_" + _rand(rnd, hexd, 32),
    ]


_LOG = (
    "2024-05-01T10:22:01Z INFO {} ",
    "ERROR request failed for {}",
    "{}",
    "WARN retry 3/5 ({})",
)
_UNCUED_NAMES = (
    "escalation owner changed to {last}, {first}",
    '{{"approver": "{last}, {first}", "step": 2}}',
    "refund 5521 paid by {first} {last}",
    "{first} {last} logged in from the mobile app",
)
_DATE_LAYOUTS = (
    "%d.%m.%Y", "%m/%d/%Y", "%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%Y.%m.%d", "%Y/%m/%d",
    "%d.%m.%y", "%m/%d/%y", "%d %b %Y", "%B %d, %Y", "%Y-%m-%dT%H:%M:%SZ", "%d.%m.%Y %H:%M",
)  # fmt: skip
_PRODUCTS = (
    "Apple Watch Series 9", "Samsung Galaxy S24 Ultra", "Google Pixel 8 Pro", "Tesla Model 3",
    "Microsoft Surface Laptop 5", "Sony WH-1000XM5", "Nintendo Switch OLED", "Kindle Paperwhite",
    "PlayStation 5 Slim", "Dell XPS 13", "MacBook Air M3", "Dyson V15 Detect",
)  # fmt: skip
_HEADLINES = (
    "Quarterly Results Beat Expectations", "New Features In The Latest Release",
    "Grace Period Ends Tomorrow", "May Day Parade Draws Crowds", "How To Scale Your Database",
    "Breaking Changes In Version Two", "Weekly Product Update", "Summer Sale Starts Monday",
    "Best Practices For Remote Teams", "Release Notes For Spring", "Hope Springs Eternal",
    "Winter Storm Warning Issued", "Market Update From Wall Street",
)  # fmt: skip


def build(seed: int = 2024, per_locale: int = 6) -> tuple[list[Sensitive], list[str]]:
    rnd = random.Random(seed)
    sensitive: list[Sensitive] = []
    harmless: list[str] = []

    def add(category: str, value: str, templates: tuple[str, ...]) -> None:
        template = rnd.choice(templates)
        text = template.format(value) if "{}" in template else template
        sensitive.append((category, text, (value,)))

    for locale in LOCALES:
        fake = Faker(locale)
        fake.seed_instance(rnd.randrange(10**9))
        for _ in range(per_locale):
            name = fake.name()
            add(
                "name",
                name,
                (
                    "Dear {},",
                    "ticket 1234 assigned to {}",
                    "ship to: {}",
                    '{{"customer": "{}", "total": 12.5}}',
                    "contact: {}",
                    "Hi {}, your password was reset",
                    "reported by {} yesterday",
                ),
            )
            first, last = fake.first_name(), fake.last_name()
            sensitive.append(("name", f"{last}, {first} requested a refund", (last, first)))
            # names with no cue at all: the lexicon and the surname endings must know them
            first, last = fake.first_name(), fake.last_name()
            template = rnd.choice(_UNCUED_NAMES)
            sensitive.append(("name", template.format(first=first, last=last), (first, last)))
            address = fake.street_address().replace("\n", " ")
            add(
                "address",
                address,
                (
                    "ship to {}",
                    '{{"street": "{}"}}',
                    "delivery address: {}, {}".replace(", {}", ""),
                ),
            )
            phone = fake.phone_number()
            add(
                "phone",
                phone,
                ("call me at {}", "tel: {}", '{{"phone": "{}"}}', "SMS to {} failed"),
            )
            add("email", fake.email(), _LOG)
            if locale not in ("ru_RU",):
                add("iban", fake.iban(), ("payout to {} scheduled", "IBAN: {}"))
            add("ip", fake.ipv4_public(), ("client {} connected", "X-Forwarded-For: {}"))
            harmless.append(fake.city())
            harmless.append(f"Weather in {fake.city()} today")
            harmless.append(f"{fake.city()}, {fake.country()}")  # "Last, First"-shaped
            harmless.append(fake.catch_phrase().title())
            date = fake.date_time_between("-5y", "+1y")
            harmless.append(f"scheduled for {date.strftime(rnd.choice(_DATE_LAYOUTS))}")
            harmless.append(date.strftime(rnd.choice(_DATE_LAYOUTS)))

    us = Faker("en_US")
    us.seed_instance(seed)
    br = Faker("pt_BR")
    br.seed_instance(seed)
    for _ in range(20):
        add("ssn", us.ssn(), ("social security number {} on file", "SSN: {}", "ssn={}"))
        card_type = rnd.choice(["visa", "mastercard", "amex", "discover", "jcb15", "jcb16",
                                "maestro", "diners"])  # fmt: skip
        add("card", us.credit_card_number(card_type), ("card {} declined", "charged {} ok"))
        add("cpf", br.cpf(), ("cliente CPF {} cadastrado", "cpf={}"))
        add("ip", us.ipv6(), ("peer {} reset", "from [{}]"))
    for key in _api_keys(rnd) + _api_keys(rnd):
        add("api_key", key, ("auth failed with {}", "{}", "publish used {} (403)"))

    for i in range(60):
        harmless.append(f"build {rnd.randrange(1, 20)}.{rnd.randrange(10)}.{rnd.randrange(10)}.{i}")
        harmless.append(f"v{rnd.randrange(1, 5)}.{rnd.randrange(30)}.{i}")
        harmless.append(str(uuid.UUID(int=rnd.getrandbits(128))))
        harmless.append(f"sha256:{rnd.getrandbits(256):064x}")
        harmless.append(
            f"order {rnd.randrange(10**5, 10**6)} shipped in {rnd.randrange(1, 9)} days"
        )
        harmless.append(f"trace_id={rnd.getrandbits(128):032x} status=OK")
        harmless.append(
            json.dumps(
                {"event": "checkout", "items": rnd.randrange(1, 9), "ms": rnd.randrange(999)}
            )
        )
    harmless += [f"Review: {p}" for p in _PRODUCTS] + list(_PRODUCTS) + list(_HEADLINES)
    harmless += ["next_page_token=CiAKGjBpNDd2Nmp2Zml2cXRwYjBpOXA3", "cursor=eyJvZmZzZXQiOjEwfQ"]
    return sensitive, list(dict.fromkeys(harmless))


Scrub = Callable[[str], str]


def evaluate(scrub: Scrub, sensitive: list[Sensitive], harmless: list[str]) -> dict[str, object]:
    """Recall per category (a string counts only if every secret is gone) and the share of
    harmless strings changed; with the misses, for reports."""
    per: dict[str, list[int]] = {}
    misses: list[tuple[str, str, str]] = []
    for category, text, secrets in sensitive:
        out = scrub(text)
        ok = all(secret not in out for secret in secrets)
        stats = per.setdefault(category, [0, 0])
        stats[0] += ok
        stats[1] += 1
        if not ok:
            misses.append((category, text, out))
    changed = [(text, out) for text in harmless if (out := scrub(text)) != text]
    caught = sum(s[0] for s in per.values())
    return {
        "recall": caught / len(sensitive),
        "per_category": {c: s[0] / s[1] for c, s in sorted(per.items())},
        "counts": {c: s[1] for c, s in sorted(per.items())},
        "harmless_changed": len(changed) / len(harmless),
        "misses": misses,
        "changed": changed,
        "sizes": (len(sensitive), len(harmless)),
    }
