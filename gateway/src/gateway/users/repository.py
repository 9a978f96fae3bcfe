"""Users of the platform (the gateway's own database): who may log in, with which roles."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from crm_shared.errors import Conflict, NotFound
from crm_shared.ids import new_id, utcnow
from crm_shared.mongo.indexes import CollectionIndexes, index

Document = dict[str, Any]
USERS = "users"
USER_INDEXES = CollectionIndexes(
    USERS,
    [
        # one account per e-mail across tenants: log-in is by e-mail and password only
        index([("email", ASCENDING)], name="email", unique=True),
        index([("tenant_id", ASCENDING), ("email", ASCENDING)], name="tenant_email"),
    ],
)


class UserRepository:
    """Reads and writes ``users``; lookups outside a tenant exist only for log-in."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.users = db[USERS]

    async def by_email(self, email: str) -> Document | None:
        """The user with this e-mail in any tenant (log-in), or None."""
        return await self.users.find_one({"email": email.lower()})

    async def by_id(self, user_id: str) -> Document | None:
        """The user with this id in any tenant (token refresh), or None."""
        return await self.users.find_one({"_id": user_id})

    async def any_exists(self) -> bool:
        """True once some user exists (first-start bootstrap creates none then)."""
        return await self.users.find_one({}, {"_id": 1}) is not None

    async def create(
        self, *, tenant_id: str, email: str, name: str | None, roles: Iterable[str], pw_hash: str
    ) -> Document:
        """Insert an active user; Conflict if the e-mail is taken (in any tenant)."""
        now = utcnow()
        doc: Document = {
            "_id": new_id("usr"),
            "tenant_id": tenant_id,
            "email": email.lower(),
            "name": name,
            "roles": sorted(set(roles)),
            "active": True,
            "password_hash": pw_hash,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        try:
            await self.users.insert_one(doc)
        except DuplicateKeyError as exc:
            raise Conflict("a user with this e-mail already exists") from exc
        return doc

    async def get(self, tenant_id: str, user_id: str) -> Document:
        """The tenant's user; NotFound otherwise (other tenants' ids look absent)."""
        doc = await self.users.find_one({"_id": user_id, "tenant_id": tenant_id})
        if doc is None:
            raise NotFound(f"no user {user_id}")
        return doc

    async def page(self, tenant_id: str, *, limit: int, after: str | None) -> list[Document]:
        """The tenant's users by e-mail, ``limit`` from the one after ``after``."""
        query: Document = {"tenant_id": tenant_id}
        if after is not None:
            query["email"] = {"$gt": after}
        cursor = self.users.find(query).sort("email", ASCENDING).limit(limit)
        return [doc async for doc in cursor]

    async def update(self, tenant_id: str, user_id: str, fields: Document) -> Document:
        """Set ``fields`` on the tenant's user and bump its version."""
        doc = await self.users.find_one_and_update(
            {"_id": user_id, "tenant_id": tenant_id},
            {"$set": {**fields, "updated_at": utcnow()}, "$inc": {"version": 1}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise NotFound(f"no user {user_id}")
        return doc
