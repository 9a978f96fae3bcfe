"""Automation rules and their runs (one run per rule and triggering event)."""

from __future__ import annotations

from typing import Final

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession

from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.repository import BY_CREATED, Repository
from crm_shared.mongo.scoped import Document

AUTOMATIONS: Final = "automations"
RUNS: Final = "automation_runs"

_T = ("tenant_id", ASCENDING)
INDEXES = [
    CollectionIndexes(
        AUTOMATIONS,
        [
            index([_T, *BY_CREATED], name="tenant_created"),
            index([_T, ("trigger.event_type", 1), ("active", 1)], name="tenant_trigger"),
        ],
    ),
    CollectionIndexes(
        RUNS,
        [
            index(
                [_T, ("automation_id", 1), ("created_at", DESCENDING), ("_id", DESCENDING)],
                name="tenant_automation",
            )
        ],
    ),
]


def run_key(automation_id: str, event_id: str) -> str:
    """The ``_id`` of a run: a rule fires once per triggering event."""
    return f"{automation_id}:{event_id}"


class AutomationRepository(Repository):
    """The rules of one tenant."""

    collection_name = AUTOMATIONS
    kind = "automation"

    async def active(self) -> list[Document]:
        """The tenant's active rules."""
        return await self.items.find({"active": True})

    async def count_fired(self, automation_id: str, *, session: AsyncClientSession) -> None:
        """One more firing (a counter, not a change of the rule: no version bump)."""
        await self.items.collection.update_one(
            self.items.scope({"_id": automation_id}), {"$inc": {"fired": 1}}, session=session
        )


class RunRepository(Repository):
    """Runs of the rules of one tenant."""

    collection_name = RUNS
    kind = "automation run"

    async def fired_before(self, run_id: str, *, session: AsyncClientSession) -> bool:
        """Whether this run exists (read inside the transaction that would add it: a write
        error would abort the transaction, and a concurrent twin is a write conflict)."""
        return await self.items.find_one({"_id": run_id}, session=session) is not None

    async def record(self, run: Document, *, session: AsyncClientSession) -> None:
        """Store a run."""
        await self.items.collection.insert_one(
            {**run, "tenant_id": self.tenant_id}, session=session
        )

    async def note_result(
        self, run_id: str, index_: int, result: Document, *, session: AsyncClientSession
    ) -> None:
        """Record the late outcome of one action (an API call made after the commit)."""
        await self.items.collection.update_one(
            self.items.scope({"_id": run_id}),
            {"$set": {f"results.{index_}": result}},
            session=session,
        )
