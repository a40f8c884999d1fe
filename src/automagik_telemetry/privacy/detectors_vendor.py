"""Vendor API keys recognised by their own shape: a fixed prefix, a length, an alphabet and,
where the vendor has one, a checksum.

The list follows the formats of the gitleaks rule catalogue (read as a reference, written
anew here): a bare key in an error message is caught without any secret-sounding name next
to it. Only formats with a distinctive prefix are here, so a match is a key, not a word;
keys that are plain hex or base64 without a prefix are caught by the key rules instead
(``*_key=...``, ``Authorization: ...``).

All prefixes are triggers of one detector, and all formats form one compiled alternation
that runs only when a trigger is present; which format matched is told by the group name.
The alternation is compiled on first use, so building a ``Redactor`` stays cheap.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from functools import lru_cache

from .detector import Detector, Finding, boundary_after, boundary_before, lowered, trie

__all__ = ["VENDOR_FORMATS", "base62_crc32", "vendor_detectors"]

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# name -> (regex, lower-case triggers, lookback). Each trigger is where the key starts,
# except for formats with a ``lookback``: their trigger sits up to that many characters in.
VENDOR_FORMATS: dict[str, tuple[str, tuple[str, ...], int]] = {
    "github": (r"gh[pousr]_[A-Za-z0-9]{36,251}", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), 0),
    "github_pat": (r"github_pat_[A-Za-z0-9_]{22,255}", ("github_pat_",), 0),
    "npm": (r"npm_[A-Za-z0-9]{36}", ("npm_",), 0),
    "gitlab": (
        r"gl(?:pat|ptt|dt|rt|cbt|oas|soat|ft|imt|agent|ffct)-[A-Za-z0-9_-]{20,300}"
        r"(?:\.[0-9a-z]{2}[0-9a-z]{7})?|GR1348941[A-Za-z0-9_-]{20}",
        (
            *("glpat-", "glptt-", "gldt-", "glrt-", "glcbt-", "gloas-", "glsoat-", "glft-"),
            *("glimt-", "glagent-", "glffct-", "gr1348941"),
        ),
        0,
    ),
    "sendgrid": (r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}", ("sg.",), 0),
    "stripe": (
        r"(?:[sr]k|pk)_(?:live|test)_[A-Za-z0-9]{10,99}|whsec_[A-Za-z0-9+/=]{24,}",
        ("sk_live_", "sk_test_", "rk_live_", "rk_test_", "pk_live_", "pk_test_", "whsec_"),
        0,
    ),
    "slack": (r"(?:xox[abposre]|xapp)-[A-Za-z0-9-]{10,}", ("xox", "xapp-"), 0),
    "slack_webhook": (
        r"hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{30,}",
        ("hooks.slack.com/",),
        0,
    ),
    "google": (r"AIza[0-9A-Za-z_-]{35}", ("aiza",), 0),
    "huggingface": (r"(?:hf_|api_org_)[A-Za-z0-9]{30,}", ("hf_", "api_org_"), 0),
    "digitalocean": (r"do[opr]_v1_[a-f0-9]{64}", ("doo_v1_", "dop_v1_", "dor_v1_"), 0),
    "shopify": (
        r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}",
        ("shpat_", "shpca_", "shppa_", "shpss_"),
        0,
    ),
    "pypi": (r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}", ("pypi-ageichlwas5vcmc",), 0),
    "rubygems": (r"rubygems_[a-f0-9]{48}", ("rubygems_",), 0),
    "linear": (r"lin_api_[A-Za-z0-9]{40}", ("lin_api_",), 0),
    "postman": (r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}", ("pmak-",), 0),
    "pulumi": (r"pul-[a-f0-9]{40}", ("pul-",), 0),
    "doppler": (r"dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}", ("dp.",), 0),
    "sentry": (r"sntr[ysu]s?_[A-Za-z0-9+/=_-]{40,}", ("sntrys_", "sntryu_"), 0),
    "new_relic": (r"NR(?:AK|JS|II)-[A-Za-z0-9]{19,32}", ("nrak-", "nrjs-", "nrii-"), 0),
    "hashicorp": (r"hv[sbr]\.[A-Za-z0-9_-]{24,}", ("hvs.", "hvb.", "hvr."), 0),
    "planetscale": (r"pscale_(?:pw|tkn|oauth)_[A-Za-z0-9=._-]{32,64}", ("pscale_",), 0),
    "databricks": (r"dapi[a-f0-9]{32}(?:-\d)?", ("dapi",), 0),
    "dynatrace": (r"dt0c01\.[A-Z0-9]{24}\.[a-z0-9]{64}", ("dt0c01.",), 0),
    "easypost": (r"EZ[AT]K[A-Za-z0-9]{54}", ("ezak", "eztk"), 0),
    "flutterwave": (r"FLW(?:PUBK|SECK)_TEST-[a-h0-9]{32}-X", ("flwpubk_", "flwseck_"), 0),
    "frameio": (r"fio-u-[A-Za-z0-9_=-]{64}", ("fio-u-",), 0),
    "mailgun": (r"(?:key|pubkey)-[a-z0-9]{32}", ("key-",), 3),
    "mailchimp": (r"[a-f0-9]{32}-us\d{1,2}", ("-us",), 32),
    "square": (r"sq0(?:atp|csp)-[A-Za-z0-9_-]{22,43}|EAAA[A-Za-z0-9_-]{60}", ("sq0", "eaaa"), 0),
    "sendinblue": (r"xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}", ("xkeysib-",), 0),
    "telegram": (r"\d{8,10}:AA[A-Za-z0-9_-]{33}", (":aa",), 10),
    "age": (r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}", ("age-secret-key-1",), 0),
    "onepassword": (r"ops_eyJ[A-Za-z0-9+/]{100,}={0,3}", ("ops_eyj",), 0),
    "openai": (r"sk-(?:ant-|proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}", ("sk-",), 0),
    "grafana": (
        r"glc_[A-Za-z0-9+/]{32,400}={0,2}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}",
        ("glc_", "glsa_"),
        0,
    ),
    "prefect": (r"pnu_[A-Za-z0-9]{36}", ("pnu_",), 0),
    "readme": (r"rdme_[a-z0-9]{70}", ("rdme_",), 0),
    "atlassian": (r"ATATT3[A-Za-z0-9_=-]{186}", ("atatt3",), 0),
    "alibaba": (r"LTAI[A-Za-z0-9]{20}", ("ltai",), 0),
    "azure_storage": (r"AccountKey=[A-Za-z0-9+/]{86}==", ("accountkey=",), 0),
}
"""Formats found from a literal: the key's regex, the lower-case literals that announce it,
and how far before the literal the key may start."""

_SHAPES = re.compile(r"(?:SK|AC)[0-9a-f]{32}|pat[A-Za-z0-9]{14}\.[a-f0-9]{64}")
"""Formats without a literal rare enough to trigger on: Twilio (``SK``/``AC`` + 32 hex) and
Airtable (``pat``…``.``+64 hex). Both hold many digits, so they are only looked for in text
with at least ``_SHAPE_DIGITS`` digits."""
_SHAPE_DIGITS = 8

_CHECKSUMMED = frozenset({"github", "npm"})
"""Formats whose last 6 characters are a base62 CRC32 of the 30 random ones before them."""
_RANDOM_LOOKING = frozenset({"openai", "huggingface", "slack", "stripe", "gitlab", "mailgun"})
"""Formats whose body is random, so it has a digit (``sk-learn-extension`` is a word)."""


def base62_crc32(data: str) -> str:
    """CRC32 of ``data`` in base62, left-padded to 6 characters: the checksum GitHub and npm
    put at the end of their tokens."""
    value = zlib.crc32(data.encode("ascii"))
    out = ""
    while value:
        value, digit = divmod(value, 62)
        out = _B62[digit] + out
    return out.rjust(6, "0")


def _checksum_ok(token: str) -> bool:
    body = token.split("_", 1)[1]
    return len(body) == 36 and base62_crc32(body[:30]) == body[30:]


def _mixed(value: str) -> bool:
    """Random keys mix digits, upper and lower case; a placeholder like ``ghp_xxxx…`` or
    ``npm_install_dependencies_for_project_x`` does not."""
    return (
        any(c.isdigit() for c in value)
        and any(c.isupper() for c in value)
        and any(c.islower() for c in value)
    )


def _accept(name: str, value: str) -> bool:
    if name in _CHECKSUMMED:
        # A valid checksum settles it; without one a 36-character body must still look
        # random (test fixtures and older tokens are not always checksummed).
        return _checksum_ok(value) or _mixed(value)
    if name in _RANDOM_LOOKING:
        return any(c.isdigit() for c in value)
    return True


@lru_cache(maxsize=1)
def _tables() -> tuple[re.Pattern[str], dict[str, list[tuple[str, re.Pattern[str], int]]]]:
    """The trigger regex and, per trigger, the formats it announces; compiled on first use."""
    by_trigger: dict[str, list[tuple[str, re.Pattern[str], int]]] = {}
    for name, (regex, triggers, lookback) in VENDOR_FORMATS.items():
        pattern = re.compile(regex)
        for trigger in triggers:
            by_trigger.setdefault(trigger, []).append((name, pattern, lookback))
    # Searched in the lower-cased text: a case-insensitive trie costs ~5x more per position.
    return re.compile(trie(by_trigger)), by_trigger


def _keyed(text: str) -> Iterator[Finding]:
    hints, by_trigger = _tables()
    last = 0
    for hint in hints.finditer(lowered(text)):
        pos = hint.start()
        if pos < last:
            continue
        for name, pattern, lookback in by_trigger[hint.group().lower()]:
            if lookback:
                match = pattern.search(text, max(last, pos - lookback), hint.end() + 400)
                if match is None or match.start() > pos:
                    continue
            else:
                match = pattern.match(text, pos)
                if match is None:
                    continue
            if _bounded(text, match) and _accept(name, match.group()):
                last = match.end()
                yield match.start(), last, "api_key"
                break


def _shaped(text: str) -> Iterator[Finding]:
    for match in _SHAPES.finditer(text):
        if _bounded(text, match):
            yield match.start(), match.end(), "api_key"


def _shape_gate(text: str) -> bool:
    """Substring tests (tens of ns) before the regex probe (microseconds)."""
    return "SK" in text or "AC" in text or "pat" in text


def _bounded(text: str, match: re.Match[str]) -> bool:
    return boundary_before(text, match.start(), "-_") and boundary_after(text, match.end(), "-_")


def vendor_detectors() -> list[Detector]:
    """The vendor-key detectors: one for every format announced by a literal, one for the
    two shapes that are not."""
    triggers = tuple(sorted({t for _, words, _ in VENDOR_FORMATS.values() for t in words}))
    return [
        Detector("api_key", _keyed, triggers),
        Detector("api_key", _shaped, min_digits=_SHAPE_DIGITS, gate=_shape_gate, probe=_SHAPES),
    ]
