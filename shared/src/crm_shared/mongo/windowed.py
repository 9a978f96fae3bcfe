"""Newest-first pages read through time windows (for servers that sort late).

MongoDB serves ``find(eq).sort(created_at desc).limit(n)`` straight from a compound
index. The embedded MongoDB-wire server fetches *every* document of the index range it
plans (equalities on the index's leading fields, at most one range on the next) before
it sorts and applies the limit: a page of 50 out of 100k matches costs the 100k. So this
reads the same keyset page exactly, but as a series of narrow ranges on the same index,
newest first, stopping as soon as the page is full:

- after a cursor ``(value, id)``: the rest of its tie (``field = value, _id < id``), then
  windows ``[lower, previous lower)`` below ``value``;
- a first page: windows from now back, or, given a :class:`Landmark` (where the last
  first page of this query ended), windows from now back to when that page was read,
  one range down to the landmark, the landmark's tie from its id up, and only then what
  lies after the landmark, as after a cursor.

Empty windows double the next one; a window that held documents sizes the next from
their density. Every document lies in exactly one of these ranges, read in sort order,
so the result is identical to the direct query; only the cost differs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from crm_shared.mongo.filters import merge_filters
from crm_shared.mongo.landmarks import Landmark
from crm_shared.mongo.scoped import Document, TenantCollection

FIRST_WINDOW = timedelta(seconds=0.25)
GROWTH = 2
HORIZON = timedelta(days=365 * 50)
TARGET_FETCH = 2
"""Aim each window at about this many times the documents still needed."""
MS = timedelta(milliseconds=1)
"""BSON dates are whole milliseconds: ``> t`` is ``>= t + 1 ms``."""
_BOUNDS: dict[str, Callable[[Any, Any], bool]] = {
    "$eq": lambda v, b: v == b,
    "$gt": lambda v, b: v > b,
    "$gte": lambda v, b: v >= b,
    "$lt": lambda v, b: v < b,
    "$lte": lambda v, b: v <= b,
}


def pinned(query: Mapping[str, Any], field: str, value: Any) -> dict[str, Any] | None:
    """``query`` with ``field`` equal to ``value`` as one flat equality (an index prefix),
    or ``None`` when the query's own condition on ``field`` excludes ``value``."""
    cond = query.get(field)
    if cond is None:
        return {**query, field: value}
    if not isinstance(cond, Mapping):
        return {**query, field: value} if cond == value else None
    try:
        if set(cond) <= set(_BOUNDS):
            ok = all(_BOUNDS[op](value, bound) for op, bound in cond.items())
            return {**query, field: value} if ok else None
    except TypeError:
        pass
    return merge_filters(query, {field: value})


class _Page:
    """The documents found so far, and the one way they are fetched."""

    def __init__(
        self,
        collection: TenantCollection,
        query: Mapping[str, Any],
        field: str,
        limit: int,
        accept: Callable[[Document], bool] | None,
    ) -> None:
        self.collection, self.query, self.field = collection, query, field
        self.limit, self.accept = limit, accept
        self.found: list[Document] = []

    @property
    def need(self) -> int:
        """How many documents the page still lacks."""
        return self.limit - len(self.found)

    async def fetch(self, filter_: Mapping[str, Any] | None) -> int:
        """Read ``filter_`` (``None``: nothing can match) into the page; returns how many
        documents the server returned."""
        if filter_ is None or self.need <= 0:
            return 0
        docs = await self.collection.find(
            filter_,
            sort=[(self.field, -1), ("_id", -1)],
            limit=0 if self.accept else self.need,
        )
        self.found.extend(doc for doc in docs if self.accept is None or self.accept(doc))
        return len(docs)

    async def range(self, bounds: Mapping[str, Any]) -> int:
        """Read the query's documents whose ``field`` lies within ``bounds``."""
        return await self.fetch(merge_filters(self.query, {self.field: bounds} if bounds else {}))

    async def tie(self, value: Any, id_bound: Mapping[str, Any]) -> None:
        """Read the documents at ``field = value`` whose ``_id`` lies within ``id_bound``."""
        at = pinned(self.query, self.field, value)
        await self.fetch(None if at is None else merge_filters(at, {"_id": id_bound}))

    async def windows(self, now: datetime, upper: datetime | None, floor: datetime | None) -> None:
        """Windows from ``upper`` (``None``: open-ended, from now) down to ``floor``
        (inclusive; ``None``: to the horizon, then everything older)."""
        step = FIRST_WINDOW
        while self.need > 0:
            lower = (upper or now) - step
            last = floor is not None and lower <= floor
            if floor is not None and last:
                lower = floor
            final = floor is None and (now - lower) >= HORIZON
            bounds: dict[str, Any] = {} if final else {"$gte": lower}
            if upper is not None:
                bounds["$lt"] = upper
            fetched = await self.range(bounds)
            if final or last:
                return
            upper = lower
            if fetched == 0:
                step *= GROWTH
            else:
                step *= min(GROWTH, max(1 / GROWTH, TARGET_FETCH * self.need / fetched))


async def newest_first_page(
    collection: TenantCollection,
    query: Mapping[str, Any],
    *,
    field: str,
    limit: int,
    after: tuple[datetime, Any] | None,
    now: datetime,
    accept: Callable[[Document], bool] | None = None,
    landmark: Landmark | None = None,
) -> list[Document]:
    """Up to ``limit`` documents matching ``query`` (and ``accept``), by ``field`` desc, _id desc.

    ``after`` is the (field value, _id) of the previous page's last item; ``landmark``
    (first pages only) where the last first page of this query ended.
    """
    page = _Page(collection, query, field, limit, accept)
    if after is None and landmark is not None:
        floor = max(landmark.seen_at, landmark.value + MS)
        await page.windows(now, None, floor)
        if floor > landmark.value + MS:
            await page.range({"$gt": landmark.value, "$lt": floor})
        await page.tie(landmark.value, {"$gte": landmark.id})
        after = (landmark.value, landmark.id)
    if after is not None:
        await page.tie(after[0], {"$lt": after[1]})
        if page.need > 0:
            await page.windows(now, after[0], None)
    elif page.need > 0:
        await page.windows(now, None, None)
    return page.found[:limit]
