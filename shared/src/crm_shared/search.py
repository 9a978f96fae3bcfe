"""Word-prefix search that a plain multikey index serves on any MongoDB-wire server.

The embedded server has no text index, so a searchable document stores two derived fields:

- ``search``: the first 1, 2 and 3 characters of each of its words (multikey-indexed);
- ``search_text``: its words, normalised and space-separated.

A query matches when every query word is the prefix of some stored word ("wij" and
"wijaya" find "Wijaya", "andi@contoh" finds "andi@contoh.co.id"), accent- and
case-insensitively ("José" is found by "jose"). The index narrows the candidates by one
key, the first three characters of the query's most selective word (an equality, so
newest-first time windows stay cheap), and :func:`text_matches` checks the whole query.

Storing whole words' prefixes rather than every substring trigram keeps the index at about
two dozen keys per document: each multikey entry costs the embedded server a write, and a
trigram index made inserts four times slower.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Final

KEY_LENGTHS: Final = (1, 2, 3)
MAX_WORD_LENGTH: Final = 40
_SPLIT_RE: Final = re.compile(r"[\W_]+")
_EMAIL_RE: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DIGIT_SEPARATORS_RE: Final = re.compile(r"(?<=\d)[\s\-().]+(?=\d)")
_LETTER_COMMONNESS: Final = "0123456789anei utrskmlgdpbohyjcwfvzxq"
"""Characters from most to least common as a word start in Indonesian business data: digits
first (phone prefixes such as 081 and 628 are shared by nearly everyone)."""


def normalize_text(s: str) -> str:
    """NFKD, drop combining marks, casefold and collapse whitespace (``" José  X"`` ->
    ``"jose x"``)."""
    decomposed = unicodedata.normalize("NFKD", s)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def words(text: str) -> list[str]:
    """Words of a text: alphanumeric runs, each e-mail address also whole, and digit groups
    joined (``0812-3456 7890`` -> ``081234567890``) so a phone is one word however typed."""
    joined = _DIGIT_SEPARATORS_RE.sub("", normalize_text(text))
    found: list[str] = []
    for chunk in joined.split(" "):
        if _EMAIL_RE.match(chunk):
            found.append(chunk)
        found.extend(part for part in _SPLIT_RE.split(chunk) if part)
    return [word[:MAX_WORD_LENGTH] for word in found]


def _unique_words(values: Iterable[str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value:
            seen.update(dict.fromkeys(words(value)))
    return list(seen)


def search_keys(values: Iterable[str | None]) -> list[str]:
    """Sorted unique index keys of the values: the 1-3 character prefixes of every word."""
    keys = {word[:n] for word in _unique_words(values) for n in KEY_LENGTHS if len(word) >= n}
    return sorted(keys)


def search_text(values: Iterable[str | None]) -> str:
    """The values' unique normalised words, space-separated (what :func:`text_matches` reads)."""
    return " ".join(_unique_words(values))


def search_fields(values: Iterable[str | None]) -> dict[str, object]:
    """Both derived fields to store on a searchable document."""
    values = list(values)
    return {"search": search_keys(values), "search_text": search_text(values)}


def anchor_key(q: str) -> str | None:
    """The index key a search for ``q`` reads candidates by (``None`` for a blank query):
    the 3-character prefix of its most selective word (longest key, then rarest letters)."""
    keys = {word[: KEY_LENGTHS[-1]] for word in words(q)}
    if not keys:
        return None

    def selectivity(key: str) -> tuple[int, int]:
        return len(key), sum(max(_LETTER_COMMONNESS.find(ch), 0) for ch in key)

    return max(sorted(keys), key=selectivity)


def text_matches(text: str, q: str) -> bool:
    """Whether every word of ``q`` is the prefix of a word of ``text`` (a ``search_text``)."""
    stored = text.split(" ")
    return all(any(word.startswith(typed) for word in stored) for typed in words(q))
