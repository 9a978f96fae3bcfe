"""Where each newest-first list's first page ended when it was last read.

The embedded server fetches every document of an index range before it sorts, so a page
costs what the ranges it is read through hold. Read from "now" back, the time windows
must first cross the gap in front of the newest match, and the window that crosses it
can hold thousands (a burst imported a minute before). A :class:`Landmark` is the sort
key of the last item of a first page and the time it was read; the next first page of
the same query reads what arrived since, the stretch down to the landmark and the
landmark's tie from its id up: about a page (see ``crm_shared.mongo.windowed``).
Landmarks only place the ranges; what a page holds never depends on them, so one that
is old, or saved by another instance, only costs a few more ranges.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.mongo.indexes import CollectionIndexes, Expiry, index
from crm_shared.mongo.scoped import TenantCollection

CAPACITY = 4096
COLLECTION = "list_landmarks"
SAVE_EVERY = timedelta(minutes=10)
KEEP_UNUSED = timedelta(days=30)
"""A saved landmark not saved again for this long is pruned (ad-hoc searches)."""
LANDMARK_INDEXES = CollectionIndexes(
    COLLECTION,
    [index([("saved_at", 1)], name="saved_at")],
    expire=Expiry("saved_at", KEEP_UNUSED),
    retired=("expires",),
)


@dataclass(frozen=True)
class Landmark:
    """The last item of a first page: its time-field ``value`` and ``id``, read at
    ``seen_at``."""

    value: datetime
    id: Any
    seen_at: datetime


class Landmarks:
    """A bounded map of landmarks that forgets the least recently used first, backed by
    the service database (``list_landmarks``) so a restarted or another instance starts
    from them too. A key is read from the database once per process; a landmark is
    saved when first made here and then at most every ``SAVE_EVERY``."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, tuple[Landmark | None, datetime | None]] = OrderedDict()
        """Key -> (landmark or None when none is known, when it was last saved)."""

    def get(self, key: str) -> Landmark | None:
        """The landmark this process holds under ``key``, if any."""
        found = self._items.get(key)
        if found is None:
            return None
        self._items.move_to_end(key)
        return found[0]

    def put(self, key: str, landmark: Landmark | None, saved_at: datetime | None = None) -> None:
        """Hold ``landmark`` under ``key``, forgetting the oldest beyond the capacity."""
        self._items[key] = (landmark, saved_at)
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    async def recall(self, db: AsyncDatabase[Any], key: str) -> Landmark | None:
        """The landmark of ``key``: this process's, else the database's (read once)."""
        if key in self._items:
            return self.get(key)
        doc = await db[COLLECTION].find_one({"_id": _digest(key)})
        landmark = Landmark(doc["value"], doc["id"], doc["seen_at"]) if doc else None
        self.put(key, landmark, doc["saved_at"] if doc else None)
        return landmark

    async def keep(self, db: AsyncDatabase[Any], key: str, landmark: Landmark) -> None:
        """Hold ``landmark`` under ``key``; save it unless it was saved lately."""
        _, saved_at = self._items.get(key, (None, None))
        due = saved_at is None or landmark.seen_at - saved_at >= SAVE_EVERY
        self.put(key, landmark, landmark.seen_at if due else saved_at)
        if due:
            await db[COLLECTION].update_one(
                {"_id": _digest(key)},
                {
                    "$set": {
                        "value": landmark.value,
                        "id": landmark.id,
                        "seen_at": landmark.seen_at,
                        "saved_at": landmark.seen_at,
                    }
                },
                upsert=True,
            )

    def clear(self) -> None:
        """Forget every landmark this process holds."""
        self._items.clear()


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


LANDMARKS = Landmarks()


def landmark_key(collection: TenantCollection, query: Mapping[str, Any], field: str) -> str:
    """The key of one tenant's newest-first list of ``query`` by ``field``."""
    scope = [collection.collection.full_name, collection.tenant_id, field, query]
    return json.dumps(scope, sort_keys=True, default=str)
