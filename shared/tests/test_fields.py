"""Shared field normalisers: domains and BSON values."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from bson import Decimal128

from crm_shared.fields import from_bson, normalize_domain
from crm_shared.views import document_view, to_json


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("contoh.co.id", "contoh.co.id"),
        ("https://www.Contoh.co.id/tentang", "contoh.co.id"),
        ("budi@Contoh.co.id", "contoh.co.id"),
        ("http://sub.contoh.com:8080", "sub.contoh.com"),
    ],
)
def test_normalize_domain(raw: str, expected: str) -> None:
    assert normalize_domain(raw) == expected


@pytest.mark.parametrize("raw", ["", "not a domain", "ftp://contoh.com", "localhost"])
def test_normalize_domain_rejects(raw: str) -> None:
    with pytest.raises(ValueError, match="domain"):
        normalize_domain(raw)


def test_from_bson_and_to_json_round_values() -> None:
    naive = datetime(2026, 1, 2, 3, 4, 5)
    stored = {"at": naive, "amount": Decimal128("12.50"), "items": [{"at": naive}]}
    assert from_bson(stored) == {
        "at": naive.replace(tzinfo=UTC),
        "amount": Decimal("12.50"),
        "items": [{"at": naive.replace(tzinfo=UTC)}],
    }
    assert to_json(stored) == {
        "at": "2026-01-02T03:04:05Z",
        "amount": "12.50",
        "items": [{"at": "2026-01-02T03:04:05Z"}],
    }


def test_document_view_hides_storage_keys() -> None:
    view = document_view({"_id": "x_1", "search": ["a"], "search_text": "a", "name": "A"})
    assert view == {"id": "x_1", "name": "A"}
