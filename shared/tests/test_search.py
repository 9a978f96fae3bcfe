"""Unit tests of word-prefix search keys, anchors and the post-filter."""

from __future__ import annotations

import pytest

from crm_shared.search import (
    anchor_key,
    normalize_text,
    search_fields,
    search_keys,
    search_text,
    text_matches,
    words,
)


def test_normalize_text() -> None:
    assert normalize_text("  José   Ñúñez\tStraße ") == "jose nunez strasse"
    assert normalize_text("\uff21\uff22\uff23") == "abc"  # NFKD folds full-width forms


def test_words_split_emails_and_join_digit_groups() -> None:
    assert words("Andi.Wijaya@Contoh.co.id") == [
        "andi.wijaya@contoh.co.id",
        "andi",
        "wijaya",
        "contoh",
        "co",
        "id",
    ]
    assert words("+62 (812) 3456-7890") == ["6281234567890"]
    assert words("PT Maju 2 Jaya") == ["pt", "maju", "2", "jaya"]
    assert words("  !! ") == []


def test_search_keys_are_word_prefixes() -> None:
    assert search_keys(["Andi", None, ""]) == ["a", "an", "and"]
    assert search_keys(["Jo"]) == ["j", "jo"]
    assert search_keys([]) == []
    keys = search_keys(["Andi Andi", "andi wijaya"])
    assert keys == sorted(set(keys))
    assert set(keys) == {"a", "an", "and", "w", "wi", "wij"}


def test_long_words_are_truncated() -> None:
    assert words("x" * 1000) == ["x" * 40]
    assert search_keys(["x" * 1000]) == ["x", "xx", "xxx"]


def test_search_fields() -> None:
    assert search_fields(["José", "Wijaya"]) == {
        "search": ["j", "jo", "jos", "w", "wi", "wij"],
        "search_text": "jose wijaya",
    }


def test_anchor_prefers_the_most_selective_word() -> None:
    assert anchor_key("") is None
    assert anchor_key("!!") is None
    assert anchor_key("a") == "a"
    assert anchor_key("jo wijaya") == "wij"  # a 3-character key beats a 2-character one
    assert anchor_key("andi 0812") == "and"  # phone prefixes are shared by nearly everyone
    assert anchor_key("maju zulkifli") == "zul"  # rarer letters


@pytest.mark.parametrize(
    ("values", "query", "found"),
    [
        (["José", "Núñez"], "jose", True),
        (["Jose"], "José", True),
        (["Andi", "Wijaya"], "wija", True),
        (["Andi", "Wijaya"], "WIJAYA", True),
        (["Andi", "Wijaya"], "w", True),
        (["Andi", "Wijaya"], "wijaya andi", True),
        (["Andi", "Wijaya"], "jaya", False),  # not the start of a word
        (["Andi", "Wijaya"], "wijayanto", False),
        (["Andi", "Wijaya"], "budi", False),
        (["Andi", "Wijaya"], "andi budi", False),  # every word must match
        (["PT Contoh Jaya"], "CONTOH", True),
        (["PT Contoh Jaya"], "jaya", True),
        (["andi@contoh.co.id"], "andi@contoh", True),
        (["andi@contoh.co.id"], "andi@contoh.co.id", True),
        (["andi@contoh.co.id"], "contoh.co", True),
    ],
)
def test_query_matching(values: list[str], query: str, found: bool) -> None:
    candidate = anchor_key(query) in search_keys(values)
    assert (candidate and text_matches(search_text(values), query)) is found


def test_every_match_is_an_index_candidate() -> None:
    values = ["Siti Rahayu", "siti.rahayu@maju.co.id", "PT Sentosa Abadi", "081234567890"]
    keys, text = set(search_keys(values)), search_text(values)
    for query in ("siti", "rah", "sentosa ab", "maju.co", "0812 3456", "s r"):
        assert text_matches(text, query), query
        assert anchor_key(query) in keys, query
