"""Run a unit of work in one MongoDB transaction, retried on transient conflicts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pymongo import AsyncMongoClient, ReadPreference, WriteConcern
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.read_concern import ReadConcern

T = TypeVar("T")


async def run_in_transaction(
    client: AsyncMongoClient[Any], work: Callable[[AsyncClientSession], Awaitable[T]]
) -> T:
    """Run ``work(session)`` in a transaction and commit once.

    ``with_transaction`` retries the whole callback on ``TransientTransactionError``
    (WriteConflict happens even for disjoint inserts on the embedded server) and the
    commit on ``UnknownTransactionCommitResult``, so ``work`` must be safe to re-run:
    it only reads and writes through ``session``.
    """
    async with client.start_session() as session:
        return await session.with_transaction(
            work,
            read_concern=ReadConcern("snapshot"),
            write_concern=WriteConcern("majority"),
            read_preference=ReadPreference.PRIMARY,
        )
