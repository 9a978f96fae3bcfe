"""Unit tests of identifiers and clocks: UUIDv7, prefixed ids, utcnow."""

from __future__ import annotations

import itertools
import re
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from crm_shared import ids
from crm_shared.ids import new_event_id, new_id, utcnow, uuid7

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LEAD_ID = re.compile(r"^lead_[0-9A-HJKMNP-TV-Z]{26}$")


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _decode_crockford(text: str) -> int:
    value = 0
    for char in text:
        value = value * 32 + CROCKFORD.index(char)
    return value


class _FrozenClock:
    """Stands in for the ``time`` module inside ``crm_shared.ids``."""

    def __init__(self, ns: int) -> None:
        self.ns = ns

    def time_ns(self) -> int:
        return self.ns


# --------------------------------------------------------------------------- uuid7


def test_uuid7_is_version_7_with_the_rfc_variant() -> None:
    for _ in range(100):
        value = uuid7()
        assert value.version == 7
        assert value.variant == uuid.RFC_4122
        assert (value.int >> 76) & 0xF == 7
        assert (value.int >> 62) & 0b11 == 0b10


def test_uuid7_carries_the_unix_millisecond_timestamp() -> None:
    before = _now_ms()
    value = uuid7()
    after = _now_ms()
    assert before <= value.int >> 80 <= after


def test_uuid7_is_monotonic_over_10k_calls() -> None:
    values = [uuid7() for _ in range(10_000)]
    assert all(a < b for a, b in itertools.pairwise(values))
    texts = [str(v) for v in values]
    assert texts == sorted(texts)
    assert len(set(texts)) == len(texts)


def test_uuid7_stays_monotonic_when_the_clock_goes_back(monkeypatch: pytest.MonkeyPatch) -> None:
    first = uuid7()
    monkeypatch.setattr(ids, "time", _FrozenClock(time.time_ns() - 5_000_000_000))
    later = [uuid7() for _ in range(100)]
    assert all(a < b for a, b in itertools.pairwise([first, *later]))


def test_new_event_id_is_a_uuid7_string() -> None:
    text = new_event_id()
    assert str(uuid.UUID(text)) == text
    assert uuid.UUID(text).version == 7


# --------------------------------------------------------------------------- new_id


def test_new_id_format() -> None:
    for _ in range(100):
        value = new_id("lead")
        assert LEAD_ID.match(value), value
        assert len(value) == len("lead_") + 26


def test_new_id_uses_the_given_prefix() -> None:
    assert new_id("deal").startswith("deal_")
    assert new_id("scoring_rule").startswith("scoring_rule_")


def test_new_id_encodes_the_creation_time() -> None:
    before = _now_ms()
    value = new_id("lead")
    after = _now_ms()
    assert before <= _decode_crockford(value.removeprefix("lead_")) >> 80 <= after


def test_new_id_is_sortable_by_time() -> None:
    batches = []
    for _ in range(3):
        batches.append([new_id("lead") for _ in range(50)])
        time.sleep(0.003)
    flat = [value for batch in batches for value in batch]
    assert flat == sorted(flat)
    assert len(set(flat)) == len(flat)
    stamps = [_decode_crockford(v.removeprefix("lead_")) >> 80 for v in flat]
    assert stamps == sorted(stamps)
    assert stamps[-1] > stamps[0]


def test_new_id_is_monotonic_over_10k_calls() -> None:
    values = [new_id("lead") for _ in range(10_000)]
    assert all(a < b for a, b in itertools.pairwise(values))


# --------------------------------------------------------------------------- utcnow


def test_utcnow_is_timezone_aware_utc() -> None:
    now = utcnow()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - now) < timedelta(seconds=1)


def test_utcnow_has_millisecond_precision() -> None:
    for _ in range(200):
        assert utcnow().microsecond % 1000 == 0


def test_utcnow_never_rounds_up() -> None:
    before = datetime.now(UTC)
    now = utcnow()
    assert now >= before - timedelta(milliseconds=1)
    assert now <= datetime.now(UTC)
