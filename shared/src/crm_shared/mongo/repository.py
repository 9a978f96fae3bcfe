"""The repository base of the services' aggregates: one tenant's collection, versioned
writes, and keyset-paginated listing through ``crm_shared.mongo.listing``.

A subclass names its collection and kind and adds its own queries; list filters are any
:class:`QueryFilter` (:class:`ListFilter` covers equality, ``created_at`` range and search).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol

from pymongo import DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.errors import Unprocessable
from crm_shared.mongo.listing import cursor_page, iterate_all
from crm_shared.mongo.pagination import SortKeys, fingerprint
from crm_shared.mongo.scoped import Document, TenantCollection
from crm_shared.search import anchor_key, text_matches

Session = AsyncClientSession | None


def newest_first(field: str) -> SortKeys:
    """Newest-first keys on a time field (what ``cursor_page`` windows on)."""
    return ((field, DESCENDING), ("_id", DESCENDING))


def expected_version(current: Mapping[str, Any], if_match: int | None) -> int:
    """The version a write must find: the client's ``If-Match``, else the one just read."""
    return if_match if if_match is not None else int(current["version"])


BY_CREATED = [("created_at", DESCENDING), ("_id", DESCENDING)]
"""Index suffix of newest-first lists."""


class QueryFilter(Protocol):
    """What ``Repository.page`` and ``iterate`` need of a list filter."""

    @property
    def q(self) -> str | None:
        """The word-prefix search, if any (turns on the ``accepts`` post-filter)."""
        ...

    def to_query(self) -> Document:
        """The flat MongoDB filter (without tenant, which the scoped collection adds)."""
        ...

    def accepts(self, doc: Mapping[str, Any]) -> bool:
        """Whether ``doc`` passes the search post-filter."""
        ...


@dataclass(frozen=True)
class ListFilter:
    """Equality filters (``equals``, field -> value; ``None`` values are ignored), a
    ``created_at`` range and a word-prefix search ``q``; they combine with AND."""

    equals: Mapping[str, Any]
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = None

    def to_query(self) -> Document:
        """The flat MongoDB filter (without tenant, which the scoped collection adds)."""
        query: Document = {k: v for k, v in self.equals.items() if v is not None}
        created: Document = {}
        if self.created_from is not None:
            created["$gte"] = self.created_from
        if self.created_to is not None:
            created["$lt"] = self.created_to
        if created:
            query["created_at"] = created
        if self.q and (key := anchor_key(self.q)):
            query["search"] = key
        return query

    def accepts(self, doc: Mapping[str, Any]) -> bool:
        """The search post-filter (the index only narrowed candidates by one key)."""
        return not self.q or text_matches(str(doc.get("search_text", "")), self.q)


class Repository:
    """One aggregate's documents in one tenant. Every write takes the ``session`` of a unit
    of work (``tx.session``); reads may run without one."""

    collection_name: ClassVar[str]
    kind: ClassVar[str]

    def __init__(self, db: AsyncDatabase[Document], tenant_id: str) -> None:
        self.db = db
        self.tenant_id = tenant_id
        self.items = TenantCollection(db[self.collection_name], tenant_id, self.kind)

    async def get(self, id_: str, *, session: Session = None) -> Document:
        """One document or NotFound."""
        return await self.items.get(id_, session=session)

    async def exists(self, id_: str, *, session: Session = None) -> bool:
        """Whether this tenant has the document ``id_``."""
        return await self.items.find_one({"_id": id_}, session=session) is not None

    async def require(self, field: str, id_: str | None) -> None:
        """Check a reference a request makes (its ``field`` holds ``id_``): 422 naming the
        field unless ``id_`` is ``None`` or a document of this tenant."""
        if id_ is not None and not await self.exists(id_):
            message = f"{self.kind} {id_} not found"
            raise Unprocessable(
                f"{field}: {message}", errors=[{"field": field, "message": message}]
            )

    async def insert(self, doc: Document, *, session: AsyncClientSession) -> None:
        """Insert a new document (stamps tenant, version, timestamps)."""
        await self.items.insert(doc, session=session)

    async def update(
        self, id_: str, version: int, update: Mapping[str, Any], *, session: AsyncClientSession
    ) -> Document:
        """Versioned update (409 when the document changed meanwhile)."""
        return await self.items.update_versioned(id_, version, update, session=session)

    async def delete(self, id_: str, version: int, *, session: AsyncClientSession) -> Document:
        """Versioned delete."""
        return await self.items.delete_versioned(id_, version, session=session)

    async def insert_many(self, docs: list[Document], *, session: AsyncClientSession) -> None:
        """Insert already stamped documents of this tenant in one round trip."""
        if any(doc.get("tenant_id") != self.tenant_id for doc in docs):
            raise ValueError("insert_many needs documents of this tenant")
        await self.items.collection.insert_many(docs, ordered=True, session=session)

    async def page(
        self,
        filter_: QueryFilter,
        sort: SortKeys,
        *,
        limit: int,
        cursor: str | None,
        query_fingerprint: str | None = None,
        windowed: bool,
    ) -> tuple[list[Document], str | None]:
        """A page of documents matching ``filter_`` in ``sort`` order, and the next cursor.
        The cursor belongs to ``query_fingerprint``; by default that is a hash of the tenant,
        the filter's query and search, and the sort."""
        if query_fingerprint is None:
            query_fingerprint = fingerprint(self.tenant_id, filter_.to_query(), filter_.q, sort)
        return await cursor_page(
            self.items,
            filter_.to_query(),
            sort,
            limit=limit,
            cursor=cursor,
            query_fingerprint=query_fingerprint,
            windowed=windowed,
            accept=filter_.accepts if filter_.q else None,
        )

    def iterate(
        self, filter_: QueryFilter, sort: SortKeys, *, windowed: bool
    ) -> AsyncIterator[Document]:
        """Every matching document in ``sort`` order, read page by page (CSV export)."""
        return iterate_all(
            self.items,
            filter_.to_query(),
            sort,
            windowed=windowed,
            accept=filter_.accepts if filter_.q else None,
        )

    async def reassign(self, field: str, old: str, new: str, *, session: AsyncClientSession) -> int:
        """Point every document's ``field`` from ``old`` to ``new`` (merges); returns the
        count. A projection link, so versions are not bumped."""
        result = await self.items.collection.update_many(
            self.items.scope({field: old}), {"$set": {field: new}}, session=session
        )
        return result.modified_count
