"""Keyset-paginated reads of a tenant collection, the way every list endpoint reads.

Newest-first sorts on a time field go through time windows when ``windowed`` is on (the
embedded server sorts only after fetching every match; see ``crm_shared.mongo.windowed``),
a first page starting from the landmark its query's last first page left
(``crm_shared.mongo.landmarks``); every other sort, and real MongoDB, reads the flat
keyset branches after the cursor (``crm_shared.mongo.filters``). ``accept`` is a
post-filter for what the index only narrows (word-prefix search); with it, candidates are
read without a limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from crm_shared.ids import utcnow
from crm_shared.mongo.filters import keyset_branches, merge_filters
from crm_shared.mongo.landmarks import LANDMARKS, Landmark, landmark_key
from crm_shared.mongo.pagination import SortKeys, decode_cursor, encode_cursor, sort_values
from crm_shared.mongo.scoped import Document, TenantCollection
from crm_shared.mongo.windowed import newest_first_page

Accept = Callable[[Document], bool]
TIME_FIELDS = frozenset({"created_at", "updated_at", "occurred_at"})


async def read_page(
    collection: TenantCollection,
    query: Mapping[str, Any],
    sort: SortKeys,
    *,
    limit: int,
    after: Sequence[Any] | None,
    windowed: bool,
    accept: Accept | None = None,
) -> list[Document]:
    """Up to ``limit`` documents matching ``query`` (and ``accept``) in ``sort`` order,
    after the sort values ``after`` of the previous page's last document."""
    field, direction = sort[0]
    if windowed and direction < 0 and field in TIME_FIELDS and len(sort) == 2:
        if after:
            return await newest_first_page(
                collection,
                query,
                field=field,
                limit=limit,
                after=(after[0], after[1]),
                now=utcnow(),
                accept=accept,
            )
        return await _first_newest_page(collection, query, field, limit=limit, accept=accept)
    branches = keyset_branches(sort, after) if after else [{}]
    found: list[Document] = []
    for branch in branches:
        need = limit - len(found)
        cursor = collection.collection.find(collection.scope(merge_filters(query, branch)))
        cursor = cursor.sort(list(sort)).limit(0 if accept else need)
        async for doc in cursor:
            if accept is None or accept(doc):
                found.append(doc)
                if len(found) == limit:
                    break
        await cursor.close()
        if len(found) == limit:
            break
    return found


async def _first_newest_page(
    collection: TenantCollection,
    query: Mapping[str, Any],
    field: str,
    *,
    limit: int,
    accept: Accept | None,
) -> list[Document]:
    """A windowed first page from the query's landmark (else the tenant's unfiltered one);
    leaves its own last item as the query's next landmark."""
    db = collection.collection.database
    key = landmark_key(collection, query, field)
    landmark = await LANDMARKS.recall(db, key) or await LANDMARKS.recall(
        db, landmark_key(collection, {}, field)
    )
    now = utcnow()
    docs = await newest_first_page(
        collection,
        query,
        field=field,
        limit=limit,
        after=None,
        now=now,
        accept=accept,
        landmark=landmark,
    )
    if docs and isinstance(last := docs[-1].get(field), datetime):
        await LANDMARKS.keep(db, key, Landmark(last, docs[-1]["_id"], now))
    return docs


async def iterate_all(
    collection: TenantCollection,
    query: Mapping[str, Any],
    sort: SortKeys,
    *,
    windowed: bool,
    accept: Accept | None = None,
    page_size: int = 1000,
) -> AsyncIterator[Document]:
    """Every matching document in ``sort`` order, read page by page (CSV export)."""
    after: list[Any] | None = None
    while True:
        docs = await read_page(
            collection, query, sort, limit=page_size, after=after, windowed=windowed, accept=accept
        )
        for doc in docs:
            yield doc
        if len(docs) < page_size:
            return
        after = sort_values(docs[-1], sort)


async def cursor_page(
    collection: TenantCollection,
    query: Mapping[str, Any],
    sort: SortKeys,
    *,
    limit: int,
    cursor: str | None,
    query_fingerprint: str,
    windowed: bool,
    accept: Accept | None = None,
) -> tuple[list[Document], str | None]:
    """One API page: the documents after the opaque ``cursor`` and the next page's cursor
    (``None`` on the last page). A cursor of another query is a 400."""
    after = decode_cursor(cursor, sort, query_fingerprint) if cursor else None
    docs = await read_page(
        collection, query, sort, limit=limit + 1, after=after, windowed=windowed, accept=accept
    )
    next_cursor = (
        encode_cursor(docs[limit - 1], sort, query_fingerprint) if len(docs) > limit else None
    )
    return docs[:limit], next_cursor
