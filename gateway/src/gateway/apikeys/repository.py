"""Storage of API keys: each key's record (its SHA-256, never the key), and the check of a
presented key. Revocation takes effect on the next request (the gateway caches a verified
key for ``KEY_CACHE_S`` at most).
"""

from __future__ import annotations

import time
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.errors import NotFound
from crm_shared.ids import new_id, utcnow
from crm_shared.mongo.indexes import CollectionIndexes, index
from gateway.apikeys.domain import KEY_PREFIX, shown_prefix
from gateway.auth.opaque_secrets import new_secret, secret_hash

Document = dict[str, Any]
API_KEYS = "api_keys"
KEY_CACHE_S = 5.0
API_KEY_INDEXES = CollectionIndexes(
    API_KEYS,
    [
        index([("hash", ASCENDING)], name="hash", unique=True),
        index([("tenant_id", ASCENDING), ("created_at", ASCENDING)], name="tenant_created"),
    ],
)


class ApiKeys:
    """Create, list, revoke and verify API keys."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.keys = db[API_KEYS]
        self._cache: dict[str, tuple[float, Document | None]] = {}

    async def create(
        self, *, tenant_id: str, name: str, scopes: list[str], created_by: str
    ) -> tuple[Document, str]:
        """Store a new key; returns its record and the key itself (shown this once)."""
        key = new_secret(KEY_PREFIX)
        doc: Document = {
            "_id": new_id("key"),
            "tenant_id": tenant_id,
            "name": name,
            "prefix": shown_prefix(key),
            "hash": secret_hash(key),
            "scopes": sorted(set(scopes)),
            "created_by": created_by,
            "created_at": utcnow(),
            "revoked_at": None,
        }
        await self.keys.insert_one(doc)
        return doc, key

    async def page(self, tenant_id: str, *, limit: int) -> list[Document]:
        """The tenant's keys, oldest first."""
        cursor = self.keys.find({"tenant_id": tenant_id}).sort("created_at", ASCENDING)
        return [doc async for doc in cursor.limit(limit)]

    async def revoke(self, tenant_id: str, key_id: str) -> Document:
        """Revoke one of the tenant's keys (idempotent)."""
        doc = await self.keys.find_one_and_update(
            {"_id": key_id, "tenant_id": tenant_id},
            {"$set": {"revoked_at": utcnow()}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise NotFound(f"no API key {key_id}")
        self._cache.clear()
        return doc

    async def verify(self, key: str) -> Document | None:
        """The live key record for ``key``, or None (unknown or revoked)."""
        digest = secret_hash(key)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None and now - cached[0] < KEY_CACHE_S:
            return cached[1]
        doc = await self.keys.find_one({"hash": digest, "revoked_at": None})
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[digest] = (now, doc)
        return doc
