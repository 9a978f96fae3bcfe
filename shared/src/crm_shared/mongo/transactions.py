"""Run a unit of work in one MongoDB transaction, retried on transient conflicts."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from pymongo import AsyncMongoClient, ReadPreference, WriteConcern
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.errors import ConnectionFailure, InvalidOperation, PyMongoError
from pymongo.read_concern import ReadConcern

T = TypeVar("T")
CONFLICT_RETRY_LIMIT_S = 120.0
"""How long write conflicts are retried (PyMongo's ``with_transaction`` limit)."""
_BACKOFF_INITIAL_S = 0.005
_BACKOFF_MAX_S = 0.5
ORPHAN_KILL_WINDOW_S = 60.0
"""How long a transaction cut off by a lost connection is tried to be ended: the server
drops it itself once idle for its transaction lifetime (60 s on MongoDB and SecantusDB)."""
_killers: set[asyncio.Task[None]] = set()


def _conflict(exc: BaseException) -> bool:
    """A transient conflict (``WriteConflict``) worth running the transaction again for.

    A network or server-selection error carries the same ``TransientTransactionError``
    label, but retrying it would hold the caller for two minutes while the database is
    away; it is raised at once instead (a 503 for a request; consumers retry it)."""
    return (
        isinstance(exc, PyMongoError)
        and exc.has_error_label("TransientTransactionError")
        and not isinstance(exc, ConnectionFailure)
    )


async def _kill_session(client: AsyncMongoClient[Any], session_id: Mapping[str, Any]) -> None:
    deadline = time.monotonic() + ORPHAN_KILL_WINDOW_S
    delay = 0.1
    while True:
        try:
            await client.admin.command("killSessions", [session_id])
            return
        except InvalidOperation:  # the client was closed
            return
        except PyMongoError:
            if time.monotonic() + delay > deadline:
                return
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


def _end_orphan(client: AsyncMongoClient[Any], session_id: Mapping[str, Any]) -> None:
    """End the session, once the server answers again, whose transaction a lost connection
    left open there: the server keeps it (and the locks of its writes, which make every
    retry touching the same documents conflict) until its transaction lifetime runs out,
    because the abort could not reach it."""
    task = asyncio.get_running_loop().create_task(_kill_session(client, session_id))
    _killers.add(task)
    task.add_done_callback(_killers.discard)


async def run_in_transaction(
    client: AsyncMongoClient[Any],
    work: Callable[[AsyncClientSession], Awaitable[T]],
    *,
    session: AsyncClientSession | None = None,
) -> T:
    """Run ``work(session)`` in a transaction and commit once, on ``session`` (one of
    ``client``'s, kept by the caller for the next transaction) or on a new session.

    The whole callback is run again on a transient conflict (WriteConflict happens even
    for disjoint inserts on the embedded server), with jittered backoff, so ``work`` must be
    safe to re-run: it only reads and writes through ``session``. Like PyMongo's
    ``with_transaction``, but an unreachable database fails at once rather than being
    retried for up to two minutes (a commit that fails that way has an unknown outcome),
    and the transaction it cut off is ended on the server once it answers again.
    """
    if session is None:
        async with client.start_session() as fresh:
            return await _transact(client, fresh, work)
    return await _transact(client, session, work)


async def _transact(
    client: AsyncMongoClient[Any],
    session: AsyncClientSession,
    work: Callable[[AsyncClientSession], Awaitable[T]],
) -> T:
    started = time.monotonic()
    attempt = 0
    while True:
        await session.start_transaction(
            read_concern=ReadConcern("snapshot"),
            write_concern=WriteConcern("majority"),
            read_preference=ReadPreference.PRIMARY,
        )
        try:
            result = await work(session)
            await session.commit_transaction()
        except BaseException as exc:
            if session.in_transaction:
                await session.abort_transaction()
            if isinstance(exc, ConnectionFailure):
                _end_orphan(client, session.session_id)
            if not _conflict(exc) or time.monotonic() - started >= CONFLICT_RETRY_LIMIT_S:
                raise
            attempt += 1
            await asyncio.sleep(
                random.random() * min(_BACKOFF_INITIAL_S * 1.5**attempt, _BACKOFF_MAX_S)
            )
            continue
        return result
