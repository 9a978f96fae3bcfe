"""Newest-first pages read through growing time windows (for servers that sort late).

MongoDB serves ``find(eq).sort(created_at desc).limit(n)`` straight from a compound
index. The embedded MongoDB-wire server fetches *every* match of the equality prefix
before sorting (1.8 s for a page of 50 out of 50k matches), while a narrow range on the
same index costs milliseconds. So this reads the same keyset page exactly, but as a
series of ranges ``[lower, previous lower)``, newest first, stopping as soon as the page
is full: empty ranges double the next one, ranges that held documents size the next from
their density. The result is identical to the direct
query; only the cost profile differs (a few cheap empty ranges for sparse data).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from crm_shared.mongo.filters import merge_filters
from crm_shared.mongo.scoped import Document, TenantCollection

FIRST_WINDOW = timedelta(seconds=0.25)
GROWTH = 2
HORIZON = timedelta(days=365 * 50)
TARGET_FETCH = 2
"""Aim each window at about this many times the documents still needed."""


async def newest_first_page(
    collection: TenantCollection,
    query: Mapping[str, Any],
    *,
    field: str,
    limit: int,
    after: tuple[datetime, str] | None,
    now: datetime,
    accept: Callable[[Document], bool] | None = None,
) -> list[Document]:
    """Up to ``limit`` documents matching ``query`` (and ``accept``), by ``field`` desc, _id desc.

    ``after`` is the (field value, _id) of the previous page's last item. Empty windows
    double the next one; a window that held documents sizes the next from their density.
    """
    sort = [(field, -1), ("_id", -1)]
    found: list[Document] = []

    async def fetch(bounds: Mapping[str, Any]) -> int:
        docs = await collection.find(
            merge_filters(query, bounds), sort=sort, limit=0 if accept else limit - len(found)
        )
        found.extend(doc for doc in docs if accept is None or accept(doc))
        return len(docs)

    if after is not None:  # the rest of the tie on ``field``, then strictly older
        await fetch({field: after[0], "_id": {"$lt": after[1]}})
    upper = after[0] if after is not None else None
    step = FIRST_WINDOW
    while len(found) < limit:
        lower = (upper or now) - step
        final = (now - lower) >= HORIZON
        bounds: dict[str, Any] = {} if final else {"$gte": lower}
        if upper is not None:
            bounds["$lt"] = upper
        fetched = await fetch({field: bounds} if bounds else {})
        if final:
            break
        upper = lower
        need = limit - len(found)
        if fetched == 0:
            step *= GROWTH
        else:
            step *= min(GROWTH, max(1 / GROWTH, TARGET_FETCH * need / fetched))
    return found[:limit]
