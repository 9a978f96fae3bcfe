"""Import job claims against the real MongoDB: a tenant runs one import of a kind at a
time across instances, others' jobs are not held up, and an expired claim is taken over."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from crm_devstack.testing import Backend, unique_name
from crm_shared.access import Scope
from crm_shared.auth import Access, Principal
from crm_shared.import_jobs.store import IMPORT_JOB_INDEXES, ImportJobStore
from crm_shared.mongo.client import make_client
from crm_shared.mongo.indexes import ensure_indexes
from crm_shared.settings import ServiceSettings

Document = dict[str, Any]
LEASE = timedelta(seconds=60)


@pytest.fixture
async def db(backend: Backend) -> AsyncIterator[AsyncDatabase[Document]]:
    """A fresh database with the import jobs' indexes."""
    client: AsyncMongoClient[Document] = make_client(ServiceSettings(mongo_url=backend.mongo_url))
    try:
        database = client[unique_name("t_jobs_")]
        await ensure_indexes(database, IMPORT_JOB_INDEXES)
        yield database
    finally:
        await client.close()


def _access(tenant: str) -> Access:
    principal = Principal(sub="user_a", tenant_id=tenant, roles=frozenset({"admin"}))
    return Access(principal=principal, scope=Scope.ALL)


async def _file(text: str) -> AsyncIterator[bytes]:
    yield text.encode()


async def test_one_running_import_per_tenant_across_instances(
    db: AsyncDatabase[Document],
) -> None:
    store = ImportJobStore(db)
    first = await store.submit("leads", _access("tenant_a"), _file("a\n1\n"), options={})
    second = await store.submit("leads", _access("tenant_a"), _file("a\n2\n"), options={})
    other = await store.submit("leads", _access("tenant_b"), _file("a\n3\n"), options={})

    claimed = await store.claim(["leads"], "instance-1", LEASE, skip=set())
    assert claimed is not None and claimed["_id"] == first["_id"]
    # another instance: tenant_a's second job waits, tenant_b's is taken
    taken = await store.claim(["leads"], "instance-2", LEASE, skip=set())
    assert taken is not None and taken["_id"] == other["_id"]
    assert await store.claim(["leads"], "instance-3", LEASE, skip=set()) is None

    # the first instance dies: once its claim expires another instance takes it over
    await db["import_jobs"].update_one(
        {"_id": first["_id"]}, {"$set": {"claim_until": claimed["claim_until"] - LEASE * 2}}
    )
    resumed = await store.claim(["leads"], "instance-3", LEASE, skip=set())
    assert resumed is not None and resumed["_id"] == first["_id"]
    assert resumed["claimed_by"] == "instance-3"
    assert resumed["started_at"] == claimed["started_at"]
    queued = await store.get("tenant_a", second["_id"])
    assert queued is not None and queued["status"] == "queued"
