"""Unit tests of the windowed reader's pieces that need no server: pinning a tie's time
into a query, and the landmark map."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crm_shared.mongo.landmarks import Landmark, Landmarks
from crm_shared.mongo.windowed import pinned

T = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_pinned_replaces_a_range_that_admits_the_value_by_an_equality() -> None:
    query = {"status": "new", "created_at": {"$gte": T - timedelta(days=1), "$lt": T}}
    at = T - timedelta(seconds=1)
    assert pinned(query, "created_at", at) == {"status": "new", "created_at": at}
    assert pinned({"status": "new"}, "created_at", at) == {"status": "new", "created_at": at}


def test_pinned_is_none_when_the_query_excludes_the_value() -> None:
    assert pinned({"created_at": {"$lt": T}}, "created_at", T) is None
    assert pinned({"created_at": {"$gt": T}}, "created_at", T) is None
    assert pinned({"created_at": T}, "created_at", T + timedelta(milliseconds=1)) is None
    assert pinned({"created_at": T}, "created_at", T) == {"created_at": T}


def test_pinned_keeps_other_operators_beside_the_equality() -> None:
    query = {"created_at": {"$ne": T}}
    assert pinned(query, "created_at", T) == {"created_at": {"$ne": T, "$eq": T}}


def test_landmarks_forget_the_least_recently_used() -> None:
    marks = Landmarks(capacity=2)
    a, b, c = (Landmark(T, name, T) for name in "abc")
    marks.put("a", a)
    marks.put("b", b)
    assert marks.get("a") == a  # "b" is now the least recently used
    marks.put("c", c)
    assert (marks.get("a"), marks.get("b"), marks.get("c")) == (a, None, c)
    marks.clear()
    assert marks.get("a") is None
