"""Identifiers and clocks: time-ordered ids (UUIDv7, ULID-style prefixed ids) and UTC now."""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import UTC, datetime

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_lock = threading.Lock()
_last_ms = 0
_last_rand = 0


def utcnow() -> datetime:
    """Timezone-aware current UTC time, truncated to milliseconds (what BSON stores)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def as_utc(value: datetime | None) -> datetime | None:
    """A datetime from a query as UTC (one without a zone is taken as UTC)."""
    return value.replace(tzinfo=UTC) if value and value.tzinfo is None else value


def _next_time_and_random() -> tuple[int, int]:
    """Millisecond timestamp and 74 random bits, monotonic within this process."""
    global _last_ms, _last_rand
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            ms = _last_ms
            rand = (_last_rand + 1) & ((1 << 74) - 1)
        else:
            rand = int.from_bytes(os.urandom(10), "big") >> 6
        _last_ms, _last_rand = ms, rand
        return ms, rand


def uuid7() -> uuid.UUID:
    """A RFC 9562 UUIDv7: sortable by creation time, monotonic within this process."""
    ms, rand = _next_time_and_random()
    rand_a = rand >> 62
    rand_b = rand & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
    return uuid.UUID(int=value)


def new_event_id() -> str:
    """A fresh event id (UUIDv7 string)."""
    return str(uuid7())


def new_id(prefix: str) -> str:
    """A type-prefixed, time-ordered id such as ``lead_01JD3X...`` (26-char Crockford base32)."""
    ms, rand = _next_time_and_random()
    value = (ms << 80) | (rand << 6)
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return f"{prefix}_{''.join(reversed(chars))}"
