"""How events are stored in the outbox: one row per event, or one row per batch.

A transaction that emits many events at once (an import's rows, a campaign's batch of
e-mails, a batch of delivery outcomes) stores them as a few rows holding up to
:data:`RECORDS_PER_ROW` records each, rather than one row per event: on the embedded
server every row is a document to insert, find and delete, with its index entry. The
relay publishes a row's records in order, then deletes the row. Kafka sees the same
records either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

Record = dict[str, Any]
"""One event as the relay publishes it: ``_id`` (the event id), ``topic``, ``key``,
``type``, ``value``, ``headers``, ``traceparent``, ``tenant_id``, ``created_at``."""

RECORDS_PER_ROW: Final = 500
ROW_BYTES: Final = 4 * 1024 * 1024
"""A row stays far below MongoDB's 16 MiB document limit."""


def pack(records: Sequence[Record]) -> list[Record]:
    """The outbox rows of ``records`` (in order): a lone record is its own row; more are
    grouped into rows of at most :data:`RECORDS_PER_ROW` records and about
    :data:`ROW_BYTES`, each row named by its first record's id."""
    if len(records) == 1:
        return [records[0]]
    rows: list[Record] = []
    group: list[Record] = []
    size = 0
    for record in records:
        weight = len(record["value"]) + 256
        if group and (len(group) >= RECORDS_PER_ROW or size + weight > ROW_BYTES):
            rows.append(_row(group))
            group, size = [], 0
        group.append(record)
        size += weight
    if group:
        rows.append(_row(group))
    return rows


def _row(group: list[Record]) -> Record:
    if len(group) == 1:
        return group[0]
    first = group[0]
    return {
        "_id": first["_id"],
        "records": group,
        "tenant_id": first["tenant_id"],
        "created_at": first["created_at"],
    }


def unpack(row: Record) -> list[Record]:
    """The records of an outbox row, in order."""
    records: list[Record] | None = row.get("records")
    return records if records is not None else [row]
