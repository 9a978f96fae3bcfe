"""Segments (saved rules or static lists) and the members of static lists in MongoDB."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.ids import utcnow
from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.listing import cursor_page
from crm_shared.mongo.pagination import SortKeys
from crm_shared.mongo.repository import BY_CREATED, Repository, Session
from crm_shared.mongo.scoped import Document, TenantCollection

SEGMENTS: Final = "segments"
SEGMENT_MEMBERS: Final = "segment_members"
MEMBER_ORDER: SortKeys = (("contact_id", ASCENDING),)

_T = ("tenant_id", ASCENDING)
INDEXES = [
    CollectionIndexes(
        SEGMENTS,
        [
            index([_T, ("_id", 1)], name="tenant_id"),
            index([_T, *BY_CREATED], name="tenant_created"),
            index([_T, ("kind", 1), *BY_CREATED], name="tenant_kind_created"),
        ],
    ),
    CollectionIndexes(
        SEGMENT_MEMBERS,
        [
            index([_T, ("_id", 1)], name="tenant_id"),
            index([_T, ("segment_id", 1), ("contact_id", 1)], name="tenant_segment_contact"),
            index([_T, ("contact_id", 1)], name="tenant_contact"),
        ],
    ),
]
NEWEST_FIRST: SortKeys = (("created_at", DESCENDING), ("_id", DESCENDING))


def member_key(segment_id: str, contact_id: str) -> str:
    """The ``_id`` of a static-list membership."""
    return f"{segment_id}:{contact_id}"


class SegmentRepository(Repository):
    """Segments of one tenant, and the members of its static lists."""

    collection_name = SEGMENTS
    kind = "segment"

    def __init__(self, db: AsyncDatabase[Document], tenant_id: str) -> None:
        super().__init__(db, tenant_id)
        self.members = TenantCollection(db[SEGMENT_MEMBERS], tenant_id, "segment member")

    async def many(self, segment_ids: Iterable[str], *, session: Session = None) -> list[Document]:
        """The segments with these ids (missing ones are left out)."""
        return await self.items.find({"_id": {"$in": sorted(set(segment_ids))}}, session=session)

    async def add_members(
        self, segment_id: str, contact_ids: list[str], *, session: AsyncClientSession
    ) -> int:
        """Add contacts to a static list (one bulk upsert); returns how many were new."""
        if not contact_ids:
            return 0
        now = utcnow()
        ops = [
            UpdateOne(
                {"_id": member_key(segment_id, cid), "tenant_id": self.tenant_id},
                {"$setOnInsert": {"segment_id": segment_id, "contact_id": cid, "added_at": now}},
                upsert=True,
            )
            for cid in contact_ids
        ]
        result = await self.members.collection.bulk_write(ops, ordered=False, session=session)
        added = result.upserted_count
        if added:
            await self.items.collection.update_one(
                self.items.scope({"_id": segment_id}),
                {"$inc": {"member_count": added}},
                session=session,
            )
        return added

    async def remove_member(
        self, segment_id: str, contact_id: str, *, session: AsyncClientSession
    ) -> bool:
        """Take a contact off a static list; False when it was not on it."""
        result = await self.members.collection.delete_one(
            self.members.scope({"_id": member_key(segment_id, contact_id)}), session=session
        )
        if result.deleted_count:
            await self.items.collection.update_one(
                self.items.scope({"_id": segment_id}),
                {"$inc": {"member_count": -1}},
                session=session,
            )
        return bool(result.deleted_count)

    async def member_ids(self, segment_id: str, *, session: Session = None) -> list[str]:
        """Every contact id on a static list."""
        docs = await self.members.find(
            {"segment_id": segment_id}, projection={"contact_id": 1}, session=session
        )
        return [doc["contact_id"] for doc in docs]

    async def member_page(
        self, segment_id: str, *, limit: int, cursor: str | None, query_fingerprint: str
    ) -> tuple[list[Document], str | None]:
        """A page of a static list's members by contact id."""
        return await cursor_page(
            self.members,
            {"segment_id": segment_id},
            MEMBER_ORDER,
            limit=limit,
            cursor=cursor,
            query_fingerprint=query_fingerprint,
            windowed=False,
        )

    async def drop_members(self, segment_id: str, *, session: AsyncClientSession) -> None:
        """Remove every member of a deleted list."""
        await self.members.collection.delete_many(
            self.members.scope({"segment_id": segment_id}), session=session
        )

    async def move_contact(self, old: str, new: str, *, session: AsyncClientSession) -> None:
        """Lists holding merged contact ``old`` hold the survivor ``new`` instead."""
        docs = await self.members.find({"contact_id": old}, session=session)
        if not docs:
            return
        await self.members.collection.delete_many(
            self.members.scope({"contact_id": old}), session=session
        )
        for doc in docs:
            moved = {k: v for k, v in doc.items() if k not in ("_id", "tenant_id")}
            result = await self.members.collection.update_one(
                {"_id": member_key(doc["segment_id"], new), "tenant_id": self.tenant_id},
                {"$setOnInsert": {**moved, "contact_id": new}},
                upsert=True,
                session=session,
            )
            if result.upserted_id is None:
                await self.items.collection.update_one(
                    self.items.scope({"_id": doc["segment_id"]}),
                    {"$inc": {"member_count": -1}},
                    session=session,
                )

    async def forget_contact(self, contact_id: str, *, session: AsyncClientSession) -> None:
        """Take a deleted contact off every list."""
        docs = await self.members.find(
            {"contact_id": contact_id}, projection={"segment_id": 1}, session=session
        )
        for doc in docs:
            await self.items.collection.update_one(
                self.items.scope({"_id": doc["segment_id"]}),
                {"$inc": {"member_count": -1}},
                session=session,
            )
        await self.members.collection.delete_many(
            self.members.scope({"contact_id": contact_id}), session=session
        )
