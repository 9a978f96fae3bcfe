"""Campaign metrics: member counters, and the leads and won deals attributed to campaigns.

Counters are plain ``$inc`` on two documents per campaign, incremented only when a member
reaches a step for the first time (see the members in ``campaigns.campaigns.repository``),
so they count unique members. The background sender counts on a document of its own
(``<campaign id>:send``): its batch transactions are long (they render the e-mails), and
on the embedded server a transaction that writes a document another one changed since
its snapshot aborts and runs again, so sharing one document with the delivery outcomes'
transactions stalled the sender for seconds. Reads add the two up. Leads and deals are
one document each (``_id`` = lead or deal id): a redelivered or repeated event rewrites
the same document instead of counting twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Final

from bson import Decimal128
from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.ids import utcnow
from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.repository import Session
from crm_shared.mongo.scoped import Document, TenantCollection

METRICS: Final = "campaign_metrics"
LEADS: Final = "campaign_leads"
DEALS: Final = "campaign_deals"
COUNTERS: Final = (
    "audience",
    "suppressed",
    "requested",
    "sent",
    "failed",
    "bounced",
    "opened",
    "clicked",
    "responded",
    "unsubscribed",
)

_T = ("tenant_id", ASCENDING)
_BY_ID = index([_T, ("_id", 1)], name="tenant_id")
"""Point and ``$in`` reads by id: the embedded server plans them only on this index."""
INDEXES = [
    CollectionIndexes(METRICS, [_BY_ID]),
    CollectionIndexes(
        LEADS, [_BY_ID, index([_T, ("campaign_id", 1), ("converted", 1)], name="tenant_cmp")]
    ),
    CollectionIndexes(DEALS, [_BY_ID, index([_T, ("campaign_id", 1)], name="tenant_campaign")]),
]


def _sender_doc(campaign_id: str) -> str:
    return f"{campaign_id}:send"


class MetricsRepository:
    """Metrics of the campaigns of one tenant."""

    def __init__(self, db: AsyncDatabase[Document], tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.metrics = TenantCollection(db[METRICS], tenant_id, "metrics")
        self.leads = TenantCollection(db[LEADS], tenant_id, "lead")
        self.deals = TenantCollection(db[DEALS], tenant_id, "deal")

    async def add(
        self,
        campaign_id: str,
        counts: Mapping[str, int],
        *,
        session: AsyncClientSession,
        sender: bool = False,
    ) -> None:
        """Add to a campaign's counters (names from :data:`COUNTERS`); ``sender``: on the
        background sender's own document."""
        inc = {name: n for name, n in counts.items() if n}
        if not inc:
            return
        unknown = set(inc) - set(COUNTERS)
        if unknown:
            raise ValueError(f"unknown counters {sorted(unknown)}")
        await self.metrics.collection.update_one(
            {
                "_id": _sender_doc(campaign_id) if sender else campaign_id,
                "tenant_id": self.tenant_id,
            },
            {"$inc": inc},
            upsert=True,
            session=session,
        )

    async def drop(self, campaign_id: str, *, session: AsyncClientSession) -> None:
        """Forget a deleted campaign's counters."""
        await self.metrics.collection.delete_many(
            self.metrics.scope({"_id": {"$in": [campaign_id, _sender_doc(campaign_id)]}}),
            session=session,
        )

    async def counters(self, campaign_id: str, *, session: Session = None) -> dict[str, int]:
        """Every counter of a campaign (zero when never counted)."""
        docs = await self.metrics.find(
            {"_id": {"$in": [campaign_id, _sender_doc(campaign_id)]}}, session=session
        )
        return {name: sum(int(doc.get(name, 0)) for doc in docs) for name in COUNTERS}

    async def record_lead(
        self, lead_id: str, campaign_id: str, *, converted: bool, session: AsyncClientSession
    ) -> None:
        """A lead of a campaign (created, or converted: ``converted`` stays true once set)."""
        fields: Document = {"campaign_id": campaign_id, "updated_at": utcnow()}
        update: Document = {"$set": fields}
        if converted:
            fields["converted"] = True
        else:
            update["$setOnInsert"] = {"converted": False}
        await self.leads.collection.update_one(
            {"_id": lead_id, "tenant_id": self.tenant_id},
            update,
            upsert=True,
            session=session,
        )

    async def campaign_of_lead(self, lead_id: str, *, session: Session = None) -> str | None:
        """The campaign a lead came from, if a LeadCreated said so."""
        doc = await self.leads.find_one({"_id": lead_id}, session=session)
        return str(doc["campaign_id"]) if doc else None

    async def record_deal(
        self,
        deal_id: str,
        campaign_id: str,
        amount: Decimal,
        currency: str,
        *,
        session: AsyncClientSession,
    ) -> None:
        """A won deal attributed to a campaign (won again: its latest amount counts)."""
        await self.deals.collection.update_one(
            {"_id": deal_id, "tenant_id": self.tenant_id},
            {
                "$set": {
                    "campaign_id": campaign_id,
                    "amount": Decimal128(amount),
                    "currency": currency,
                    "won_at": utcnow(),
                }
            },
            upsert=True,
            session=session,
        )

    async def lead_counts(self, campaign_id: str) -> tuple[int, int]:
        """(leads, converted leads) of a campaign."""
        leads = await self.leads.count({"campaign_id": campaign_id})
        converted = await self.leads.count({"campaign_id": campaign_id, "converted": True})
        return leads, converted

    async def revenue(self, campaign_id: str) -> tuple[int, dict[str, Decimal]]:
        """(won deals, revenue by currency) of a campaign."""
        docs = await self.deals.find(
            {"campaign_id": campaign_id}, projection={"amount": 1, "currency": 1}
        )
        totals: dict[str, Decimal] = {}
        for doc in docs:
            totals[doc["currency"]] = (
                totals.get(doc["currency"], Decimal(0)) + doc["amount"].to_decimal()
            )
        return len(docs), totals
