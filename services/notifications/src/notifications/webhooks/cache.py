"""A short-lived per-tenant cache of active webhook subscriptions.

Fan-out matches every event against its tenant's active subscriptions and the dispatcher
needs each delivery's URL and secret; reading them from MongoDB each time would cost a round
trip per event. Changes made through this instance invalidate its entry at once; other
instances see them within ``ttl_s``. A miss by id re-reads before concluding the
subscription is gone (it may have been created on another instance a moment ago).
"""

from __future__ import annotations

import asyncio
import time

from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.mongo.scoped import Document
from notifications.webhooks.repository import SubscriptionRepository


class SubscriptionCache:
    """Active subscriptions by tenant, re-read after ``ttl_s``."""

    def __init__(
        self, db: AsyncDatabase[Document], *, ttl_s: float, max_tenants: int = 10_000
    ) -> None:
        self._db = db
        self._ttl_s = ttl_s
        self._max_tenants = max_tenants
        self._entries: dict[str, tuple[float, dict[str, Document]]] = {}
        self._generation: dict[str, int] = {}
        self._loading: dict[str, asyncio.Future[dict[str, Document]]] = {}

    def invalidate(self, tenant_id: str) -> None:
        """Forget a tenant's subscriptions (call after changing one)."""
        self._entries.pop(tenant_id, None)
        self._generation[tenant_id] = self._generation.get(tenant_id, 0) + 1

    async def active(self, tenant_id: str) -> list[Document]:
        """The tenant's active subscriptions."""
        return list((await self._by_id(tenant_id)).values())

    async def get(self, tenant_id: str, sub_id: str) -> Document | None:
        """One active subscription, or None if it is inactive or gone (checked afresh)."""
        found = (await self._by_id(tenant_id)).get(sub_id)
        if found is None:
            self.invalidate(tenant_id)
            found = (await self._by_id(tenant_id)).get(sub_id)
        return found

    async def _by_id(self, tenant_id: str) -> dict[str, Document]:
        entry = self._entries.get(tenant_id)
        if entry is not None and entry[0] > time.monotonic():
            return entry[1]
        loading = self._loading.get(tenant_id)
        if loading is not None:  # one read per tenant at a time, whoever asks
            return await asyncio.shield(loading)
        future: asyncio.Future[dict[str, Document]] = asyncio.get_running_loop().create_future()
        self._loading[tenant_id] = future
        generation = self._generation.get(tenant_id, 0)
        try:
            docs = await SubscriptionRepository(self._db, tenant_id).active()
            by_id = {doc["_id"]: doc for doc in docs}
            future.set_result(by_id)
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # marked retrieved: only the waiters need it
            raise
        finally:
            del self._loading[tenant_id]
            if not future.done():  # cancelled while reading
                future.cancel()
        if generation == self._generation.get(tenant_id, 0):  # not changed while reading
            if len(self._entries) >= self._max_tenants:
                self._entries.clear()
            self._entries[tenant_id] = (time.monotonic() + self._ttl_s, by_id)
        return by_id
