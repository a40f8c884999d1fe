"""``Redactor``: scrubs any value (text, attributes, nested log bodies) and never raises.

It combines the key rules (a ``password`` attribute is replaced whole, GenAI content is
dropped) with the text scanner (an e-mail inside a log line is replaced, the line stays).
Telemetry repeats itself — the same route, user agent and status text on every span — so
scan results are cached per distinct string (bounded); a repeated value costs one dict
lookup.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any, NamedTuple

from ..config.scrubbing import ScrubbingOptions
from ..diagnostics import internal_log
from .counts import encode_counts
from .detector import PLACEHOLDER
from .detectors_pii import pii_detectors
from .detectors_secrets import secret_detectors
from .keys import GENAI_CONTENT_FIELDS, KeyKind, classify_key, is_secret_name, normalize_name
from .pseudonym import Pseudonymizer
from .scanner import Counts, TextScanner

__all__ = ["CLEAN", "NUMBERS", "PLAIN", "Redaction", "Redactor"]

PLAIN, _SECRET, _CONTENT = KeyKind.PLAIN, KeyKind.SECRET, KeyKind.CONTENT
NUMBERS = frozenset({int, float, bool})
"""Attribute value types that never hold personal data under a plain key."""
_MAX_DEPTH = 32
_MAX_PASSES = 3  # scans of a scrubbed result: placeholders never match, so one is enough
_MAX_CACHED_LENGTH = 8192
MAX_SCANNED_CHARS = 16_384
"""Longer strings are cut: the first 16 Ki characters are scanned and kept, the rest becomes
``<truncated>``. Scanning is linear, but a 10 MB value would still hold the caller for
about a second; cut, it costs the same as a 16 KiB one (a few ms) and nothing past the cut
can leak, because nothing past the cut is sent."""
_CUT_WINDOW = 256  # look back this far for a space to cut at, so no token is split
_MAX_CACHED_CHARS = 4_000_000
_MAX_KEYS = 4096
_CachedScan = tuple[str, tuple[tuple[str, int], ...], str]
"""A scan result as cached: scrubbed text, counts per kind, and those counts as JSON."""
CLEAN: _CachedScan = ("", (), "")
"""Cache entry of a string with nothing to redact (compared with ``is``)."""


class Redaction(NamedTuple):
    """A scrubbed string and what was found in it (kind -> count)."""

    text: str
    counts: Mapping[str, int]


class Redactor:
    """Finds personal data and secrets and replaces them; see ``ScrubbingOptions``.

    ``hash_key`` is the secret for ``hash`` mode (``configure_automagik()`` passes the
    install's key); without one, a random key is made per process. Thread-safe.
    """

    def __init__(
        self,
        options: ScrubbingOptions | None = None,
        *,
        hash_key: bytes | None = None,
        cache_size: int = 4096,
    ) -> None:
        self.options = options if options is not None else ScrubbingOptions()
        pseudonymizer = None
        if self.options.mode == "hash":
            pseudonymizer = Pseudonymizer(hash_key or secrets.token_bytes(32))
        self._extra_secrets = frozenset(map(normalize_name, self.options.extra_secret_keys))
        self._secrets_on = "secret" not in self.options.disabled
        self._capture = self.options.capture_genai_content
        enabled = set(self.options.enabled_detectors)
        secrets_ = [d for d in secret_detectors(self._is_secret_name) if d.name in enabled]
        self._scanner = TextScanner(
            [*secrets_, *pii_detectors(enabled)],
            extra_patterns=self.options.compiled_patterns,
            callback=self.options.callback,
            pseudonymizer=pseudonymizer,
        )
        self._cache_size = max(0, cache_size)
        self._texts: dict[str, _CachedScan] = {}
        self.lookup = self._texts.get
        """The cached scan of a string (``CLEAN``: nothing to redact; ``None``: not seen).
        For hot paths; the cache is cleared in place, never replaced, so this stays valid."""
        self._cached_chars = 0
        self._keys: dict[str, KeyKind] = {}
        self.key_kind = self._keys.get
        """The cached rule for a key (``None``: not seen yet). For hot paths, like
        ``lookup``."""
        self._secret_names: dict[str, bool] = {}
        self.scan_new = self._scan_and_remember
        """The scan of a string that ``lookup`` did not know, remembered (the same value
        as ``lookup`` returns from then on). For hot paths, like ``lookup``."""

    # -- public API ---------------------------------------------------------------------------

    def scan(self, text: str) -> Redaction:
        """``text`` scrubbed, with counts per kind of what was replaced."""
        counts: Counts = {}
        return Redaction(self.scrub_text(text, counts), counts)

    def redact_text(self, text: str) -> str:
        return self.scrub_text(text, {})

    def redact(self, value: Any, key: str | None = None) -> Any:
        """Any value scrubbed (strings, bytes, nested mappings and sequences); ``key`` applies
        the key rules as if ``value`` were that attribute's value. Unchanged values are
        returned as the same object."""
        return self.redact_with_counts(value, key)[0]

    def redact_with_counts(self, value: Any, key: str | None = None) -> tuple[Any, Counts]:
        counts: Counts = {}
        if key is None:
            return self.scrub_value(value, counts), counts
        new = self.redact_attributes({key: value}, counts)
        if new is None:
            return value, counts
        return new.get(key), counts

    def scrub_text(self, text: str, counts: Counts) -> str:
        """``text`` scrubbed; what was found is added to ``counts`` (cached per string)."""
        # A string too long to be cached is not looked up: hashing 10 MB costs ~10 ms.
        hit = self._texts.get(text) if len(text) <= _MAX_CACHED_LENGTH else None
        if hit is None:
            hit = self._scan_and_remember(text)
        if hit is CLEAN:
            return text
        for kind, found in hit[1]:
            counts[kind] = counts.get(kind, 0) + found
        return hit[0]

    def scrub_value(self, value: Any, counts: Counts, *, genai_message: bool = False) -> Any:
        """Like :meth:`redact`, adding findings to ``counts``; for log bodies."""
        try:
            return self._value(value, counts, genai_message, 0)
        except Exception:
            internal_log.error("privacy.value", "could not scrub a value", exc_info=True)
            _add(counts, "error", 1)
            return "<redacted>"

    def classify_key(self, key: str) -> KeyKind:
        """What the key rules do with the value of ``key`` (cached)."""
        kind = self._keys.get(key)
        if kind is None:
            kind = classify_key(
                key,
                allowed=self.options.allow_keys,
                extra_secrets=self._extra_secrets,
                secrets=self._secrets_on,
                capture_content=self._capture,
            )
            if len(self._keys) >= _MAX_KEYS:
                self._keys.clear()
            self._keys[key] = kind
        return kind

    def redact_attributes(
        self, attributes: Mapping[str, Any], counts: Counts, *, genai_message: bool = False
    ) -> dict[str, Any] | None:
        """A scrubbed copy of ``attributes``, or ``None`` when nothing had to change (the
        common case, which allocates nothing). Findings are added to ``counts``.

        ``genai_message``: the attributes belong to a GenAI message event, whose
        ``content``-like fields are prompt/completion content.
        """
        changed: dict[str, Any] | None = None
        # Locals, and the fast path written out: this loop runs for every attribute of every
        # span on the app's thread. A plain key (known from the cache) with a number or a
        # string known to be clean costs two dict lookups and no call. A GenAI message's
        # attributes take no fast path: their content rules depend on more than the key.
        text_get, key_get = self._texts.get, self._keys.get
        if genai_message:
            key_get = _NO_KNOWN_KEYS
        try:
            for key, value in attributes.items():
                if key_get(key) is PLAIN:
                    kind = type(value)
                    if kind is str:
                        hit = text_get(value)
                        if hit is CLEAN:
                            continue
                        if hit is None:
                            new = self.scrub_text(value, counts)
                        else:
                            for found_kind, found in hit[1]:
                                counts[found_kind] = counts.get(found_kind, 0) + found
                            new = hit[0]
                    elif kind in NUMBERS:
                        continue
                    else:
                        new = self._entry(key, value, counts, False, 0)
                else:
                    new = self._entry(key, value, counts, genai_message, 0)
                if new is value:
                    continue
                if changed is None:
                    changed = dict(attributes)
                if new is _DROP:
                    del changed[key]
                else:
                    changed[key] = new
        except Exception:
            internal_log.error("privacy.attributes", "could not scrub attributes", exc_info=True)
            _add(counts, "error", 1)
            return {}
        return changed

    # -- internals ----------------------------------------------------------------------------

    def _is_secret_name(self, key: str) -> bool:
        known = self._secret_names.get(key)
        if known is None:
            known = is_secret_name(key, self._extra_secrets)
            if len(self._secret_names) >= _MAX_KEYS:
                self._secret_names.clear()
            self._secret_names[key] = known
        return known

    def _scan_and_remember(self, text: str) -> _CachedScan:
        if len(text) > MAX_SCANNED_CHARS:
            return self._scan_long(text)
        try:
            kept: set[tuple[str, str]] = set()
            new, found, rerun = self._scanner.scan(text, kept)
            passes = 0
            while found and rerun and passes < _MAX_PASSES:
                # A replacement can complete a pattern with the text around it (a custom
                # placeholder ending what is now an e-mail's domain): scan the result again
                # (with the detectors that may find more) until nothing changes, so that
                # scrubbing twice equals scrubbing once.
                passes += 1
                again, more, rerun = self._scanner.scan(new, kept, rerun)
                if not more:
                    break
                new = again
                for kind, count in more.items():
                    found[kind] = found.get(kind, 0) + count
        except Exception:  # a detector bug must not leak the value: replace it whole
            internal_log.error("privacy.scan", "could not scan a value", exc_info=True)
            return "<redacted>", (("error", 1),), '{"error":1}'
        if new is text or not found:
            hit = CLEAN
        else:
            hit = (new, tuple(found.items()), encode_counts(found))
        if len(text) <= _MAX_CACHED_LENGTH and self._cache_size:
            if len(self._texts) >= self._cache_size or self._cached_chars > _MAX_CACHED_CHARS:
                self._texts.clear()
                self._cached_chars = 0
            self._texts[text] = hit
            self._cached_chars += len(text) + len(new)
        return hit

    def _scan_long(self, text: str) -> _CachedScan:
        """A string over ``MAX_SCANNED_CHARS``: its head scanned, the rest cut (not cached).

        The cut is made at a whitespace near the limit when there is one, so a token
        straddling the limit goes whole instead of leaving a first half that might no
        longer match. The result is at most ``MAX_SCANNED_CHARS`` long, so scrubbing it
        again changes nothing."""
        head = text[: _cut(text, MAX_SCANNED_CHARS)]
        hit = self._scan_and_remember(head)
        scrubbed = head if hit is CLEAN else hit[0]
        room = MAX_SCANNED_CHARS - len(_TRUNCATED)
        if len(scrubbed) > room:  # placeholders made it longer: trim whole words only
            cut = _cut(scrubbed, room)
            opening = scrubbed.rfind("<", 0, cut)
            if opening >= 0 and scrubbed.find(">", opening) >= cut:
                cut = opening  # never keep half a placeholder
            scrubbed = scrubbed[:cut]
        found = dict(hit[1])
        found["truncated"] = found.get("truncated", 0) + 1
        return scrubbed + _TRUNCATED, tuple(found.items()), encode_counts(found)

    def _entry(self, key: Any, value: Any, counts: Counts, genai: bool, depth: int) -> Any:
        """The scrubbed value of one key/value pair (``_DROP`` to remove it)."""
        kind = self._keys.get(key) if type(key) is str else PLAIN
        if kind is None:
            kind = self.classify_key(key)
        if kind is PLAIN:
            if genai and not self._capture and key in GENAI_CONTENT_FIELDS:
                _add(counts, "genai_content", 1)
                return _DROP
            if type(value) is str:
                return self.scrub_text(value, counts)
            return self._value(value, counts, genai, depth + 1)
        if kind is _SECRET:
            new = self._secret(value)
            if new is not value:
                _add(counts, "secret", 1)
            return new
        if kind is _CONTENT:
            _add(counts, "genai_content", 1)
            return _DROP
        return value  # allow-listed

    def _value(self, value: Any, counts: Counts, genai: bool, depth: int) -> Any:
        if type(value) is str:
            return self.scrub_text(value, counts)
        if value is None or isinstance(value, (bool, int, float)):
            return value
        if depth > _MAX_DEPTH:  # also ends reference cycles
            _add(counts, "truncated", 1)
            return "<truncated>"
        if isinstance(value, str):
            return self.scrub_text(str(value), counts)
        if isinstance(value, (bytes, bytearray)):
            return self._bytes(value, counts)
        if isinstance(value, Mapping):
            return self._mapping(value, counts, genai, depth)
        if isinstance(value, (list, tuple)):
            items = [self._value(item, counts, genai, depth + 1) for item in value]
            if all(new is old for new, old in zip(items, value, strict=True)):
                return value
            return items if isinstance(value, list) else tuple(items)
        try:
            text = str(value)
        except Exception:
            _add(counts, "error", 1)
            return "<unrepresentable>"
        return self.scrub_text(text, counts)

    def _bytes(self, value: bytes | bytearray, counts: Counts) -> bytes | bytearray:
        # Only what can be kept is decoded: 4 bytes per character at most, plus one more
        # character, so a longer value still comes out cut.
        text = bytes(value[: 4 * MAX_SCANNED_CHARS + 4]).decode("utf-8", "surrogateescape")
        new = self.scrub_text(text, counts)
        if new is text:
            return value
        encoded = new.encode("utf-8", "surrogateescape")
        return bytearray(encoded) if isinstance(value, bytearray) else encoded

    def _mapping(
        self, value: Mapping[Any, Any], counts: Counts, genai: bool, depth: int
    ) -> Mapping[Any, Any]:
        result: dict[Any, Any] = {}
        changed = False
        for key, item in value.items():
            new_key = self.scrub_text(key, counts) if type(key) is str else key
            new = self._entry(key, item, counts, genai, depth)
            changed = changed or new is not item or new_key is not key
            if new is not _DROP:
                result[new_key] = new
        return result if changed else value

    def _secret(self, value: Any) -> Any:
        """The whole value of a secret-named key, replaced (booleans and ``None`` say
        nothing and are kept; so are values that are already placeholders)."""
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str):
            if PLACEHOLDER.fullmatch(value):
                return value
            return self._scanner.placeholder("secret", value)
        if isinstance(value, (list, tuple)) and value:
            items = [self._secret(item) for item in value]
            if all(new is old for new, old in zip(items, value, strict=True)):
                return value
            return items if isinstance(value, list) else tuple(items)
        try:
            text = value.hex() if isinstance(value, (bytes, bytearray)) else str(value)
        except Exception:
            text = ""
        return self._scanner.placeholder("secret", text)


_TRUNCATED = "<truncated>"


def _cut(text: str, limit: int) -> int:
    """Where to cut ``text`` to at most ``limit`` characters: after the last whitespace in
    the last ``_CUT_WINDOW`` characters before ``limit``, else at ``limit``."""
    space = max(text.rfind(char, limit - _CUT_WINDOW, limit) for char in " \n\t")
    return space + 1 if space > 0 else limit


_DROP: Any = object()
"""Marker returned for an entry to remove (GenAI content)."""

_NO_KNOWN_KEYS = dict[str, KeyKind]().get
"""A key cache that knows nothing: with it, every key takes the full path."""


def _add(counts: Counts, kind: str, found: int) -> None:
    counts[kind] = counts.get(kind, 0) + found
