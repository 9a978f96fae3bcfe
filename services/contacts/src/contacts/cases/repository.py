"""Customer-service cases in MongoDB, listable newest first, by SLA due time, or by
priority and then SLA due time."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from contacts.cases.domain import CASE_PRIORITY_RANK, OPEN_CASE_STATUSES, CasePriority
from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.pagination import SortKeys
from crm_shared.mongo.repository import BY_CREATED, Repository, newest_first

CASES = "cases"

CASE_SORTS: dict[str, SortKeys] = {
    "-created_at": newest_first("created_at"),
    "sla_due_at": (("sla_due_at", ASCENDING), ("_id", ASCENDING)),
    "priority": (("priority_rank", ASCENDING), ("sla_due_at", ASCENDING), ("_id", ASCENDING)),
}

_BY_SLA = [("sla_due_at", ASCENDING), ("_id", ASCENDING)]
_BY_PRIORITY = [("priority_rank", ASCENDING), *_BY_SLA]
CASE_INDEXES = CollectionIndexes(
    CASES,
    [
        index([("tenant_id", 1), *BY_CREATED], name="tenant_created"),
        index([("tenant_id", 1), ("status", 1), *BY_CREATED], name="tenant_status_created"),
        index([("tenant_id", 1), ("priority", 1), *BY_CREATED], name="tenant_priority_created"),
        index([("tenant_id", 1), ("assignee_id", 1), *BY_CREATED], name="tenant_assignee_created"),
        index([("tenant_id", 1), ("contact_id", 1), *BY_CREATED], name="tenant_contact_created"),
        index([("tenant_id", 1), ("account_id", 1), *BY_CREATED], name="tenant_account_created"),
        index([("tenant_id", 1), *_BY_SLA], name="tenant_sla"),
        index([("tenant_id", 1), ("status", 1), *_BY_SLA], name="tenant_status_sla"),
        index([("tenant_id", 1), *_BY_PRIORITY], name="tenant_priority_sla"),
        index([("tenant_id", 1), ("status", 1), *_BY_PRIORITY], name="tenant_status_priority_sla"),
    ],
)


class CaseRepository(Repository):
    """Cases of one tenant."""

    collection_name = CASES
    kind = "case"

    async def open_counts(self, now: datetime) -> tuple[dict[str, int], int]:
        """Cases not resolved yet, by priority, and how many of them are past their SLA."""
        still_open = {"status": {"$in": [s.value for s in OPEN_CASE_STATUSES]}}
        priorities = list(CasePriority)
        counts = await asyncio.gather(
            *(self.items.count({**still_open, "priority": p.value}) for p in priorities),
            self.items.count({**still_open, "sla_due_at": {"$lt": now}}),
        )
        return {p.value: n for p, n in zip(priorities, counts, strict=False)}, counts[-1]


async def backfill_priority_ranks(db: AsyncDatabase[Any], *, session: AsyncClientSession) -> int:
    """Give cases stored before ``priority_rank`` existed their rank (every tenant; a derived
    sort key, so versions are not bumped). Returns how many were updated."""
    updated = 0
    for priority, rank in CASE_PRIORITY_RANK.items():
        result = await db[CASES].update_many(
            {"priority": priority.value, "priority_rank": {"$exists": False}},
            {"$set": {"priority_rank": rank}},
            session=session,
        )
        updated += result.modified_count
    return updated
