"""Storage of API keys: each key's record (its SHA-256, never the key), and the check of a
presented key. Revocation takes effect on the next request (the gateway caches a verified
key for ``KEY_CACHE_S`` at most).

One tenant's keys are an :class:`ApiKeyRepository` (on the shared repository base, so every
query is scoped to the tenant); a presented key is checked before any tenant is known,
through :class:`ApiKeys`.
"""

from __future__ import annotations

import time

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.errors import NotFound
from crm_shared.ids import new_id, utcnow
from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.repository import Repository
from crm_shared.mongo.scoped import Document
from gateway.apikeys.domain import KEY_PREFIX, shown_prefix
from gateway.auth.opaque_secrets import new_secret, secret_hash

API_KEYS = "api_keys"
KEY_CACHE_S = 5.0
API_KEY_INDEXES = CollectionIndexes(
    API_KEYS,
    [
        index([("hash", ASCENDING)], name="hash", unique=True),
        index([("tenant_id", ASCENDING), ("created_at", ASCENDING)], name="tenant_created"),
    ],
)


class ApiKeyRepository(Repository):
    """One tenant's API keys."""

    collection_name = API_KEYS
    kind = "API key"

    async def create(
        self, *, name: str, scopes: list[str], created_by: str
    ) -> tuple[Document, str]:
        """Store a new key; returns its record and the key itself (shown this once). The
        record is inserted as it is: keys are never edited, so they carry no version."""
        key = new_secret(KEY_PREFIX)
        doc: Document = {
            "_id": new_id("key"),
            "tenant_id": self.tenant_id,
            "name": name,
            "prefix": shown_prefix(key),
            "hash": secret_hash(key),
            "scopes": sorted(set(scopes)),
            "created_by": created_by,
            "created_at": utcnow(),
            "revoked_at": None,
        }
        await self.items.collection.insert_one(doc)
        return doc, key

    async def oldest_first(self, *, limit: int) -> list[Document]:
        """The tenant's keys, oldest first."""
        return await self.items.find({}, sort=[("created_at", ASCENDING)], limit=limit)

    async def revoke(self, id_: str) -> Document:
        """Revoke one of the tenant's keys (idempotent)."""
        doc = await self.items.collection.find_one_and_update(
            self.items.scope({"_id": id_}),
            {"$set": {"revoked_at": utcnow()}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise NotFound(f"no API key {id_}")
        return doc


class ApiKeys:
    """Every tenant's API keys: the check of a presented key (cached briefly), and each
    tenant's :class:`ApiKeyRepository`."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.db = db
        self.keys = db[API_KEYS]
        self._cache: dict[str, tuple[float, Document | None]] = {}

    def of(self, tenant_id: str) -> ApiKeyRepository:
        """The API keys of ``tenant_id``."""
        return ApiKeyRepository(self.db, tenant_id)

    def forget_verified(self) -> None:
        """Drop the cached checks (after a revocation, so it takes effect at once here)."""
        self._cache.clear()

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
