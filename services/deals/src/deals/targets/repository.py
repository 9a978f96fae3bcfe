"""Sales targets of one tenant in MongoDB: an amount per owner and period."""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal

from bson import Decimal128
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession

from crm_shared.ids import utcnow
from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.pagination import SortKeys
from crm_shared.mongo.repository import ListFilter, Repository
from crm_shared.mongo.scoped import Document

TARGETS = "sales_targets"
TARGET_SORT: SortKeys = (("period", ASCENDING), ("owner_id", ASCENDING), ("_id", ASCENDING))

INDEXES = [
    CollectionIndexes(TARGETS, [index([("tenant_id", 1), *TARGET_SORT], name="tenant_period")]),
]


class TargetRepository(Repository):
    """Sales targets of one tenant: an amount per owner and period (month or quarter).
    Targets are settings, not versioned aggregates: a put replaces the amount."""

    collection_name = TARGETS
    kind = "target"

    def target_id(self, owner_id: str, period: str) -> str:
        """The id of one owner's target for one period."""
        return json.dumps([self.tenant_id, owner_id, period], separators=(",", ":"))

    async def put(
        self,
        owner_id: str,
        period: str,
        amount: Decimal,
        currency: str,
        *,
        session: AsyncClientSession,
    ) -> Document:
        """Set (create or replace) a target."""
        now = utcnow()
        fields = {"amount": Decimal128(amount), "currency": currency, "updated_at": now}
        await self.items.collection.update_one(
            {"_id": self.target_id(owner_id, period), "tenant_id": self.tenant_id},
            {
                "$set": fields,
                "$setOnInsert": {"owner_id": owner_id, "period": period, "created_at": now},
            },
            upsert=True,
            session=session,
        )
        return await self.get(self.target_id(owner_id, period), session=session)

    async def remove(self, owner_id: str, period: str, *, session: AsyncClientSession) -> bool:
        """Remove a target; False when there was none."""
        result = await self.items.collection.delete_one(
            self.items.scope({"_id": self.target_id(owner_id, period)}), session=session
        )
        return result.deleted_count == 1

    async def by_period(
        self, owner_id: str | None, *, limit: int, cursor: str | None, query_fingerprint: str
    ) -> tuple[list[Document], str | None]:
        """A page of targets (one owner's when given) by period, then owner."""
        return await self.page(
            ListFilter({"owner_id": owner_id}),
            TARGET_SORT,
            limit=limit,
            cursor=cursor,
            query_fingerprint=query_fingerprint,
            windowed=False,
        )

    async def in_periods(self, periods: Sequence[str], owner_id: str | None) -> list[Document]:
        """Targets of the given periods (one owner's when given)."""
        query: Document = {"period": {"$in": list(periods)}}
        if owner_id is not None:
            query["owner_id"] = owner_id
        return await self.items.find(query, sort=TARGET_SORT)
