"""Unit tests of opaque keyset cursors and the filter that continues after them."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from crm_shared.errors import BadRequest
from crm_shared.mongo.pagination import (
    decode_cursor,
    encode_cursor,
    fingerprint,
)

SORT_CREATED = [("created_at", -1), ("_id", -1)]
QUERY = fingerprint("tenant-a", {"status": "new"}, SORT_CREATED)


def _raw_token(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


# --------------------------------------------------------------------------- round trip


def test_round_trip_with_a_datetime_and_an_id() -> None:
    created = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    doc = {"_id": "lead_01J", "created_at": created, "last_name": "Rahayu"}
    token = encode_cursor(doc, SORT_CREATED, QUERY)
    values = decode_cursor(token, SORT_CREATED, QUERY)
    assert values == [created, "lead_01J"]
    assert isinstance(values[0], datetime)
    assert values[0].tzinfo is not None
    assert values[0].utcoffset() == timedelta(0)


def test_round_trip_keeps_non_utc_offsets_and_naive_datetimes() -> None:
    aware = datetime(2025, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=7)))
    naive = datetime(2025, 6, 1, 12, 0, 0, 123000)
    sort = [("a", 1), ("b", 1)]
    token = encode_cursor({"a": aware, "b": naive}, sort, QUERY)
    assert decode_cursor(token, sort, QUERY) == [aware, naive]


@pytest.mark.parametrize("value", [0, 17, -3, 2.5, "text", "", True, None])
def test_round_trip_of_scalars(value: object) -> None:
    sort = [("score", -1), ("_id", 1)]
    token = encode_cursor({"score": value, "_id": "lead_1"}, sort, QUERY)
    assert decode_cursor(token, sort, QUERY) == [value, "lead_1"]


def test_round_trip_of_a_dotted_path() -> None:
    sort = [("custom.region", 1), ("_id", 1)]
    token = encode_cursor({"_id": "lead_1", "custom": {"region": "Jawa"}}, sort, QUERY)
    assert decode_cursor(token, sort, QUERY) == ["Jawa", "lead_1"]


def test_missing_sort_value_encodes_as_null() -> None:
    sort = [("company", 1), ("_id", 1)]
    token = encode_cursor({"_id": "lead_1"}, sort, QUERY)
    assert decode_cursor(token, sort, QUERY) == [None, "lead_1"]


def test_cursor_is_url_safe_and_unpadded() -> None:
    doc = {"_id": "lead_?>?>~~~", "created_at": datetime(2025, 1, 1, tzinfo=UTC)}
    token = encode_cursor(doc, SORT_CREATED, QUERY)
    assert "=" not in token
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


# --------------------------------------------------------------------------- fingerprints


def test_fingerprint_is_stable_and_short() -> None:
    first = fingerprint("tenant-a", {"status": "new", "owner": "u1"}, SORT_CREATED)
    again = fingerprint("tenant-a", {"owner": "u1", "status": "new"}, SORT_CREATED)
    assert first == again
    assert len(first) == 12
    assert fingerprint("tenant-b", {"status": "new", "owner": "u1"}, SORT_CREATED) != first


def test_fingerprint_mismatch_is_a_bad_request() -> None:
    doc = {"_id": "lead_1", "created_at": datetime(2025, 1, 1, tzinfo=UTC)}
    token = encode_cursor(doc, SORT_CREATED, QUERY)
    other = fingerprint("tenant-a", {"status": "qualified"}, SORT_CREATED)
    with pytest.raises(BadRequest, match="another query") as info:
        decode_cursor(token, SORT_CREATED, other)
    assert info.value.status == 400


def test_sort_length_mismatch_is_a_bad_request() -> None:
    token = encode_cursor({"_id": "lead_1"}, [("_id", 1)], QUERY)
    with pytest.raises(BadRequest, match="another query"):
        decode_cursor(token, SORT_CREATED, QUERY)


# --------------------------------------------------------------------------- garbage


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("", id="empty"),
        pytest.param("garbage", id="garbage"),
        pytest.param("!!!!", id="not-base64"),
        pytest.param("a", id="one-char"),
        pytest.param(base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(), id="not-utf8"),
        pytest.param(_raw_token("just a string"), id="json-string"),
        pytest.param(_raw_token([1, 2]), id="json-array"),
        pytest.param(_raw_token({"q": QUERY}), id="no-values"),
        pytest.param(_raw_token({"v": ["x", "y"]}), id="no-fingerprint"),
        pytest.param(_raw_token({"v": 5, "q": QUERY}), id="values-not-list"),
        pytest.param(_raw_token({"v": [{"$gt": ""}, "y"], "q": QUERY}), id="operator"),
        pytest.param(_raw_token({"v": [["x"], "y"], "q": QUERY}), id="nested-list"),
        pytest.param(_raw_token({"v": [{"d": "not a date"}, "y"], "q": QUERY}), id="bad-date"),
        pytest.param(_raw_token({"v": [{"d": 5}, "y"], "q": QUERY}), id="date-not-string"),
    ],
)
def test_garbage_cursor_is_a_bad_request(token: str) -> None:
    with pytest.raises(BadRequest):
        decode_cursor(token, SORT_CREATED, QUERY)


def test_garbage_cursor_message_is_helpful() -> None:
    with pytest.raises(BadRequest, match="malformed"):
        decode_cursor("garbage", SORT_CREATED, QUERY)
