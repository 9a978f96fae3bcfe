"""Deals of one tenant in MongoDB: documents, list filters and their indexes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.listing import cursor_page
from crm_shared.mongo.pagination import SortKeys
from crm_shared.mongo.scoped import Document, TenantCollection
from crm_shared.search import anchor_key, search_fields, text_matches

DEALS = "deals"
NEWEST_FIRST: SortKeys = (("created_at", DESCENDING), ("_id", DESCENDING))
"""The one list order: newest first (read through time windows on the embedded server)."""

FACT_FIELDS = dict.fromkeys(
    (
        "pipeline_id",
        "stage",
        "status",
        "amount",
        "currency",
        "probability",
        "owner_id",
        "expected_close_date",
        "created_at",
        "closed_at",
        "lost_reason",
    ),
    1,
)
"""The projection a report rebuild reads (see ``deals.domain.DealFacts``)."""

_T = ("tenant_id", ASCENDING)
_NEWEST = [("created_at", DESCENDING), ("_id", DESCENDING)]
INDEXES = [
    CollectionIndexes(
        DEALS,
        [
            index([_T, *_NEWEST], name="tenant_created"),
            index([_T, ("pipeline_id", 1), *_NEWEST], name="tenant_pipeline_created"),
            index([_T, ("pipeline_id", 1), ("stage", 1), *_NEWEST], name="tenant_stage_created"),
            index([_T, ("status", 1), *_NEWEST], name="tenant_status_created"),
            index([_T, ("owner_id", 1), *_NEWEST], name="tenant_owner_created"),
            index([_T, ("account_id", 1), *_NEWEST], name="tenant_account_created"),
            index([_T, ("contact_ids", 1), *_NEWEST], name="tenant_contact_created"),
            index([_T, ("search", 1), *_NEWEST], name="tenant_search_created"),
            # one deal per converted lead; the plain index serves lookups (the embedded
            # server never plans a query on a partial index)
            index(
                [_T, ("source_lead_id", ASCENDING)],
                name="tenant_source_lead_unique",
                unique=True,
                partialFilterExpression={"source_lead_id": {"$type": "string"}},
            ),
            index([_T, ("source_lead_id", 1), ("_id", 1)], name="tenant_source_lead"),
        ],
    )
]


@dataclass(frozen=True)
class DealFilter:
    """List filters; they combine with AND. ``stage`` needs ``pipeline_id``."""

    pipeline_id: str | None = None
    stage: str | None = None
    owner_id: str | None = None
    account_id: str | None = None
    contact_id: str | None = None
    status: str | None = None
    lost_reason: str | None = None
    q: str | None = None
    close_from: date | None = None
    close_to: date | None = None

    def to_query(self) -> Document:
        """The flat MongoDB filter (the scoped collection adds the tenant)."""
        query: Document = {}
        for name in ("pipeline_id", "stage", "owner_id", "account_id", "status", "lost_reason"):
            if (value := getattr(self, name)) is not None:
                query[name] = value
        if self.contact_id is not None:
            query["contact_ids"] = self.contact_id
        close: Document = {}
        if self.close_from is not None:
            close["$gte"] = self.close_from.isoformat()
        if self.close_to is not None:
            close["$lte"] = self.close_to.isoformat()
        if close:
            query["expected_close_date"] = close
        if self.q and (key := anchor_key(self.q)):
            query["search"] = key
        return query

    def accepts(self, doc: Mapping[str, Any]) -> bool:
        """The search post-filter (the index only narrowed candidates by one key)."""
        return not self.q or text_matches(str(doc.get("search_text", "")), self.q)


def derived_fields(deal: Mapping[str, Any]) -> Document:
    """Stored derived fields: search keys of the name, and contact ids for the filter."""
    return {
        **search_fields([deal["name"]]),
        "contact_ids": [c["contact_id"] for c in deal.get("contacts") or []],
    }


class DealRepository:
    """Deals of one tenant."""

    def __init__(self, db: AsyncDatabase[Document], tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.deals = TenantCollection(db[DEALS], tenant_id, "deal")

    async def get(self, deal_id: str, *, session: AsyncClientSession | None = None) -> Document:
        """One deal or NotFound."""
        return await self.deals.get(deal_id, session=session)

    async def insert(self, doc: Document, *, session: AsyncClientSession | None = None) -> None:
        """Insert a new deal (stamps tenant, version, timestamps)."""
        await self.deals.insert(doc, session=session)

    async def update(
        self,
        deal_id: str,
        version: int,
        update: Mapping[str, Any],
        *,
        session: AsyncClientSession | None = None,
    ) -> Document:
        """Versioned update (409 when the deal changed meanwhile)."""
        return await self.deals.update_versioned(deal_id, version, update, session=session)

    async def delete(
        self, deal_id: str, version: int, *, session: AsyncClientSession | None = None
    ) -> Document:
        """Versioned delete; returns the deleted deal."""
        return await self.deals.delete_versioned(deal_id, version, session=session)

    async def by_source_lead(
        self, lead_id: str, *, session: AsyncClientSession | None = None
    ) -> Document | None:
        """The deal created from converting ``lead_id``, if any."""
        return await self.deals.find_one({"source_lead_id": lead_id}, session=session)

    async def with_contact(
        self, contact_id: str, *, session: AsyncClientSession | None = None
    ) -> list[Document]:
        """Every deal that lists ``contact_id``."""
        return await self.deals.find({"contact_ids": contact_id}, session=session)

    async def holds_deals(
        self,
        pipeline_id: str,
        stage: str | None = None,
        *,
        session: AsyncClientSession | None = None,
    ) -> bool:
        """Whether any deal is in the pipeline (or in one of its stages)."""
        query: Document = {"pipeline_id": pipeline_id}
        if stage is not None:
            query["stage"] = stage
        return bool(await self.deals.find(query, projection={"_id": 1}, limit=1, session=session))

    async def page(
        self,
        filter_: DealFilter,
        *,
        limit: int,
        cursor: str | None,
        query_fingerprint: str,
        windowed: bool,
    ) -> tuple[list[Document], str | None]:
        """A page of deals matching ``filter_``, newest first, and the next cursor."""
        return await cursor_page(
            self.deals,
            filter_.to_query(),
            NEWEST_FIRST,
            limit=limit,
            cursor=cursor,
            query_fingerprint=query_fingerprint,
            windowed=windowed,
            accept=filter_.accepts if filter_.q else None,
        )

    async def stream_facts(self, *, batch_size: int) -> AsyncIterator[Document]:
        """Every deal of the tenant with only the fields the reports need (rebuild)."""
        cursor = self.deals.collection.find(
            self.deals.scope(), projection=FACT_FIELDS, batch_size=batch_size
        )
        async for doc in cursor:
            yield doc
