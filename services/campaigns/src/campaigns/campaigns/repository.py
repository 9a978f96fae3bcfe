"""Campaigns of one tenant, their members and unsubscribe records, and the send jobs the
background sender works through.

A member's ``_id`` is ``<campaign id>:<contact id>``, so a contact is a member of a
campaign at most once and a member is found without an index. ``queued: true`` marks the
members whose e-mail is still to be requested; the sender reads them without sorting.
Each engagement step has its own time stamp (``sent_at``, ``opened_at``...), set once:
setting it the first time is what counts a member in the metrics.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.ids import utcnow
from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.listing import cursor_page
from crm_shared.mongo.pagination import SortKeys
from crm_shared.mongo.repository import BY_CREATED, Repository, Session
from crm_shared.mongo.scoped import Document, TenantCollection

CAMPAIGNS: Final = "campaigns"
SEND_JOBS: Final = "send_jobs"
MEMBERS: Final = "campaign_members"
UNSUBSCRIBES: Final = "unsubscribes"
IN_CHUNK: Final = 1000
ENROL: Final = "enrol"
"""The phase of a send job whose campaign's audience is still being enrolled."""
SEND: Final = "send"
"""The phase of a send job whose campaign is requesting e-mails."""
BY_ID: SortKeys = (("_id", ASCENDING),)
BY_CAMPAIGN: SortKeys = (("campaign_id", DESCENDING),)

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
    ),
    CollectionIndexes(
        MEMBERS,
        [
            index([_T, ("_id", 1)], name="tenant_id"),
            index([_T, ("campaign_id", 1), ("_id", 1)], name="tenant_campaign"),
            index([_T, ("campaign_id", 1), ("status", 1), ("_id", 1)], name="tenant_status"),
            index([_T, ("campaign_id", 1), ("queued", 1)], name="tenant_queued"),
            index([_T, ("contact_id", 1), ("campaign_id", -1)], name="tenant_contact"),
        ],
    ),
    CollectionIndexes(UNSUBSCRIBES, [index([_T, ("_id", 1)], name="tenant_id")]),
]


class CampaignRepository(Repository):
    """Campaigns of one tenant."""

    collection_name = CAMPAIGNS
    kind = "campaign"

    async def many(self, campaign_ids: list[str], *, session: Session = None) -> list[Document]:
        """The campaigns with these ids (missing ones are left out)."""
        return await self.items.find({"_id": {"$in": campaign_ids}}, session=session)


def member_key(campaign_id: str, contact_id: str) -> str:
    """The ``_id`` of a membership."""
    return f"{campaign_id}:{contact_id}"


def new_member(
    campaign_id: str, contact_id: str, *, status: str, reason: str | None, queued: bool
) -> Document:
    """A member document (tenant stamped by the repository)."""
    now = utcnow()
    doc: Document = {
        "_id": member_key(campaign_id, contact_id),
        "campaign_id": campaign_id,
        "contact_id": contact_id,
        "status": status,
        "reason": reason,
        "added_at": now,
        "updated_at": now,
    }
    if queued:
        doc["queued"] = True
    return doc


