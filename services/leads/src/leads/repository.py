"""The only module of the leads service that talks to MongoDB."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.listing import cursor_page, iterate_all
from crm_shared.mongo.pagination import SortKeys
from crm_shared.mongo.scoped import Document, TenantCollection
from crm_shared.search import anchor_key, normalize_text, search_fields, text_matches
from leads.domain import lead_search_values

LEADS = "leads"
TENANT_CONFIG = "tenant_config"

SORTS: dict[str, SortKeys] = {
    "-created_at": (("created_at", DESCENDING), ("_id", DESCENDING)),
    "created_at": (("created_at", ASCENDING), ("_id", ASCENDING)),
    "-updated_at": (("updated_at", DESCENDING), ("_id", DESCENDING)),
    "-score": (("score", DESCENDING), ("_id", DESCENDING)),
    "score": (("score", ASCENDING), ("_id", ASCENDING)),
    "name": (("name_key", ASCENDING), ("_id", ASCENDING)),
}
"""Allowed ``sort`` values; each has its own index below (after the equality filters)."""

_BY_CREATED = [("created_at", DESCENDING), ("_id", DESCENDING)]
INDEXES = [
    CollectionIndexes(
        LEADS,
        [
            index(
                [("tenant_id", ASCENDING), ("email", ASCENDING)],
                name="tenant_email_unique",
                unique=True,
                partialFilterExpression={"email": {"$type": "string"}},
            ),
            # The embedded server never plans a query on a partial index, so e-mail lookups
            # (create, import duplicate checks) need this plain one (a distinct key pattern,
            # which MongoDB requires of a second index on the same fields).
            index([("tenant_id", 1), ("email", 1), ("_id", 1)], name="tenant_email_lookup"),
            index([("tenant_id", ASCENDING), *_BY_CREATED], name="tenant_created"),
            index([("tenant_id", 1), ("status", 1), *_BY_CREATED], name="tenant_status_created"),
            index([("tenant_id", 1), ("owner_id", 1), *_BY_CREATED], name="tenant_owner_created"),
            index([("tenant_id", 1), ("rating", 1), *_BY_CREATED], name="tenant_rating_created"),
            index([("tenant_id", 1), ("source", 1), *_BY_CREATED], name="tenant_source_created"),
            index([("tenant_id", 1), ("tags", 1), *_BY_CREATED], name="tenant_tags_created"),
            index([("tenant_id", 1), ("score", -1), ("_id", -1)], name="tenant_score"),
            index([("tenant_id", 1), ("updated_at", -1), ("_id", -1)], name="tenant_updated"),
            index([("tenant_id", 1), ("name_key", 1), ("_id", 1)], name="tenant_name"),
            index([("tenant_id", 1), ("search", 1), *_BY_CREATED], name="tenant_search_created"),
            index([("tenant_id", 1), ("scoring_version", 1)], name="tenant_scoring_version"),
        ],
    ),
]


@dataclass(frozen=True)
class LeadFilter:
    """List filters; every field is optional and they combine with AND."""

    status: str | None = None
    rating: str | None = None
    owner_id: str | None = None
    source: str | None = None
    tag: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = None

    def to_query(self) -> Document:
        """The MongoDB filter (without tenant, which the scoped collection adds)."""
        query: Document = {}
        for name in ("status", "rating", "owner_id", "source"):
            if (value := getattr(self, name)) is not None:
                query[name] = value
        if self.tag is not None:
            query["tags"] = self.tag
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


def derived_fields(lead: Mapping[str, Any]) -> Document:
    """Derived fields stored for search and sort: search keys and words, name key."""
    name = " ".join(v for v in (lead.get("last_name"), lead.get("first_name")) if v)
    return {**search_fields(lead_search_values(lead)), "name_key": normalize_text(name)}


class LeadRepository:
    """Leads of one tenant, plus the tenant's lead configuration."""

    def __init__(self, db: AsyncDatabase[Document], tenant_id: str) -> None:
        self.db = db
        self.tenant_id = tenant_id
        self.leads = TenantCollection(db[LEADS], tenant_id, "lead")

    async def get(self, lead_id: str, *, session: AsyncClientSession | None = None) -> Document:
        """One lead or NotFound."""
        return await self.leads.get(lead_id, session=session)

    async def by_email(
        self, email: str, *, session: AsyncClientSession | None = None
    ) -> Document | None:
        """The lead with this (lower-cased) e-mail, if any."""
        return await self.leads.find_one({"email": email}, session=session)

    async def by_emails(self, emails: Sequence[str]) -> dict[str, str]:
        """Existing lead ids by e-mail for a batch (import duplicate check)."""
        docs = await self.leads.find({"email": {"$in": list(emails)}}, projection={"email": 1})
        return {d["email"]: d["_id"] for d in docs}

    async def insert(self, doc: Document, *, session: AsyncClientSession | None = None) -> None:
        """Insert a new lead (stamps tenant, version, timestamps)."""
        await self.leads.insert(doc, session=session)

    async def insert_many(self, docs: list[Document], *, session: AsyncClientSession) -> None:
        """Insert a batch of already stamped leads in one round trip."""
        for doc in docs:
            if doc.get("tenant_id") != self.tenant_id:
                raise ValueError("insert_many needs documents of this tenant")
        await self.db[LEADS].insert_many(docs, ordered=True, session=session)

    async def update(
        self,
        lead_id: str,
        version: int,
        update: Mapping[str, Any],
        *,
        session: AsyncClientSession | None = None,
    ) -> Document:
        """Versioned update (409 when the lead changed meanwhile)."""
        return await self.leads.update_versioned(lead_id, version, update, session=session)

    async def delete(
        self, lead_id: str, version: int, *, session: AsyncClientSession | None = None
    ) -> Document:
        """Versioned delete."""
        return await self.leads.delete_versioned(lead_id, version, session=session)

    async def page(
        self,
        filter_: LeadFilter,
        sort: SortKeys,
        *,
        limit: int,
        cursor: str | None,
        query_fingerprint: str,
        windowed: bool,
    ) -> tuple[list[Document], str | None]:
        """A page of leads matching ``filter_`` in ``sort`` order, and the next cursor."""
        return await cursor_page(
            self.leads,
            filter_.to_query(),
            sort,
            limit=limit,
            cursor=cursor,
            query_fingerprint=query_fingerprint,
            windowed=windowed,
            accept=filter_.accepts if filter_.q else None,
        )

    def iterate(
        self, filter_: LeadFilter, sort: SortKeys, *, windowed: bool
    ) -> AsyncIterator[Document]:
        """Every matching lead in ``sort`` order, read page by page (CSV export)."""
        return iterate_all(
            self.leads,
            filter_.to_query(),
            sort,
            windowed=windowed,
            accept=filter_.accepts if filter_.q else None,
        )

    async def record_conversion(
        self, lead_id: str, fields: Mapping[str, Any], *, session: AsyncClientSession
    ) -> None:
        """Remember on a converted lead what its conversion produced downstream (contact,
        account, deal and the deal's progress): a projection, so no version bump."""
        await self.leads.collection.update_one(
            self.leads.scope({"_id": lead_id, "status": "converted"}),
            {"$set": {f"converted.{key}": value for key, value in fields.items()}},
            session=session,
        )

    # --- tenant configuration -----------------------------------------------------------

    async def config(self, *, session: AsyncClientSession | None = None) -> Document:
        """The tenant's lead configuration document (empty when never set)."""
        doc = await self.db[TENANT_CONFIG].find_one({"_id": self.tenant_id}, session=session)
        return doc or {}

    async def set_config(self, fields: Mapping[str, Any], *, inc_scoring: bool = False) -> Document:
        """Set configuration fields; ``inc_scoring`` bumps the scoring version."""
        update: Document = {"$set": {**fields, "tenant_id": self.tenant_id}}
        if inc_scoring:
            update["$inc"] = {"scoring_version": 1}
        doc = await self.db[TENANT_CONFIG].find_one_and_update(
            {"_id": self.tenant_id}, update, upsert=True, return_document=ReturnDocument.AFTER
        )
        assert doc is not None
        return doc

    async def next_round_robin(self, *, session: AsyncClientSession | None = None) -> int:
        """Atomically take the next round-robin counter value."""
        doc = await self.db[TENANT_CONFIG].find_one_and_update(
            {"_id": self.tenant_id},
            {"$inc": {"rr_counter": 1}, "$set": {"tenant_id": self.tenant_id}},
            upsert=True,
            return_document=ReturnDocument.BEFORE,
            session=session,
        )
        return int((doc or {}).get("rr_counter", 0))

    async def stale_scored(self, scoring_version: int, limit: int) -> list[Document]:
        """Leads scored with an older rule set (for background rescoring)."""
        return await self.leads.find(
            {"scoring_version": {"$lt": scoring_version}, "status": {"$ne": "converted"}},
            limit=limit,
        )
