"""Secrets out of everything we print, log or raise: URLs, headers and free text.

Endpoints may carry credentials (``https://user:password@host``, ``?token=...``) and headers
carry API keys (``authorization=Bearer ...``). Those values must reach the backend and nothing
else: not ``status``, ``doctor``, a log line, a ``ConfigurationError`` or a ``repr``. Every
output path shows URLs through :func:`mask_url` and headers through :func:`mask_headers`;
text we do not compose ourselves (a receiver's answer, an exception message) goes through
:func:`redact` with the secret values the configuration holds.

Part of the light front: standard library only, so ``status`` and errors can use it without
loading the engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, unquote, urlsplit, urlunsplit

__all__ = [
    "MASK",
    "mask_headers",
    "mask_url",
    "redact",
    "secret_values",
    "split_credentials",
]

MASK = "***"
_USERINFO = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^/?#]*)@")
_QUERY_VALUE = re.compile(r"(?P<key>[?&;][^=&;#]*=)[^&;#]*")
_FRAGMENT = re.compile(r"#.*$", re.DOTALL)
_MIN_SECRET = 4
"""Shorter values are not masked in free text: replacing every ``1`` of a message would hide
the message, and so short a value protects nothing anyway."""


def mask_url(url: str) -> str:
    """``url`` without its secrets: the password (or a lone user name, often a token) in the
    authority, every query value and the fragment become ``***``; scheme, host, port and path
    stay, so the URL still says where data goes. Works on malformed URLs too (it is used to
    show a URL that failed validation)."""

    def userinfo(match: re.Match[str]) -> str:
        user, sep, _ = match["userinfo"].partition(":")
        shown = f"{user}:{MASK}" if sep else MASK
        return f"{match['scheme']}{shown}@"

    text = _USERINFO.sub(userinfo, url, count=1)
    text = _FRAGMENT.sub(f"#{MASK}", text)
    base, sep, query = text.partition("?")
    if not sep:
        return text
    return base + _QUERY_VALUE.sub(rf"\g<key>{MASK}", "?" + query)


def mask_headers(headers: Mapping[object, object]) -> dict[str, str]:
    """Header names (they say *which* credential is set) with every value masked."""
    return {str(name): MASK for name in headers}


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """``(url without user info, (user, password))``; ``None`` when the URL has none.

    Clients such as ``urllib`` take ``user:password@`` for part of the host name (and report
    that it does not resolve): send the credentials as HTTP Basic auth instead, as ``requests``
    does."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    bare = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return bare, (unquote(parts.username or ""), unquote(parts.password or ""))


def secret_values(
    *, urls: Iterable[str | None] = (), headers: Mapping[str, str] | None = None
) -> frozenset[str]:
    """The secret strings a configuration holds, for :func:`redact`: URL passwords (a lone
    user name too) and their HTTP Basic form, query and fragment values, header values (and
    the credential after a ``Bearer``/``Basic`` scheme word), each as written, decoded and
    URL-encoded."""
    found: set[str] = set()
    for url in urls:
        if not url:
            continue
        match = _USERINFO.match(url)
        if match:
            user, sep, password = match["userinfo"].partition(":")
            # with a password the user name stays visible (as mask_url shows it); a lone
            # user name is usually a token
            found.add(password if sep else user)
            basic = f"{unquote(user)}:{unquote(password)}".encode()
            import base64  # only for URLs with credentials

            found.add(base64.b64encode(basic).decode("ascii"))  # as Basic auth sends them
        located, _, fragment = url.partition("#")
        query = located.partition("?")[2]
        found.update(m.group(0).split("=", 1)[1] for m in _QUERY_VALUE.finditer("?" + query))
        found.add(fragment)
    for value in (headers or {}).values():
        found.add(value)
        found.add(value.strip().rpartition(" ")[2])
    variants = {form for value in found for form in (value, unquote(value), quote(value, safe=""))}
    return frozenset(value for value in variants if len(value) >= _MIN_SECRET)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every occurrence of the ``secrets`` replaced by ``***`` (longest first,
    so a secret containing another is masked whole)."""
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
