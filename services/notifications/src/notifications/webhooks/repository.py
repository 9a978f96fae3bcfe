"""Webhook subscriptions of one tenant in MongoDB (the only module that stores them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.ids import new_id, utcnow
from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.listing import cursor_page
from crm_shared.mongo.pagination import SortKeys
from crm_shared.mongo.scoped import Document, TenantCollection

SUBSCRIPTIONS = "webhook_subscriptions"
SORT: SortKeys = (("created_at", ASCENDING), ("_id", ASCENDING))

INDEXES = [
    CollectionIndexes(
        SUBSCRIPTIONS,
        [
            index([("tenant_id", ASCENDING), *SORT], name="tenant_created"),
            index([("tenant_id", ASCENDING), ("owner_id", ASCENDING), *SORT], name="tenant_owner"),
            index([("tenant_id", ASCENDING), ("active", ASCENDING)], name="tenant_active"),
        ],
    )
]


def new_subscription(
    *,
    owner_id: str,
    url: str,
    event_types: list[str],
    description: str | None,
    active: bool,
    secret: str,
) -> Document:
    """A subscription document (tenant, version and timestamps are stamped on insert)."""
    return {
        "_id": new_id("whk"),
        "owner_id": owner_id,
        "url": url,
        "event_types": event_types,
        "description": description,
        "active": active,
        "secret": secret,
        "previous_secret": None,
        "previous_secret_until": None,
        "consecutive_failures": 0,
        "disabled_reason": None,
    }


class SubscriptionRepository:
    """Webhook subscriptions of one tenant."""

    def __init__(self, db: AsyncDatabase[Document], tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.subscriptions = TenantCollection(db[SUBSCRIPTIONS], tenant_id, "webhook")

    async def get(self, sub_id: str, *, session: AsyncClientSession | None = None) -> Document:
        """One subscription or NotFound."""
        return await self.subscriptions.get(sub_id, session=session)

    async def insert(self, doc: Document, *, session: AsyncClientSession | None = None) -> None:
        """Insert a new subscription."""
        await self.subscriptions.insert(doc, session=session)

    async def update(
        self,
        sub_id: str,
        version: int,
        fields: Mapping[str, Any],
        *,
        session: AsyncClientSession | None = None,
    ) -> Document:
        """Versioned ``$set`` (409 when the subscription changed meanwhile)."""
        return await self.subscriptions.update_versioned(
            sub_id, version, {"$set": dict(fields)}, session=session
        )

    async def delete(
        self, sub_id: str, version: int, *, session: AsyncClientSession | None = None
    ) -> Document:
        """Versioned delete."""
        return await self.subscriptions.delete_versioned(sub_id, version, session=session)

    async def active(self) -> list[Document]:
        """Every active subscription of the tenant (what fan-out matches events against)."""
        return await self.subscriptions.find({"active": True})

    async def page(
        self, *, owner_id: str | None, limit: int, cursor: str | None, query_fingerprint: str
    ) -> tuple[list[Document], str | None]:
        """A page of subscriptions (only ``owner_id``'s when given), oldest first."""
        return await cursor_page(
            self.subscriptions,
            {"owner_id": owner_id} if owner_id else {},
            SORT,
            limit=limit,
            cursor=cursor,
            query_fingerprint=query_fingerprint,
            windowed=False,
        )

    async def clear_failures(self, sub_ids: list[str], *, session: AsyncClientSession) -> None:
        """Deliveries succeeded: the failure run of these subscriptions starts again from 0
        (one write for a whole batch; subscriptions with no run are not touched)."""
        await self.subscriptions.collection.update_many(
            self.subscriptions.scope({"_id": {"$in": sub_ids}, "consecutive_failures": {"$gt": 0}}),
            {"$set": {"consecutive_failures": 0}},
            session=session,
        )

    async def count_failure(
        self, sub_id: str, *, disable_after: int, session: AsyncClientSession
    ) -> bool:
        """Add a failed delivery to the run; at ``disable_after`` switch the subscription off.
        Returns True when this failure switched it off."""
        doc = await self.subscriptions.collection.find_one_and_update(
            self.subscriptions.scope({"_id": sub_id}),
            {"$inc": {"consecutive_failures": 1}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if doc is None or not doc["active"] or doc["consecutive_failures"] < disable_after:
            return False
        reason = f"switched off after {doc['consecutive_failures']} failed deliveries in a row"
        await self.subscriptions.collection.update_one(
            self.subscriptions.scope({"_id": sub_id}),
            {
                "$set": {"active": False, "disabled_reason": reason, "updated_at": utcnow()},
                "$inc": {"version": 1},
            },
            session=session,
        )
        return True
