"""Deals of one tenant in MongoDB: documents, list filters and their indexes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pymongo import ASCENDING

from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.pagination import SortKeys
from crm_shared.mongo.repository import BY_CREATED, Repository, Session, newest_first
from crm_shared.mongo.scoped import Document
from crm_shared.search import anchor_key, search_fields, text_matches

DEALS = "deals"
NEWEST_FIRST: SortKeys = newest_first("created_at")
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
"""The projection a report rebuild reads (see ``deals.reports.domain.DealFacts``)."""

_T = ("tenant_id", ASCENDING)
_NEWEST = BY_CREATED
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


class DealRepository(Repository):
    """Deals of one tenant (``get``, versioned writes and ``page`` come from ``Repository``)."""

    collection_name = DEALS
    kind = "deal"

    async def by_source_lead(self, lead_id: str, *, session: Session = None) -> Document | None:
        """The deal created from converting ``lead_id``, if any."""
        return await self.items.find_one({"source_lead_id": lead_id}, session=session)

    async def with_contact(self, contact_id: str, *, session: Session = None) -> list[Document]:
        """Every deal that lists ``contact_id``."""
        return await self.items.find({"contact_ids": contact_id}, session=session)

    async def holds_deals(
        self, pipeline_id: str, stage: str | None = None, *, session: Session = None
    ) -> bool:
        """Whether any deal is in the pipeline (or in one of its stages)."""
        query: Document = {"pipeline_id": pipeline_id}
        if stage is not None:
            query["stage"] = stage
        return bool(await self.items.find(query, projection={"_id": 1}, limit=1, session=session))

    async def stream_facts(self, *, batch_size: int) -> AsyncIterator[Document]:
        """Every deal of the tenant with only the fields the reports need (rebuild)."""
        cursor = self.items.collection.find(
            self.items.scope(), projection=FACT_FIELDS, batch_size=batch_size
        )
        async for doc in cursor:
            yield doc
