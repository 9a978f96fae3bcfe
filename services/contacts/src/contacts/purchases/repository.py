"""Closed deals per contact (the source of purchase stats) and each tenant's RFM state."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from bson import Decimal128
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from contacts.purchases.domain import Breakpoints, DealOutcome
from crm_shared.fields import from_bson
from crm_shared.ids import new_id, utcnow
from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.repository import Repository, Session
from crm_shared.mongo.scoped import Document

PURCHASES = "purchases"
RFM_STATE = "rfm_state"

PURCHASE_INDEXES = CollectionIndexes(
    PURCHASES,
    [
        # One row per deal x contact: upserts make redelivery and reopening safe.
        index(
            [("tenant_id", ASCENDING), ("deal_id", ASCENDING), ("contact_id", ASCENDING)],
            name="tenant_deal_contact_unique",
            unique=True,
        ),
        index([("tenant_id", 1), ("contact_id", 1)], name="tenant_contact"),
    ],
)


def _outcome(row: Document) -> DealOutcome:
    amount = row["amount"]
    return DealOutcome(
        won=row["outcome"] == "won",
        amount=amount.to_decimal() if isinstance(amount, Decimal128) else Decimal(amount),
        currency=row["currency"],
        closed_at=from_bson(row["closed_at"]),
    )


class PurchaseRepository(Repository):
    """Won and lost deals of one tenant's contacts."""

    collection_name = PURCHASES
    kind = "purchase"

    async def record(
        self,
        *,
        deal_id: str,
        contact_id: str,
        won: bool,
        amount: Decimal,
        currency: str,
        closed_at: datetime,
        session: AsyncClientSession,
    ) -> None:
        """Upsert the outcome of ``deal_id`` for ``contact_id`` (a later outcome replaces it)."""
        await self.items.collection.update_one(
            self.items.scope({"deal_id": deal_id, "contact_id": contact_id}),
            {
                "$set": {
                    "outcome": "won" if won else "lost",
                    "amount": Decimal128(amount),
                    "currency": currency,
                    "closed_at": closed_at,
                    "recorded_at": utcnow(),
                },
                "$setOnInsert": {"_id": new_id("pur")},
            },
            upsert=True,
            session=session,
        )

    async def remove_won(self, deal_id: str, *, session: AsyncClientSession) -> list[str]:
        """Drop the won rows of a reopened deal; returns the contacts they belonged to."""
        rows = await self.items.find(
            {"deal_id": deal_id, "outcome": "won"}, projection={"contact_id": 1}, session=session
        )
        if rows:
            await self.items.collection.delete_many(
                self.items.scope({"_id": {"$in": [r["_id"] for r in rows]}}), session=session
            )
        return [r["contact_id"] for r in rows]

    async def of_contact(self, contact_id: str, *, session: Session = None) -> list[DealOutcome]:
        """Every closed deal of a contact."""
        rows = await self.items.find({"contact_id": contact_id}, session=session)
        return [_outcome(r) for r in rows]

    async def move(self, source_id: str, target_id: str, *, session: AsyncClientSession) -> None:
        """Give the source contact's rows to the target (merge); a deal both share keeps
        the target's row."""
        mine = {
            r["deal_id"]
            for r in await self.items.find(
                {"contact_id": target_id}, projection={"deal_id": 1}, session=session
            )
        }
        theirs = await self.items.find(
            {"contact_id": source_id}, projection={"deal_id": 1}, session=session
        )
        shared = [r["_id"] for r in theirs if r["deal_id"] in mine]
        if shared:
            await self.items.collection.delete_many(
                self.items.scope({"_id": {"$in": shared}}), session=session
            )
        await self.items.collection.update_many(
            self.items.scope({"contact_id": source_id}),
            {"$set": {"contact_id": target_id}},
            session=session,
        )


class RfmStateRepository:
    """Per tenant: the current RFM breakpoints and whether stats changed since."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection = db[RFM_STATE]

    async def mark_dirty(self, tenant_id: str, *, session: AsyncClientSession) -> None:
        """Note that a customer's stats changed (the refresher re-ranks the tenant)."""
        await self.collection.update_one(
            {"_id": tenant_id},
            {"$set": {"tenant_id": tenant_id, "dirty": True, "dirty_at": utcnow()}},
            upsert=True,
            session=session,
        )

    async def breakpoints(
        self, tenant_id: str, *, session: Session = None
    ) -> tuple[Breakpoints | None, datetime | None]:
        """The tenant's stored breakpoints and when they were computed."""
        doc = await self.collection.find_one({"_id": tenant_id}, session=session)
        if not doc or "breakpoints" not in doc:
            return None, None
        raw: dict[str, Any] = doc["breakpoints"]
        bp = Breakpoints(
            customers=int(raw["customers"]),
            recency=tuple(raw["recency"]),
            frequency=tuple(raw["frequency"]),
            monetary=tuple(raw["monetary"]),
        )
        return bp, doc.get("computed_at")

    async def dirty(self, limit: int) -> list[tuple[str, datetime]]:
        """Tenants waiting to be re-ranked, oldest change first, and their change time."""
        cursor = self.collection.find({"dirty": True}, {"dirty_at": 1}).sort("dirty_at", 1)
        docs = await cursor.limit(limit).to_list(length=limit)
        return [(str(d["_id"]), d["dirty_at"]) for d in docs]

    async def save(
        self,
        tenant_id: str,
        bp: Breakpoints,
        *,
        seen_dirty_at: datetime | None,
        session: AsyncClientSession,
    ) -> None:
        """Store new breakpoints; clear the dirty mark unless stats changed meanwhile."""
        await self.collection.update_one(
            {"_id": tenant_id},
            {
                "$set": {
                    "tenant_id": tenant_id,
                    "computed_at": utcnow(),
                    "breakpoints": {
                        "customers": bp.customers,
                        "recency": list(bp.recency),
                        "frequency": list(bp.frequency),
                        "monetary": list(bp.monetary),
                    },
                }
            },
            upsert=True,
            session=session,
        )
        if seen_dirty_at is not None:
            await self.collection.update_one(
                {"_id": tenant_id, "dirty_at": seen_dirty_at},
                {"$set": {"dirty": False}},
                session=session,
            )
