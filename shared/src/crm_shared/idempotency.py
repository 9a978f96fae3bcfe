"""Idempotency keys of create requests: the first response is stored and replayed.

The record is written in the create's own transaction, so a retried request either finds
the stored response (same body: replayed; another body: 422) or creates exactly once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.errors import Unprocessable
from crm_shared.ids import utcnow
from crm_shared.mongo.indexes import CollectionIndexes, index

IDEMPOTENCY_COLLECTION = "idempotency"

IDEMPOTENCY_INDEXES = CollectionIndexes(
    IDEMPOTENCY_COLLECTION,
    [
        index(
            [("created_at", ASCENDING)],
            name="idempotency_ttl",
            expireAfterSeconds=86_400,
        )
    ],
)


def request_fingerprint(body: Mapping[str, Any]) -> str:
    """Hash of a request body, to refuse an Idempotency-Key reused for another body."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


class IdempotencyStore:
    """Stored create responses of one tenant, by ``Idempotency-Key``."""

    def __init__(self, db: AsyncDatabase[Any], tenant_id: str) -> None:
        self.collection = db[IDEMPOTENCY_COLLECTION]
        self.tenant_id = tenant_id

    async def replay(
        self, key: str, fingerprint: str, *, session: AsyncClientSession
    ) -> dict[str, Any] | None:
        """The stored response for ``key``; 422 when the key was used with another body."""
        stored = await self.collection.find_one({"_id": f"{self.tenant_id}:{key}"}, session=session)
        if stored is None:
            return None
        if stored["fingerprint"] != fingerprint:
            raise Unprocessable("this Idempotency-Key was used with another body")
        response: dict[str, Any] = stored["response"]
        return response

    async def remember(
        self,
        key: str,
        fingerprint: str,
        response: Mapping[str, Any],
        *,
        session: AsyncClientSession,
    ) -> None:
        """Store the response of a create under ``key``, in the create's transaction."""
        await self.collection.insert_one(
            {
                "_id": f"{self.tenant_id}:{key}",
                "fingerprint": fingerprint,
                "response": dict(response),
                "created_at": utcnow(),
            },
            session=session,
        )
