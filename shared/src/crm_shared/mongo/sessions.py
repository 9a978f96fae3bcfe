"""The sessions a process runs its transactions on: a fixed set, each kept for the next.

SecantusDB keeps a record of every session that ever ran a transaction and walks all of
them, under one lock, at every transaction statement (5.6 ms a transaction with a few
sessions, 12.7 ms after 200, 20.5 ms after 1,000, until it restarts). A session made per
transaction comes from the driver's pool, which plain reads grow to their peak
concurrency, so over time every pooled session ran a transaction. Running transactions
on a fixed set of explicit sessions, at most one transaction per session at a time, keeps
that record as small as the set. MongoDB does not mind either way.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import ConnectionFailure


class TransactionSessions:
    """At most ``size`` transactions at once, each on one of ``size`` kept sessions."""

    def __init__(self, client: AsyncMongoClient[Any], size: int) -> None:
        self._client = client
        self._slots = asyncio.Semaphore(size)
        self._idle: list[AsyncClientSession] = []

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncClientSession]:
        """A session for one transaction, waiting while ``size`` are in use. It is kept for
        the next one unless a lost connection or a cancellation left it in doubt."""
        async with self._slots:
            session = self._idle.pop() if self._idle else self._client.start_session()
            # a cancellation skips both: the session is dropped, its state being unknown
            try:
                yield session
            except ConnectionFailure:
                await _end_quietly(session)
                raise
            except Exception:
                self._keep(session)
                raise
            else:
                self._keep(session)

    def _keep(self, session: AsyncClientSession) -> None:
        if session.in_transaction or session.has_ended:
            return
        self._idle.append(session)

    async def close(self) -> None:
        """End the kept sessions (before the client closes)."""
        idle, self._idle = self._idle, []
        for session in idle:
            await _end_quietly(session)


async def _end_quietly(session: AsyncClientSession) -> None:
    with contextlib.suppress(Exception):
        await session.end_session()
