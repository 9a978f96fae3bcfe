"""Campaigns of one tenant, and the send jobs the background sender works through."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from pymongo import ASCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.ids import utcnow
from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.repository import BY_CREATED, Repository, Session
from crm_shared.mongo.scoped import Document

CAMPAIGNS: Final = "campaigns"
SEND_JOBS: Final = "send_jobs"

_T = ("tenant_id", ASCENDING)
INDEXES = [
    CollectionIndexes(
        CAMPAIGNS,
        [
            index([_T, ("_id", 1)], name="tenant_id"),
            index([_T, *BY_CREATED], name="tenant_created"),
            index([_T, ("status", 1), *BY_CREATED], name="tenant_status_created"),
            index([_T, ("type", 1), *BY_CREATED], name="tenant_type_created"),
            index([_T, ("owner_id", 1), *BY_CREATED], name="tenant_owner_created"),
        ],
    )
]


class CampaignRepository(Repository):
    """Campaigns of one tenant."""

    collection_name = CAMPAIGNS
    kind = "campaign"

    async def many(self, campaign_ids: list[str], *, session: Session = None) -> list[Document]:
        """The campaigns with these ids (missing ones are left out)."""
        return await self.items.find({"_id": {"$in": campaign_ids}}, session=session)


class SendJobs:
    """One document per campaign with e-mails still to request (``_id`` = campaign id).

    The collection stays small (only campaigns sending now), so the sender reads it
    whole. An instance claims a job by writing its name and a lease expiry; another
    instance may take it over only once that lease has expired.
    """

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.jobs = db[SEND_JOBS]

    async def open(self, campaign_id: str, tenant_id: str, *, session: AsyncClientSession) -> None:
        """Create (or touch) the job of a campaign that has e-mails to request."""
        await self.jobs.update_one(
            {"_id": campaign_id},
            {
                "$set": {"touched_at": utcnow()},
                "$setOnInsert": {"tenant_id": tenant_id, "owner": None, "lease_until": None},
            },
            upsert=True,
            session=session,
        )

    async def close(self, campaign_id: str, *, session: AsyncClientSession) -> None:
        """Drop a finished or paused campaign's job."""
        await self.jobs.delete_one({"_id": campaign_id}, session=session)

    async def all(self) -> list[Document]:
        """Every open job."""
        return await self.jobs.find({}).to_list()

    async def claim(self, campaign_id: str, owner: str, *, lease: timedelta) -> bool:
        """Take or renew the claim on a job unless another live instance holds it."""
        now = utcnow()
        claimed = await self.jobs.find_one_and_update(
            {
                "_id": campaign_id,
                "$or": [{"owner": owner}, {"owner": None}, {"lease_until": {"$lt": now}}],
            },
            {"$set": {"owner": owner, "lease_until": now + lease}},
        )
        return claimed is not None

    async def held(self, campaign_id: str, owner: str, *, session: AsyncClientSession) -> bool:
        """Whether ``owner`` still holds the job (read in a send batch's snapshot)."""
        job = await self.jobs.find_one({"_id": campaign_id}, {"owner": 1}, session=session)
        return job is not None and job["owner"] == owner

    async def renew(
        self, campaign_id: str, owner: str, lease_until: datetime, *, session: AsyncClientSession
    ) -> None:
        """Extend the claim as a send batch's last write: a pause that deleted the job
        meanwhile makes this a write conflict, so the batch is retried and sees the pause."""
        await self.jobs.update_one(
            {"_id": campaign_id, "owner": owner},
            {"$set": {"lease_until": lease_until}},
            session=session,
        )

    async def release(self, owner: str) -> None:
        """Give up every claim of ``owner`` (shutdown) so another instance continues."""
        await self.jobs.update_many(
            {"owner": owner}, {"$set": {"owner": None, "lease_until": None}}
        )
