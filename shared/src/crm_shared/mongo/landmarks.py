"""Where each newest-first list's first page ended when it was last read (per process).

The embedded server fetches every document of an index range before it sorts, so a page
costs what the ranges it is read through hold. Read from "now" back, the time windows
must first cross the gap in front of the newest match, and the window that crosses it
can hold thousands (a burst imported a minute before). A :class:`Landmark` is the sort
key of the last item of a first page and the time it was read; the next first page of
the same query reads what arrived since, the stretch down to the landmark and the
landmark's tie from its id up: about a page (see ``crm_shared.mongo.windowed``).
Landmarks only place the ranges; what a page holds never depends on them.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_shared.mongo.scoped import TenantCollection

CAPACITY = 4096


@dataclass(frozen=True)
class Landmark:
    """The last item of a first page: its time-field ``value`` and ``id``, read at
    ``seen_at``."""

    value: datetime
    id: Any
    seen_at: datetime


class Landmarks:
    """A bounded map of landmarks that forgets the least recently used first."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, Landmark] = OrderedDict()

    def get(self, key: str) -> Landmark | None:
        """The landmark stored under ``key``, if any."""
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, key: str, landmark: Landmark) -> None:
        """Store ``landmark`` under ``key``, forgetting the oldest beyond the capacity."""
        self._items[key] = landmark
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def clear(self) -> None:
        """Forget every landmark."""
        self._items.clear()


LANDMARKS = Landmarks()


def landmark_key(collection: TenantCollection, query: Mapping[str, Any], field: str) -> str:
    """The key of one tenant's newest-first list of ``query`` by ``field``."""
    scope = [collection.collection.full_name, collection.tenant_id, field, query]
    return json.dumps(scope, sort_keys=True, default=str)
