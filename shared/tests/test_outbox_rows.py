"""Outbox rows: a lone event is its own row; a batch is grouped by count and size."""

from __future__ import annotations

from datetime import UTC, datetime

from crm_shared.outbox_rows import RECORDS_PER_ROW, ROW_BYTES, Record, pack, unpack

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def record(n: int, size: int = 10) -> Record:
    return {"_id": f"ev_{n:05d}", "value": b"x" * size, "tenant_id": "t1", "created_at": NOW}


def test_a_lone_event_is_its_own_row() -> None:
    alone = record(1)
    assert pack([alone]) == [alone]
    assert unpack(alone) == [alone]


def test_a_batch_is_grouped_by_count_and_kept_in_order() -> None:
    records = [record(n) for n in range(RECORDS_PER_ROW * 2 + 1)]
    rows = pack(records)
    assert [len(unpack(row)) for row in rows] == [RECORDS_PER_ROW, RECORDS_PER_ROW, 1]
    assert [row["_id"] for row in rows] == ["ev_00000", "ev_00500", "ev_01000"]
    assert rows[-1] is records[-1]  # the last one alone is a plain row
    assert [r for row in rows for r in unpack(row)] == records
    assert rows[0]["tenant_id"] == "t1" and rows[0]["created_at"] == NOW


def test_a_batch_of_large_events_is_grouped_by_size() -> None:
    big = ROW_BYTES // 3
    rows = pack([record(n, big) for n in range(5)])
    assert [len(unpack(row)) for row in rows] == [2, 2, 1]
