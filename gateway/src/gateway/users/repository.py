"""Users of the platform (the gateway's own database): who may log in, with which roles.

One tenant's users are a :class:`UserRepository` (on the shared repository base, so every
query is scoped to the tenant); log-in and token refresh find a user before any tenant is
known, through :class:`Users`.
"""

from __future__ import annotations

from collections.abc import Iterable

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from crm_shared.errors import Conflict, NotFound
from crm_shared.ids import new_id, utcnow
from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.repository import Repository, Session
from crm_shared.mongo.scoped import Document

USERS = "users"
USER_INDEXES = CollectionIndexes(
    USERS,
    [
        # one account per e-mail across tenants: log-in is by e-mail and password only
        index([("email", ASCENDING)], name="email", unique=True),
        index([("tenant_id", ASCENDING), ("email", ASCENDING)], name="tenant_email"),
    ],
)


class UserRepository(Repository):
    """One tenant's users."""

    collection_name = USERS
    kind = "user"

    async def create(
        self, *, email: str, name: str | None, roles: Iterable[str], pw_hash: str
    ) -> Document:
        """Insert an active user (the base stamps tenant, version 1 and both timestamps);
        Conflict if the e-mail is taken (in any tenant)."""
        doc: Document = {
            "_id": new_id("usr"),
            "email": email.lower(),
            "name": name,
            "roles": sorted(set(roles)),
            "active": True,
            "password_hash": pw_hash,
        }
        try:
            # the gateway emits no events, so it has no unit of work: one plain session
            async with self.db.client.start_session() as session:
                await self.insert(doc, session=session)
        except DuplicateKeyError as exc:
            raise Conflict("a user with this e-mail already exists") from exc
        return doc

    async def get(self, id_: str, *, session: Session = None) -> Document:
        """The tenant's user; NotFound otherwise (other tenants' ids look absent)."""
        doc = await self.items.find_one({"_id": id_}, session=session)
        if doc is None:
            raise NotFound(f"no user {id_}")
        return doc

    async def page_by_email(self, *, limit: int, after: str | None) -> list[Document]:
        """The tenant's users by e-mail, ``limit`` from the one after ``after``."""
        query: Document = {} if after is None else {"email": {"$gt": after}}
        return await self.items.find(query, sort=[("email", ASCENDING)], limit=limit)

    async def set_fields(self, id_: str, fields: Document) -> Document:
        """Set ``fields`` on the tenant's user and bump its version (a user's PATCH takes
        no ``If-Match``: last write wins)."""
        doc = await self.items.collection.find_one_and_update(
            self.items.scope({"_id": id_}),
            {"$set": {**fields, "updated_at": utcnow()}, "$inc": {"version": 1}},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            raise NotFound(f"no user {id_}")
        return doc


class Users:
    """Every tenant's users: the lookups of log-in and token refresh, and each tenant's
    :class:`UserRepository`."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.db = db
        self.users = db[USERS]

    def of(self, tenant_id: str) -> UserRepository:
        """The users of ``tenant_id``."""
        return UserRepository(self.db, tenant_id)

    async def by_email(self, email: str) -> Document | None:
        """The user with this e-mail in any tenant (log-in), or None."""
        return await self.users.find_one({"email": email.lower()})

    async def by_id(self, user_id: str) -> Document | None:
        """The user with this id in any tenant (token refresh), or None."""
        return await self.users.find_one({"_id": user_id})

    async def any_exists(self) -> bool:
        """True once some user exists (first-start bootstrap creates none then)."""
        return await self.users.find_one({}, {"_id": 1}) is not None
