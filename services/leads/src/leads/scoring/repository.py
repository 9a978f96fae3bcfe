"""The tenant's lead configuration in MongoDB: scoring rules (and their version), round-robin
owners, auto-assignment and the round-robin counter, one document per tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.mongo.repository import Repository, Session
from crm_shared.mongo.scoped import Document

TENANT_CONFIG = "tenant_config"


class ConfigRepository(Repository):
    """The lead configuration document of one tenant (``_id`` is the tenant id)."""

    collection_name = TENANT_CONFIG
    kind = "lead configuration"

    async def config(self, *, session: Session = None) -> Document:
        """The tenant's lead configuration document (empty when never set)."""
        doc = await self.items.collection.find_one({"_id": self.tenant_id}, session=session)
        return doc or {}

    async def set_config(
        self,
        fields: Mapping[str, Any],
        *,
        inc_scoring: bool = False,
        session: AsyncClientSession,
    ) -> Document:
        """Set configuration fields; ``inc_scoring`` bumps the scoring version."""
        update: Document = {"$set": {**fields, "tenant_id": self.tenant_id}}
        if inc_scoring:
            update["$inc"] = {"scoring_version": 1}
        doc = await self.items.collection.find_one_and_update(
            {"_id": self.tenant_id},
            update,
            upsert=True,
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        assert doc is not None
        return doc

    async def next_round_robin(self, *, session: AsyncClientSession) -> int:
        """Atomically take the next round-robin counter value."""
        doc = await self.items.collection.find_one_and_update(
            {"_id": self.tenant_id},
            {"$inc": {"rr_counter": 1}, "$set": {"tenant_id": self.tenant_id}},
            upsert=True,
            return_document=ReturnDocument.BEFORE,
            session=session,
        )
        return int((doc or {}).get("rr_counter", 0))


async def rescored_tenants(db: AsyncDatabase[Document]) -> AsyncIterator[str]:
    """Every tenant that ever changed its scoring rules (its leads may still be stale)."""
    async for cfg in db[TENANT_CONFIG].find({"scoring_version": {"$gt": 0}}, {"_id": 1}):
        yield str(cfg["_id"])
