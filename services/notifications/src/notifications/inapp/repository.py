"""In-app notifications of one tenant in MongoDB, and each reader's read state.

``notifications`` holds one document per notification, addressed to one audience
(``user:<id>`` or ``role:<role>``). Read state is per reader, so a role notification
read by one agent stays unread for the others: ``notification_marks`` keeps each user's
read-all mark (every notification id at or below it is read) and ``notification_reads``
the notifications above the mark that were read one by one (read-all clears them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.errors import NotFound
from crm_shared.ids import utcnow
from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.listing import read_page
from crm_shared.mongo.repository import BY_CREATED, Repository, Session, newest_first
from crm_shared.mongo.scoped import Document, TenantCollection
from notifications.inapp.domain import ReadState, id_time

NOTIFICATIONS = "notifications"
READS = "notification_reads"
MARKS = "notification_marks"
NEWEST_FIRST = newest_first("created_at")
OLDEST_FIRST = [("created_at", ASCENDING), ("_id", ASCENDING)]
CLOCK_SKEW = timedelta(seconds=5)
"""How much older than an id's own time a later-committed notification may be (replicas'
clocks and commit delays): the lower bound of the "newer than this id" range."""

_T = ("tenant_id", ASCENDING)
INDEXES = [
    CollectionIndexes(
        NOTIFICATIONS,
        [
            index([_T, ("audience", ASCENDING), *BY_CREATED], name="tenant_audience_created"),
            index([_T, ("source_event_id", ASCENDING)], name="tenant_source_event", unique=True),
        ],
    ),
    CollectionIndexes(
        READS,
        [
            index(
                [_T, ("user_id", ASCENDING), ("notification_id", DESCENDING)],
                name="tenant_user_notification",
                unique=True,
            )
        ],
    ),
    CollectionIndexes(
        MARKS, [index([_T, ("user_id", ASCENDING)], name="tenant_user", unique=True)]
    ),
]


def unread_filter(state: ReadState) -> Document:
    """The ``_id`` condition selecting the unread notifications of the reader in ``state``."""
    condition: Document = {}
    if state.read_through is not None:
        condition["$gt"] = state.read_through
    if state.receipts:
        condition["$nin"] = sorted(state.receipts)
    return {"_id": condition} if condition else {}


@dataclass(frozen=True)
class AudienceFilter:
    """Notifications addressed to one of ``audiences``; only those ``unread`` has not read
    when it is given."""

    audiences: Sequence[str]
    unread: ReadState | None = None

    @property
    def q(self) -> None:
        """No word search on notifications."""
        return None

    def to_query(self) -> Document:
        """The flat MongoDB filter (the scoped collection adds the tenant)."""
        query: Document = {"audience": {"$in": list(self.audiences)}}
        if self.unread is not None:
            query.update(unread_filter(self.unread))
        return query

    def accepts(self, doc: Mapping[str, Any]) -> bool:
        """Every document the query matched is kept."""
        return True


class InAppRepository(Repository):
    """Notifications and read state of one tenant. Notifications are written once and never
    changed (no version); the read state is kept per reader beside them."""

    collection_name = NOTIFICATIONS
    kind = "notification"

    def __init__(self, db: AsyncDatabase[Document], tenant_id: str) -> None:
        super().__init__(db, tenant_id)
        self.reads = TenantCollection(db[READS], tenant_id, "read receipt")
        self.marks = TenantCollection(db[MARKS], tenant_id, "read mark")

    async def insert(self, doc: Document, *, session: AsyncClientSession) -> None:
        """Store a new notification as it is: its ``created_at`` is the time in its id (the
        stream's order), so the base's stamping (version, timestamps) is not wanted."""
        await self.items.collection.insert_one(
            {**doc, "tenant_id": self.tenant_id}, session=session
        )

    async def from_source(self, event_id: str, *, session: Session = None) -> Document | None:
        """The notification made from event ``event_id``, if any."""
        return await self.items.find_one({"source_event_id": event_id}, session=session)

    async def visible(self, notification_id: str, audiences: Sequence[str]) -> Document:
        """One notification addressed to one of ``audiences``, else NotFound."""
        doc = await self.items.find_one(
            {"_id": notification_id, "audience": {"$in": list(audiences)}}
        )
        if doc is None:
            raise NotFound(f"notification {notification_id} not found")
        return doc

    async def newest(self, audiences: Sequence[str], *, windowed: bool) -> Document | None:
        """The audiences' newest notification."""
        docs = await read_page(
            self.items,
            {"audience": {"$in": list(audiences)}},
            NEWEST_FIRST,
            limit=1,
            after=None,
            windowed=windowed,
        )
        return docs[0] if docs else None

    async def newer_than(
        self, audiences: Sequence[str], after_id: str, *, limit: int
    ) -> list[Document]:
        """Up to ``limit`` of the audiences' notifications with ids above ``after_id``,
        oldest first (an event stream's catch-up)."""
        since = id_time(after_id) or utcnow()
        query = {
            "audience": {"$in": list(audiences)},
            "created_at": {"$gte": since - CLOCK_SKEW},
            "_id": {"$gt": after_id},
        }
        return await self.items.find(query, sort=OLDEST_FIRST, limit=limit)

    async def count(self, audiences: Sequence[str], state: ReadState, *, cap: int) -> int:
        """How many of the audiences' notifications ``state`` has not read (up to ``cap``)."""
        query = self.items.scope({"audience": {"$in": list(audiences)}, **unread_filter(state)})
        return await self.items.collection.count_documents(query, limit=cap)

    async def read_state(self, user_id: str) -> ReadState:
        """The user's read-all mark and the receipts above it."""
        mark = await self.marks.find_one({"user_id": user_id})
        read_through: str | None = mark["read_through"] if mark else None
        query: Document = {"user_id": user_id}
        if read_through is not None:
            query["notification_id"] = {"$gt": read_through}
        receipts = await self.reads.find(query, projection={"notification_id": 1})
        return ReadState(read_through, {r["notification_id"] for r in receipts})

    async def add_receipt(self, user_id: str, notification_id: str, *, session: Session) -> None:
        """Record that the user read one notification (idempotent)."""
        key = {"user_id": user_id, "notification_id": notification_id}
        await self.reads.collection.update_one(
            self.reads.scope(key),
            {"$setOnInsert": {"read_at": utcnow()}},
            upsert=True,
            session=session,
        )

    async def mark_read_through(
        self, user_id: str, notification_id: str, *, session: Session
    ) -> None:
        """Move the user's read-all mark up to ``notification_id`` (never down) and drop
        the receipts it now covers."""
        await self.marks.collection.update_one(
            self.marks.scope({"user_id": user_id}),
            {"$max": {"read_through": notification_id}, "$set": {"updated_at": utcnow()}},
            upsert=True,
            session=session,
        )
        await self.reads.collection.delete_many(
            self.reads.scope({"user_id": user_id, "notification_id": {"$lte": notification_id}}),
            session=session,
        )
