"""A short-lived per-tenant cache of active webhook subscriptions.

Fan-out matches every event against its tenant's active subscriptions and the dispatcher
needs each delivery's URL and secret; reading them from MongoDB each time would cost a round
trip per event. Changes made through this instance invalidate its entry at once; other
instances see them within ``ttl_s``. A miss by id re-reads before concluding the
subscription is gone (it may have been created on another instance a moment ago).
"""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.cache import TenantCache
from crm_shared.mongo.scoped import Document
from notifications.webhooks.repository import SubscriptionRepository


class SubscriptionCache:
    """Active subscriptions by tenant, re-read after ``ttl_s``."""

    def __init__(
        self, db: AsyncDatabase[Document], *, ttl_s: float, max_tenants: int = 10_000
    ) -> None:
        async def load(tenant_id: str) -> dict[str, Document]:
            docs = await SubscriptionRepository(db, tenant_id).active()
            return {doc["_id"]: doc for doc in docs}

        self._cache = TenantCache(load, ttl_s=ttl_s, max_tenants=max_tenants)

    def invalidate(self, tenant_id: str) -> None:
        """Forget a tenant's subscriptions (call after changing one)."""
        self._cache.invalidate(tenant_id)

    async def active(self, tenant_id: str) -> list[Document]:
        """The tenant's active subscriptions."""
        return list((await self._cache.get(tenant_id)).values())

    async def get(self, tenant_id: str, sub_id: str) -> Document | None:
        """One active subscription, or None if it is inactive or gone (checked afresh)."""
        found = (await self._cache.get(tenant_id)).get(sub_id)
        if found is None:
            self.invalidate(tenant_id)
            found = (await self._cache.get(tenant_id)).get(sub_id)
        return found