class MemberRepository:
    """Members of the campaigns of one tenant, and the tenant's unsubscribes.

    Not on the :class:`Repository` base: a member is no versioned aggregate but a row of
    its campaign (found by campaign and contact, written in bulk and by ``$set``, never
    with a version), and the store spans two collections, so it keeps two scoped
    :class:`TenantCollection` s.
    """

    def __init__(self, db: AsyncDatabase[Document], tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.members = TenantCollection(db[MEMBERS], tenant_id, "member")
        self.unsubscribes = TenantCollection(db[UNSUBSCRIBES], tenant_id, "unsubscribe")

    async def get(
        self, campaign_id: str, contact_id: str, *, session: Session = None
    ) -> Document | None:
        """One membership, if any."""
        return await self.members.find_one(
            {"_id": member_key(campaign_id, contact_id)}, session=session
        )

    async def of_campaign(
        self, campaign_id: str, contact_ids: Iterable[str], *, session: Session = None
    ) -> dict[str, Document]:
        """Existing memberships of these contacts in a campaign, by contact id."""
        found = await self.by_keys({member_key(campaign_id, c) for c in contact_ids}, session)
        return {d["contact_id"]: d for d in found.values()}

    async def by_keys(self, keys: Iterable[str], session: Session = None) -> dict[str, Document]:
        """Existing memberships by ``_id`` (:func:`member_key`), any campaign."""
        ids = sorted(set(keys))
        found: dict[str, Document] = {}
        for start in range(0, len(ids), IN_CHUNK):
            docs = await self.members.find(
                {"_id": {"$in": ids[start : start + IN_CHUNK]}}, session=session
            )
            found.update((d["_id"], d) for d in docs)
        return found

    async def contact_ids(self, campaign_id: str, *, session: Session = None) -> list[str]:
        """Every member's contact id."""
        docs = await self.members.find(
            {"campaign_id": campaign_id}, projection={"contact_id": 1}, session=session
        )
        return [d["contact_id"] for d in docs]

    async def insert_many(self, docs: list[Document], *, session: AsyncClientSession) -> None:
        """Insert new members in one round trip."""
        if docs:
            for doc in docs:
                doc["tenant_id"] = self.tenant_id
            await self.members.collection.insert_many(docs, ordered=True, session=session)

    async def drop_campaign(self, campaign_id: str, *, session: AsyncClientSession) -> None:
        """Remove every member of a campaign."""
        await self.members.collection.delete_many(
            self.members.scope({"campaign_id": campaign_id}), session=session
        )

    async def drop_contacts(
        self, campaign_id: str, contact_ids: Iterable[str], *, session: AsyncClientSession
    ) -> None:
        """Remove these contacts' memberships of a campaign."""
        keys = [member_key(campaign_id, c) for c in contact_ids]
        if keys:
            await self.members.collection.delete_many(
                self.members.scope({"_id": {"$in": keys}}), session=session
            )

    async def any_of_campaign(self, campaign_id: str, *, session: Session = None) -> bool:
        """Whether the campaign has at least one member (one index lookup)."""
        found = await self.members.find(
            {"campaign_id": campaign_id}, projection={"_id": 1}, limit=1, session=session
        )
        return bool(found)

    async def queued(self, campaign_id: str, limit: int, *, session: Session) -> list[Document]:
        """Up to ``limit`` members whose e-mail is still to be requested."""
        return await self.members.find(
            {"campaign_id": campaign_id, "queued": True}, limit=limit, session=session
        )

    async def mark(
        self,
        campaign_id: str,
        contact_ids: list[str],
        fields: Mapping[str, Any],
        *,
        session: AsyncClientSession,
    ) -> None:
        """Set ``fields`` on these members and take them off the queue (one update)."""
        if contact_ids:
            await self.members.collection.update_many(
                self.members.scope(
                    {"_id": {"$in": [member_key(campaign_id, c) for c in contact_ids]}}
                ),
                {"$set": {**fields, "updated_at": utcnow()}, "$unset": {"queued": ""}},
                session=session,
            )

    async def set_each(
        self, changes: Mapping[str, Document], now: datetime, *, session: AsyncClientSession
    ) -> None:
        """Set each member's fields (by ``_id``), one update per distinct set of fields."""
        groups: dict[tuple[tuple[str, Any], ...], list[str]] = {}
        for key, fields in changes.items():
            groups.setdefault(tuple(sorted(fields.items())), []).append(key)
        for fields_key, keys in groups.items():
            await self.members.collection.update_many(
                self.members.scope({"_id": {"$in": keys}}),
                {"$set": {**dict(fields_key), "updated_at": now}},
                session=session,
            )

    async def page(
        self,
        campaign_id: str,
        status: str | None,
        *,
        limit: int,
        cursor: str | None,
        query_fingerprint: str,
    ) -> tuple[list[Document], str | None]:
        """A page of a campaign's members by contact id, optionally of one status."""
        query: Document = {"campaign_id": campaign_id}
        if status is not None:
            query["status"] = status
        return await cursor_page(
            self.members,
            query,
            BY_ID,
            limit=limit,
            cursor=cursor,
            query_fingerprint=query_fingerprint,
            windowed=False,
        )

    async def of_contact(
        self, contact_id: str, *, limit: int, cursor: str | None, query_fingerprint: str
    ) -> tuple[list[Document], str | None]:
        """A page of one contact's memberships, newest campaign first."""
        return await cursor_page(
            self.members,
            {"contact_id": contact_id},
            BY_CAMPAIGN,
            limit=limit,
            cursor=cursor,
            query_fingerprint=query_fingerprint,
            windowed=False,
        )

    async def all_of_contact(
        self, contact_id: str, *, session: AsyncClientSession
    ) -> list[Document]:
        """Every membership of one contact (merges)."""
        return await self.members.find({"contact_id": contact_id}, session=session)

    async def move_contact(self, old: str, new: str, *, session: AsyncClientSession) -> None:
        """Memberships of merged contact ``old`` pass to the survivor ``new`` where the
        survivor is not a member already (then the survivor's own membership stays)."""
        docs = await self.all_of_contact(old, session=session)
        if not docs:
            return
        taken = await self.members.find(
            {"contact_id": new, "campaign_id": {"$in": [d["campaign_id"] for d in docs]}},
            projection={"campaign_id": 1},
            session=session,
        )
        kept = {d["campaign_id"] for d in taken}
        await self.members.collection.delete_many(
            self.members.scope({"contact_id": old}), session=session
        )
        moved = [
            {**d, "_id": member_key(d["campaign_id"], new), "contact_id": new, "merged_from": old}
            for d in docs
            if d["campaign_id"] not in kept
        ]
        if moved:
            await self.members.collection.insert_many(moved, session=session)
        await self.move_unsubscribe(old, new, session=session)

    async def unsubscribed(
        self, contact_ids: Iterable[str], *, session: Session = None
    ) -> set[str]:
        """Which of these contacts unsubscribed."""
        ids = sorted(set(contact_ids))
        found: set[str] = set()
        for start in range(0, len(ids), IN_CHUNK):
            docs = await self.unsubscribes.find(
                {"_id": {"$in": ids[start : start + IN_CHUNK]}},
                projection={"_id": 1},
                session=session,
            )
            found.update(d["_id"] for d in docs)
        return found

    async def unsubscribe(
        self, contact_id: str, campaign_id: str | None, *, session: AsyncClientSession
    ) -> bool:
        """Record an opt-out; False when the contact had opted out already."""
        result = await self.unsubscribes.collection.update_one(
            {"_id": contact_id, "tenant_id": self.tenant_id},
            {"$setOnInsert": {"campaign_id": campaign_id, "at": utcnow()}},
            upsert=True,
            session=session,
        )
        return result.upserted_id is not None

    async def move_unsubscribe(self, old: str, new: str, *, session: AsyncClientSession) -> None:
        """A merged contact's opt-out holds for the survivor too."""
        record = await self.unsubscribes.find_one({"_id": old}, session=session)
        if record is not None:
            await self.unsubscribe(new, record.get("campaign_id"), session=session)


class SendJobs:
    """One document per campaign with members still to enrol or e-mails still to request
    (``_id`` = campaign id).

    The collection stays small (only campaigns launching or sending now), so the sender
    reads it whole. An instance claims a job by writing its name and a lease expiry;
    another instance may take it over only once that lease has expired. A launch opens
    its job in the ``enrol`` phase (``phase: "enrol"``): ``cursor`` is the last contact id
    of the audience enrolled so far (``None``: none yet), so whoever holds the job next
    continues after it. A job without ``phase`` (a resume, members added to a sending
    campaign, or a job opened before enrolment became a job) is in the ``send`` phase.
    """

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.jobs = db[SEND_JOBS]

    async def open(
        self,
        campaign_id: str,
        tenant_id: str,
        *,
        session: AsyncClientSession,
        enrol: bool = False,
    ) -> None:
        """Create (or touch) the job of a campaign that has e-mails to request; ``enrol``:
        a launch's job, which first enrols the audience from its start."""
        fields: Document = {"touched_at": utcnow()}
        if enrol:
            fields.update(phase=ENROL, cursor=None)
        await self.jobs.update_one(
            {"_id": campaign_id},
            {
                "$set": fields,
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

    async def claim(
        self, campaign_id: str, owner: str, *, lease: timedelta, session: AsyncClientSession
    ) -> Document | None:
        """Take or renew the claim on a job unless another live instance holds it; the job as
        claimed (``None``: held elsewhere, or closed)."""
        now = utcnow()
        return await self.jobs.find_one_and_update(
            {
                "_id": campaign_id,
                "$or": [{"owner": owner}, {"owner": None}, {"lease_until": {"$lt": now}}],
            },
            {"$set": {"owner": owner, "lease_until": now + lease}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )

    async def holding(
        self, campaign_id: str, owner: str, *, session: AsyncClientSession
    ) -> Document | None:
        """The job if ``owner`` still holds it (read in a batch's snapshot), else ``None``."""
        job = await self.jobs.find_one({"_id": campaign_id}, session=session)
        return job if job is not None and job["owner"] == owner else None

    async def renew(
        self,
        campaign_id: str,
        owner: str,
        lease_until: datetime,
        *,
        session: AsyncClientSession,
        fields: Mapping[str, Any] | None = None,
    ) -> None:
        """Extend the claim as a batch's last write (with ``fields``: the enrolment's
        cursor, the switch to sending): a pause or completion that deleted the job
        meanwhile makes this a write conflict, so the batch is retried and sees it."""
        await self.jobs.update_one(
            {"_id": campaign_id, "owner": owner},
            {"$set": {**(fields or {}), "lease_until": lease_until}},
            session=session,
        )

    async def release(self, owner: str, *, session: AsyncClientSession) -> None:
        """Give up every claim of ``owner`` (shutdown) so another instance continues."""
        await self.jobs.update_many(
            {"owner": owner}, {"$set": {"owner": None, "lease_until": None}}, session=session
        )
