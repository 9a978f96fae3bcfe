"""Expiry by the pruner against the real MongoDB: old documents go, the rest stay, and the
TTL indexes of earlier versions are dropped at start-up."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from pymongo import ASCENDING, AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from crm_devstack.testing import Backend, unique_name
from crm_shared.ids import utcnow
from crm_shared.inbox import INBOX_COLLECTION, INBOX_INDEXES, INBOX_RETENTION
from crm_shared.mongo.client import make_client
from crm_shared.mongo.expiry import ExpiryPruner
from crm_shared.mongo.indexes import CollectionIndexes, Expiry, ensure_indexes, index
from crm_shared.settings import ServiceSettings

Document = dict[str, Any]


@pytest.fixture
async def db(backend: Backend) -> AsyncIterator[AsyncDatabase[Document]]:
    """A fresh database."""
    client: AsyncMongoClient[Document] = make_client(ServiceSettings(mongo_url=backend.mongo_url))
    try:
        yield client[unique_name("t_expiry_")]
    finally:
        await client.close()


async def test_the_pruner_deletes_what_expired_and_keeps_the_rest(
    db: AsyncDatabase[Document],
) -> None:
    await ensure_indexes(db, [INBOX_INDEXES])
    now = utcnow()
    old = now - INBOX_RETENTION - timedelta(minutes=1)
    recent = now - INBOX_RETENTION + timedelta(minutes=1)
    await db[INBOX_COLLECTION].insert_many(
        [
            {"_id": "g:old-1", "received_at": old},
            {"_id": "g:old-2", "received_at": old - timedelta(days=3)},
            {"_id": "g:recent", "received_at": recent},
            {"_id": "g:undated"},
        ]
    )
    # the pruner's range reads the expired keys through the index, not the collection
    cutoff = {"received_at": {"$lt": now - INBOX_RETENTION}}
    plan = await db.command(
        "explain", {"find": INBOX_COLLECTION, "filter": cutoff}, verbosity="executionStats"
    )
    assert plan["executionStats"]["totalDocsExamined"] == 2, plan
    assert '"indexName": "received"' in json.dumps(plan["queryPlanner"]["winningPlan"]), plan
    pruner = ExpiryPruner(db, [INBOX_INDEXES], interval_s=300)
    assert await pruner.prune(now) == 2
    left = sorted([d["_id"] async for d in db[INBOX_COLLECTION].find({}, {"_id": 1})])
    assert left == ["g:recent", "g:undated"]
    assert await pruner.prune(now) == 0


async def test_an_expiry_at_a_date_field_deletes_once_the_date_passed(
    db: AsyncDatabase[Document],
) -> None:
    declared = CollectionIndexes(
        "sessions", [index([("expires_at", ASCENDING)], name="expires_at")], Expiry("expires_at")
    )
    await ensure_indexes(db, [declared])
    now = utcnow()
    await db["sessions"].insert_many(
        [
            {"_id": "gone", "expires_at": now - timedelta(seconds=1)},
            {"_id": "kept", "expires_at": now + timedelta(seconds=60)},
        ]
    )
    assert await ExpiryPruner(db, [declared], interval_s=300).prune(now) == 1
    assert [d["_id"] async for d in db["sessions"].find({})] == ["kept"]


async def test_start_up_drops_the_ttl_index_of_earlier_versions(
    db: AsyncDatabase[Document],
) -> None:
    await db[INBOX_COLLECTION].create_index(
        [("received_at", ASCENDING)], name="inbox_ttl", expireAfterSeconds=1_209_600
    )
    await ensure_indexes(db, [INBOX_INDEXES])
    await ensure_indexes(db, [INBOX_INDEXES])  # again: nothing left to drop
    indexes = {ix["name"]: ix async for ix in await db[INBOX_COLLECTION].list_indexes()}
    assert "inbox_ttl" not in indexes
    assert "expireAfterSeconds" not in indexes["received"]
