"""Segment rules compile to MongoDB filters in pure code; no client input becomes an operator."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from bson import Decimal128
from pydantic import ValidationError

from campaigns.segments.domain import compile_rules
from campaigns.segments.schemas import Group

ALLOWED_OPERATORS = {
    "$eq",
    "$ne",
    "$gt",
    "$gte",
    "$lt",
    "$lte",
    "$in",
    "$nin",
    "$exists",
    "$or",
    "$and",
}


def compiled(rules: dict[str, Any]) -> dict[str, Any]:
    return compile_rules(Group.model_validate(rules))


def operator_keys(value: Any) -> set[str]:
    """Every ``$`` key anywhere in a filter."""
    if isinstance(value, dict):
        found = {k for k in value if k.startswith("$")}
        for v in value.values():
            found |= operator_keys(v)
        return found
    if isinstance(value, list):
        return set().union(*(operator_keys(v) for v in value)) if value else set()
    return set()


def test_and_group_stays_flat_and_or_group_uses_or() -> None:
    query = compiled(
        {
            "match": "all",
            "rules": [
                {"field": "lifecycle_stage", "op": "in", "value": ["customer", "lead"]},
                {"field": "tags", "op": "contains", "value": "vip"},
                {"field": "purchase_count", "op": "gte", "value": 2},
                {"field": "purchase_count", "op": "lt", "value": 10},
                {
                    "match": "any",
                    "rules": [
                        {"field": "account.industry", "op": "eq", "value": "retail"},
                        {"field": "account.employee_count", "op": "between", "value": [10, 50]},
                    ],
                },
            ],
        }
    )
    assert query == {
        "lifecycle_stage": {"$in": ["customer", "lead"]},
        "tags": "vip",
        "purchase_count": {"$gte": 2, "$lt": 10},
        "$or": [
            {"account_industry": {"$eq": "retail"}},
            {"account_employee_count": {"$gte": 10, "$lte": 50}},
        ],
    }


def test_values_are_typed_for_the_field() -> None:
    query = compiled(
        {
            "rules": [
                {"field": "purchase_total", "op": "gt", "value": "1500000.50"},
                {"field": "created_at", "op": "gte", "value": "2025-01-01T00:00:00"},
                {"field": "do_not_contact", "op": "eq", "value": False},
                {"field": "rfm_segment", "op": "exists", "value": False},
                {"field": "tags", "op": "exists", "value": True},
            ]
        }
    )
    assert query["purchase_total"] == {"$gt": Decimal128(Decimal("1500000.50"))}
    # an inclusive date bound is made exclusive one millisecond further out
    assert query["created_at"]["$gt"] < datetime(2025, 1, 1, tzinfo=UTC)
    assert query["do_not_contact"] == {"$eq": False}
    assert query["rfm_segment"] == {"$eq": None}
    assert query["tags.0"] == {"$exists": True}


def test_custom_fields_are_validated_names() -> None:
    assert compiled({"rules": [{"field": "custom.kota", "op": "eq", "value": "Bandung"}]}) == {
        "custom.kota": {"$eq": "Bandung"}
    }
    for bad in ("custom.$where", "custom.a.b", "custom.", "custom.Kota", "$where", "custom"):
        with pytest.raises(ValidationError):
            Group.model_validate({"rules": [{"field": bad, "op": "eq", "value": "x"}]})


@pytest.mark.parametrize(
    "condition",
    [
        {"field": "tags", "op": "gt", "value": "a"},
        {"field": "lifecycle_stage", "op": "between", "value": ["a", "b"]},
        {"field": "purchase_count", "op": "eq", "value": "many"},
        {"field": "purchase_count", "op": "between", "value": [1]},
        {"field": "created_at", "op": "gt", "value": "yesterday"},
        {"field": "do_not_contact", "op": "eq", "value": "no"},
        {"field": "lifecycle_stage", "op": "in", "value": []},
        {"field": "lifecycle_stage", "op": "$where", "value": "1"},
        {"field": "lifecycle_stage", "op": "eq", "value": {"$ne": None}},
        {"field": "lifecycle_stage", "op": "exists", "value": "yes"},
        {"field": "email", "op": "eq", "value": "a@b.c"},
    ],
)
def test_invalid_conditions_are_refused(condition: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Group.model_validate({"rules": [condition]})


def test_groups_are_bounded() -> None:
    deep: dict[str, Any] = {"rules": [{"field": "tags", "op": "contains", "value": "x"}]}
    for _ in range(4):
        deep = {"rules": [deep]}
    with pytest.raises(ValidationError, match="nest"):
        Group.model_validate(deep)
    with pytest.raises(ValidationError):
        Group.model_validate({"rules": []})


def test_dollar_values_stay_values() -> None:
    query = compiled(
        {
            "match": "any",
            "rules": [
                {"field": "lifecycle_stage", "op": "eq", "value": "$gt"},
                {"field": "custom.note", "op": "in", "value": ["$where", "$ne"]},
                {"field": "tags", "op": "contains", "value": "$exists"},
            ],
        }
    )
    assert operator_keys(query) <= ALLOWED_OPERATORS
    assert query["$or"][2] == {"tags": "$exists"}
