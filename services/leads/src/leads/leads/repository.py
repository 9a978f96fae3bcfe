"""Leads of one tenant in MongoDB: documents, list filters and sorts, and their indexes."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession

from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.pagination import SortKeys
from crm_shared.mongo.repository import BY_CREATED, ListFilter, Repository, Session
from crm_shared.mongo.scoped import Document
from crm_shared.search import normalize_text, search_fields, text_matches
from leads.leads.domain import lead_search_values
from leads.scoring.domain import Rating

LEADS = "leads"

SORTS: dict[str, SortKeys] = {
    "-created_at": (("created_at", DESCENDING), ("_id", DESCENDING)),
    "created_at": (("created_at", ASCENDING), ("_id", ASCENDING)),
    "-updated_at": (("updated_at", DESCENDING), ("_id", DESCENDING)),
    "-score": (("score", DESCENDING), ("_id", DESCENDING)),
    "score": (("score", ASCENDING), ("_id", ASCENDING)),
    "name": (("name_key", ASCENDING), ("_id", ASCENDING)),
}
"""Allowed ``sort`` values; each has its own index below (after the equality filters)."""

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
            index([("tenant_id", ASCENDING), *BY_CREATED], name="tenant_created"),
            index([("tenant_id", 1), ("status", 1), *BY_CREATED], name="tenant_status_created"),
            index([("tenant_id", 1), ("owner_id", 1), *BY_CREATED], name="tenant_owner_created"),
            index([("tenant_id", 1), ("rating", 1), *BY_CREATED], name="tenant_rating_created"),
            index([("tenant_id", 1), ("source", 1), *BY_CREATED], name="tenant_source_created"),
            index([("tenant_id", 1), ("tags", 1), *BY_CREATED], name="tenant_tags_created"),
            index([("tenant_id", 1), ("score", -1), ("_id", -1)], name="tenant_score"),
            index([("tenant_id", 1), ("updated_at", -1), ("_id", -1)], name="tenant_updated"),
            index([("tenant_id", 1), ("name_key", 1), ("_id", 1)], name="tenant_name"),
            index([("tenant_id", 1), ("search", 1), *BY_CREATED], name="tenant_search_created"),
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

    def _generic(self) -> ListFilter:
        """The same filter in the shared form (``tag`` matches an element of ``tags``)."""
        equals = {name: getattr(self, name) for name in ("status", "rating", "owner_id", "source")}
        return ListFilter(
            {**equals, "tags": self.tag},
            created_from=self.created_from,
            created_to=self.created_to,
            q=self.q,
        )

    def to_query(self) -> Document:
        """The MongoDB filter (without tenant, which the scoped collection adds)."""
        return self._generic().to_query()

    def accepts(self, doc: Mapping[str, Any]) -> bool:
        """The search post-filter (the index only narrowed candidates by one key)."""
        return not self.q or text_matches(str(doc.get("search_text", "")), self.q)


def derived_fields(lead: Mapping[str, Any]) -> Document:
    """Derived fields stored for search and sort: search keys and words, name key."""
    name = " ".join(v for v in (lead.get("last_name"), lead.get("first_name")) if v)
    return {**search_fields(lead_search_values(lead)), "name_key": normalize_text(name)}


class LeadRepository(Repository):
    """Leads of one tenant (``get``, versioned writes, ``page``, ``iterate`` and
    ``insert_many`` come from ``Repository``)."""

    collection_name = LEADS
    kind = "lead"

    async def created_by_rating(
        self, start: datetime, end: datetime, owner_id: str | None
    ) -> dict[str, int]:
        """Leads created in ``[start, end)`` by their current rating (one indexed count
        per rating: equality on the rating, a range on the creation time)."""
        base: Document = {"created_at": {"$gte": start, "$lt": end}}
        if owner_id is not None:
            base["owner_id"] = owner_id
        ratings = list(Rating)
        counts = await asyncio.gather(
            *(self.items.count({**base, "rating": r.value}) for r in ratings)
        )
        return {r.value: n for r, n in zip(ratings, counts, strict=True)}

    async def by_email(self, email: str, *, session: Session = None) -> Document | None:
        """The lead with this (lower-cased) e-mail, if any."""
        return await self.items.find_one({"email": email}, session=session)

    async def by_emails(self, emails: Sequence[str]) -> dict[str, str]:
        """Existing lead ids by e-mail for a batch (import duplicate check)."""
        docs = await self.items.find({"email": {"$in": list(emails)}}, projection={"email": 1})
        return {d["email"]: d["_id"] for d in docs}

    async def record_conversion(
        self, lead_id: str, fields: Mapping[str, Any], *, session: AsyncClientSession
    ) -> None:
        """Remember on a converted lead what its conversion produced downstream (contact,
        account, deal and the deal's progress): a projection, so no version bump, and no
        write at all when the lead records those values already."""
        changed = [{f"converted.{key}": {"$ne": value}} for key, value in fields.items()]
        await self.items.collection.update_one(
            self.items.scope({"_id": lead_id, "status": "converted", "$or": changed}),
            {"$set": {f"converted.{key}": value for key, value in fields.items()}},
            session=session,
        )

    async def stale_scored(self, scoring_version: int, limit: int) -> list[Document]:
        """Leads scored with an older rule set (for background rescoring)."""
        return await self.items.find(
            {"scoring_version": {"$lt": scoring_version}, "status": {"$ne": "converted"}},
            limit=limit,
        )
