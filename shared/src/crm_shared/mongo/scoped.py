"""Tenant-scoped collection access: no query can forget ``tenant_id``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from crm_shared.errors import NotFound, VersionConflict
from crm_shared.ids import utcnow
from crm_shared.mongo.filters import exclusive_date_bounds

Document = dict[str, Any]


def _check_filter(filter_: Mapping[str, Any]) -> None:
    """Refuse filters that try to pick the tenant themselves."""
    if "tenant_id" in filter_:
        raise ValueError("tenant_id is set by TenantCollection, not by callers")


class TenantCollection:
    """A collection seen through one tenant: every filter gets ``tenant_id`` added. Writes
    take the ``session`` of a unit of work."""

    def __init__(self, collection: AsyncCollection[Document], tenant_id: str, kind: str) -> None:
        self.collection = collection
        self.tenant_id = tenant_id
        self.kind = kind
        """Human name used in 404/409 messages (``lead``)."""

    def scope(self, filter_: Mapping[str, Any] | None = None) -> Document:
        """``filter_`` restricted to this tenant."""
        filter_ = filter_ or {}
        _check_filter(filter_)
        return {"tenant_id": self.tenant_id, **exclusive_date_bounds(filter_)}

    async def get(self, id_: str, *, session: AsyncClientSession | None = None) -> Document:
        """The document with ``_id`` in this tenant, or :class:`NotFound`."""
        doc = await self.collection.find_one(self.scope({"_id": id_}), session=session)
        if doc is None:
            raise NotFound(f"{self.kind} {id_} not found")
        return doc

    async def find_one(
        self, filter_: Mapping[str, Any], *, session: AsyncClientSession | None = None
    ) -> Document | None:
        """The first document matching ``filter_`` in this tenant."""
        return await self.collection.find_one(self.scope(filter_), session=session)

    async def find(
        self,
        filter_: Mapping[str, Any],
        *,
        sort: Sequence[tuple[str, int]] | None = None,
        limit: int = 0,
        projection: Mapping[str, Any] | None = None,
        hint: str | None = None,
        session: AsyncClientSession | None = None,
    ) -> list[Document]:
        """Documents matching ``filter_`` in this tenant (bounded by ``limit``)."""
        cursor = self.collection.find(self.scope(filter_), projection=projection, session=session)
        if sort:
            cursor = cursor.sort(list(sort))
        if limit:
            cursor = cursor.limit(limit)
        if hint:
            cursor = cursor.hint(hint)
        return await cursor.to_list(length=limit or None)

    async def count(self, filter_: Mapping[str, Any]) -> int:
        """How many documents of this tenant match ``filter_`` (keep it index-narrow)."""
        return await self.collection.count_documents(self.scope(filter_))

    async def insert(self, doc: Document, *, session: AsyncClientSession) -> None:
        """Insert ``doc`` stamped with this tenant, ``version=1`` and timestamps."""
        now = utcnow()
        doc.update(tenant_id=self.tenant_id, version=1, created_at=now, updated_at=now)
        await self.collection.insert_one(doc, session=session)

    async def update_versioned(
        self,
        id_: str,
        expected_version: int,
        update: Mapping[str, Any],
        *,
        session: AsyncClientSession,
    ) -> Document:
        """Apply ``update`` only if the stored version is ``expected_version``.

        Bumps ``version`` and ``updated_at``; returns the new document. A missing
        document is :class:`NotFound`, a changed one :class:`VersionConflict` (409).
        """
        update = dict(update)
        set_ = dict(update.pop("$set", {}))
        set_["updated_at"] = utcnow()
        inc = dict(update.pop("$inc", {}))
        inc["version"] = 1
        doc = await self.collection.find_one_and_update(
            self.scope({"_id": id_, "version": expected_version}),
            {"$set": set_, "$inc": inc, **update},
            return_document=ReturnDocument.AFTER,
            session=session,
        )
        if doc is not None:
            return doc
        current = await self.collection.find_one(
            self.scope({"_id": id_}), {"version": 1}, session=session
        )
        if current is None:
            raise NotFound(f"{self.kind} {id_} not found")
        raise VersionConflict(
            f"{self.kind} {id_} changed (now version {current['version']}, "
            f"you had {expected_version}); reload and try again",
            current_version=current["version"],
        )

    async def delete_versioned(
        self, id_: str, expected_version: int, *, session: AsyncClientSession
    ) -> Document:
        """Delete the document if it still has ``expected_version``; returns it."""
        doc = await self.collection.find_one_and_delete(
            self.scope({"_id": id_, "version": expected_version}), session=session
        )
        if doc is not None:
            return doc
        await self.get(id_, session=session)
        raise VersionConflict(f"{self.kind} {id_} changed; reload and try again")
