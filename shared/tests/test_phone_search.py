"""Unit tests of the searchable phone forms."""

from __future__ import annotations

from crm_shared.phone_search import phone_search_values


def test_international_and_national_digits() -> None:
    assert phone_search_values("+6281234567890") == ["6281234567890", "081234567890"]
    assert phone_search_values("+62 21 555 1234") == ["62215551234", "0215551234"]


def test_empty_and_unparsable() -> None:
    assert phone_search_values(None) == []
    assert phone_search_values("") == []
    assert phone_search_values("12-34") == ["1234"]
