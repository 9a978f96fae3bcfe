"""In-app notifications of one tenant in MongoDB, and each reader's read state.

``notifications`` holds one document per notification, addressed to one audience
(``user:<id>`` or ``role:<role>``). Read state is per reader, so a role notification
read by one agent stays unread for the others: ``notification_marks`` keeps each user's
read-all mark (every notification id at or below it is read) and ``notification_reads``
the notifications above the mark that were read one by one (read-all clears them).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.errors import NotFound
from crm_shared.ids import utcnow
from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.listing import cursor_page, read_page
from crm_shared.mongo.repository import BY_CREATED, newest_first
from crm_shared.mongo.scoped import Document, TenantCollection
from notifications.inapp.domain import id_time

NOTIFICATIONS = "notifications"
READS = "notification_reads"
MARKS = "notification_marks"
NEWEST_FIRST = newest_first("created_at")
OLDEST_FIRST = [("created_at", ASCENDING), ("_id", ASCENDING)]
CLOCK_SKEW = timedelta(seconds=5)
"""How much older than an id's own time a later-committed notification may be (replicas'
clocks and commit delays): the lower bound of the "newer than this id" range."""
Session = AsyncClientSession | None

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


class ReadState:
    """What one reader has read: the read-all mark and the receipts above it."""

    def __init__(self, read_through: str | None, receipts: set[str]) -> None:
        self.read_through = read_through
        self.receipts = receipts

    def unread_filter(self) -> Document:
        """The ``_id`` condition selecting this reader's unread notifications."""
        condition: Document = {}
        if self.read_through is not None:
            condition["$gt"] = self.read_through
        if self.receipts:
            condition["$nin"] = sorted(self.receipts)
        return {"_id": condition} if condition else {}


class InAppRepository:
    """Notifications and read state of one tenant."""

    def __init__(self, db: AsyncDatabase[Document], tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.items = TenantCollection(db[NOTIFICATIONS], tenant_id, "notification")
        self.reads = TenantCollection(db[READS], tenant_id, "read receipt")
        self.marks = TenantCollection(db[MARKS], tenant_id, "read mark")

    async def insert(self, doc: Document, *, session: AsyncClientSession) -> None:
        """Store a new notification (its ``_id`` and ``created_at`` come with it)."""
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

    async def page(
        self,
        audiences: Sequence[str],
        unread: ReadState | None,
        *,
        limit: int,
        cursor: str | None,
        query_fingerprint: str,
        windowed: bool,
    ) -> tuple[list[Document], str | None]:
        """A page of the audiences' notifications (only ``unread``'s unread ones when
        given), newest first, and the next cursor."""
        query: Document = {"audience": {"$in": list(audiences)}}
        if unread is not None:
            query.update(unread.unread_filter())
        return await cursor_page(
            self.items,
            query,
            NEWEST_FIRST,
            limit=limit,
            cursor=cursor,
            query_fingerprint=query_fingerprint,
            windowed=windowed,
        )

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
        query = self.items.scope({"audience": {"$in": list(audiences)}, **state.unread_filter()})
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
