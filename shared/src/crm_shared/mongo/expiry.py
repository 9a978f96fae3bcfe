"""Expiry of old documents (inbox keys, idempotency records, delivery logs, ...) by a
pruner instead of TTL indexes.

A TTL index would be the MongoDB way, but the embedded server's TTL sweep reads every
document of every TTL collection once a minute while it holds its storage lock (with
20,000 small documents in one TTL collection, other commands waited up to half a second
each minute), and the inbox grows with every event consumed. The pruner deletes by a
range on an ordinary index (``field < now - after``), so each pass reads only what expired
since the last one. Several instances may prune the same collection; a pass that finds
nothing costs one command per collection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from crm_shared.ids import utcnow
from crm_shared.mongo.indexes import CollectionIndexes

log = logging.getLogger(__name__)


class ExpiryPruner:
    """Deletes the expired documents of the declared collections every ``interval_s``."""

    def __init__(
        self, db: AsyncDatabase[Any], declared: Sequence[CollectionIndexes], interval_s: float
    ) -> None:
        self._db = db
        self._expiring = [(s.collection, s.expire) for s in declared if s.expire is not None]
        self._interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    async def prune(self, now: datetime | None = None) -> int:
        """One pass over every declared collection; how many documents it deleted."""
        now = now or utcnow()
        deleted = 0
        for collection, expire in self._expiring:
            cutoff = now - expire.after
            result = await self._db[collection].delete_many({expire.field: {"$lt": cutoff}})
            deleted += result.deleted_count
        return deleted

    def start(self) -> None:
        """Prune in the background (when anything expires)."""
        if self._expiring and self._task is None:
            self._task = asyncio.create_task(self._loop(), name="expiry-pruner")

    async def stop(self) -> None:
        """Stop pruning."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self._interval_s)
            try:
                await self.prune()
            except PyMongoError as exc:
                log.warning("expiry pruner: %s (next pass in %.0f s)", exc, self._interval_s)
