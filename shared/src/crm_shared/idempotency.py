"""Idempotency keys of create requests: the first response is stored and replayed.

The record is written in the create's own transaction, so a retried request either finds
the stored response (same body: replayed; another body: 422) or creates exactly once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from crm_shared.errors import Conflict, Unprocessable
from crm_shared.ids import utcnow
from crm_shared.mongo.indexes import CollectionIndexes, Expiry, index
from crm_shared.uow import Tx, UnitOfWork

IDEMPOTENCY_COLLECTION = "idempotency"

IDEMPOTENCY_INDEXES = CollectionIndexes(
    IDEMPOTENCY_COLLECTION,
    [index([("created_at", ASCENDING)], name="created")],
    expire=Expiry("created_at", timedelta(days=1)),
    retired=("idempotency_ttl",),
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


IN_PROGRESS = "a request with this Idempotency-Key is in progress"


async def create_once(
    uow: UnitOfWork,
    tenant_id: str,
    body: Mapping[str, Any],
    work: Callable[[Tx], Awaitable[dict[str, Any]]],
    *,
    idempotency_key: str | None,
    on_duplicate: Callable[[], Awaitable[Exception | None]] | None = None,
) -> tuple[dict[str, Any], bool]:
    """Run ``work`` (insert + emit, returning the response body) in one unit of work and
    store its response under the Idempotency-Key; a retry with the same key and body gets
    the stored response. Returns (response body, replayed).

    A duplicate key raised by the transaction is a 409: ``on_duplicate`` may name the
    clash (a taken e-mail); otherwise the same key is still in flight."""
    keys = IdempotencyStore(uow.db, tenant_id)
    fingerprint = request_fingerprint(body)

    async def run(tx: Tx) -> tuple[dict[str, Any], bool]:
        if idempotency_key:
            stored = await keys.replay(idempotency_key, fingerprint, session=tx.session)
            if stored is not None:
                return stored, True
        response = await work(tx)
        if idempotency_key:
            await keys.remember(idempotency_key, fingerprint, response, session=tx.session)
        return response, False

    try:
        return await uow.run(run)
    except DuplicateKeyError as exc:
        named = await on_duplicate() if on_duplicate is not None else None
        raise (named or Conflict(IN_PROGRESS)) from exc
