"""The unit of work against the real MongoDB: follow-ups run once the commit is visible."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from functools import partial
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from crm_devstack.testing import Backend, unique_name
from crm_shared.mongo.client import make_client
from crm_shared.settings import ServiceSettings
from crm_shared.uow import Tx, UnitOfWork

Document = dict[str, Any]


@pytest.fixture
async def uow(backend: Backend) -> AsyncIterator[UnitOfWork]:
    """A unit of work on a fresh database."""
    settings = ServiceSettings(mongo_url=backend.mongo_url)
    client: AsyncMongoClient[Document] = make_client(settings)
    try:
        yield UnitOfWork(client, client[unique_name("t_uow_")], settings)
    finally:
        await client.close()


async def test_a_follow_up_sees_its_transaction_committed(uow: UnitOfWork) -> None:
    seen: list[Document | None] = []

    async def look() -> None:
        # a read outside the transaction: only a committed write is visible to it
        seen.append(await uow.db["items"].find_one({"_id": "a"}))

    async def work(tx: Tx) -> None:
        await tx.db["items"].insert_one({"_id": "a"}, session=tx.session)
        tx.then(look)
        assert seen == []

    await uow.run(work)
    assert seen == [{"_id": "a"}]


async def test_no_follow_up_when_the_transaction_rolls_back(uow: UnitOfWork) -> None:
    ran: list[str] = []

    async def follow_up() -> None:
        ran.append("ran")

    async def work(tx: Tx) -> None:
        await tx.db["items"].insert_one({"_id": "b"}, session=tx.session)
        tx.then(follow_up)
        raise LookupError("the work failed")

    with pytest.raises(LookupError):
        await uow.run(work)
    assert ran == []
    assert await uow.db["items"].find_one({"_id": "b"}) is None


async def test_transactions_beyond_the_limit_wait_their_turn_on_kept_sessions(
    backend: Backend,
) -> None:
    settings = ServiceSettings(mongo_url=backend.mongo_url, mongo_transactions_in_flight=2)
    client: AsyncMongoClient[Document] = make_client(settings)
    uow = UnitOfWork(client, client[unique_name("t_uow_")], settings)
    open_now, most = 0, 0
    sessions: set[bytes] = set()

    async def work(tx: Tx, *, fail: bool = False) -> None:
        nonlocal open_now, most
        open_now += 1
        most = max(most, open_now)
        sessions.add(bytes(tx.session.session_id["id"]))
        try:
            await tx.db["items"].find_one({}, session=tx.session)
            await asyncio.sleep(0.01)  # hold the transaction open across a switch
            if fail:
                raise LookupError("the work failed")
        finally:
            open_now -= 1

    async def failing() -> None:
        with pytest.raises(LookupError):
            await uow.run(partial(work, fail=True))

    async def transactions() -> None:
        await asyncio.gather(*(uow.run(work) for _ in range(12)), failing(), failing())
        await asyncio.gather(*(uow.run(work) for _ in range(6)))

    async def reading(done: asyncio.Task[None]) -> None:
        while not done.done():
            await asyncio.gather(*(uow.db["items"].find_one({}) for _ in range(20)))

    # plain reads all along keep taking and returning the driver's pooled sessions; the
    # transactions stay on their two
    try:
        running = asyncio.create_task(transactions())
        await asyncio.gather(running, reading(running))
        await uow.close()
    finally:
        await client.close()
    assert most == 2
    assert len(sessions) == 2
