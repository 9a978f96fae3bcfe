"""Unit tests of flat filter merging and keyset branches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crm_shared.mongo.filters import exclusive_date_bounds, keyset_branches, merge_filters

T0 = datetime(2026, 1, 1, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)


def test_merge_disjoint_fields_is_flat() -> None:
    assert merge_filters({"status": "new"}, {}, {"created_at": {"$lt": T0}}) == {
        "status": "new",
        "created_at": {"$lt": T0},
    }
    assert merge_filters() == {}


def test_merge_bounds_on_one_field() -> None:
    merged = merge_filters({"created_at": {"$gt": T0}}, {"created_at": {"$lt": T1}})
    assert merged == {"created_at": {"$gt": T0, "$lt": T1}}


def test_merge_keeps_the_tighter_bound() -> None:
    assert merge_filters({"n": {"$gte": 1, "$lt": 9}}, {"n": {"$gte": 3, "$lt": 20}}) == {
        "n": {"$gte": 3, "$lt": 9}
    }


def test_merge_equality_with_operators() -> None:
    assert merge_filters({"n": 5}, {"n": {"$lt": 9}}) == {"n": {"$eq": 5, "$lt": 9}}
    assert merge_filters({"n": 5}, {"n": 5}) == {"n": 5}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"status": "new"}, {"status": "lost"}),
        ({"$or": [{"a": 1}]}, {"$or": [{"b": 1}]}),
        ({"n": {"$in": [1]}}, {"n": {"$in": [2]}}),
        ({"n": {"$lt": 1}}, {"n": {"$lt": "x"}}),
    ],
)
def test_unfoldable_conditions_fall_back_to_and(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert merge_filters(a, b) == {"$and": [a, b]}


def test_keyset_branches_one_key() -> None:
    assert keyset_branches([("_id", 1)], ["lead_5"]) == [{"_id": {"$gt": "lead_5"}}]
    assert keyset_branches([("_id", -1)], ["lead_5"]) == [{"_id": {"$lt": "lead_5"}}]


def test_keyset_branches_ties_first() -> None:
    sort = [("created_at", -1), ("_id", -1)]
    assert keyset_branches(sort, [T0, "lead_5"]) == [
        {"created_at": T0, "_id": {"$lt": "lead_5"}},
        {"created_at": {"$lt": T0}},
    ]
    assert keyset_branches([("a", 1), ("b", -1), ("_id", 1)], [1, 2, "x"]) == [
        {"a": 1, "b": 2, "_id": {"$gt": "x"}},
        {"a": 1, "b": {"$lt": 2}},
        {"a": {"$gt": 1}},
    ]


def _after(rows: list[dict[str, Any]], sort: list[tuple[str, int]], values: list[Any]) -> list[Any]:
    """What the branches select, read in order: a reference against a plain sort."""

    def matches(row: dict[str, Any], branch: dict[str, Any]) -> bool:
        for field, cond in branch.items():
            if isinstance(cond, dict):
                ((op, bound),) = cond.items()
                if not (row[field] > bound if op == "$gt" else row[field] < bound):
                    return False
            elif row[field] != cond:
                return False
        return True

    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(row[f] if d > 0 else -row[f] for f, d in sort)

    out: list[Any] = []
    for branch in keyset_branches(sort, values):
        out.extend(r["_id"] for r in sorted((r for r in rows if matches(r, branch)), key=key))
    return out


def test_keyset_branches_read_in_order_equal_a_plain_sort() -> None:
    rows = [{"_id": i, "a": i % 3, "b": i % 5} for i in range(60)]
    sort = [("a", 1), ("b", -1), ("_id", 1)]
    ordered = sorted(rows, key=lambda r: (r["a"], -r["b"], r["_id"]))
    for position in (0, 7, 29, 58):
        pivot = ordered[position]
        expected = [r["_id"] for r in ordered[position + 1 :]]
        assert _after(rows, sort, [pivot["a"], pivot["b"], pivot["_id"]]) == expected


def test_bounds_at_the_ends_of_time_stay_inclusive() -> None:
    first, last = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
    bounds = {"t": {"$gte": first, "$lte": last}}
    assert exclusive_date_bounds(bounds) == bounds


def test_inclusive_date_bounds_become_exclusive() -> None:
    when = T0.replace(microsecond=123_456)
    ms = timedelta(milliseconds=1)
    whole = T0.replace(microsecond=123_000)
    assert exclusive_date_bounds({"t": {"$gte": when, "$lte": T1}, "n": {"$gte": 1}}) == {
        "t": {"$gt": whole - ms, "$lt": T1 + ms},
        "n": {"$gte": 1},
    }
    assert exclusive_date_bounds({"t": {"$gte": T0, "$gt": T1}}) == {"t": {"$gt": T1}}
    assert merge_filters({"t": {"$gte": T0}}, {"t": {"$lt": T1}}) == {
        "t": {"$gt": T0 - ms, "$lt": T1}
    }
