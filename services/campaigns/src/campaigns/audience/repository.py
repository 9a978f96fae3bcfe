"""The contact projection segments run on, built from contact and account events.

One document per contact (``_id`` = contact id) with the fields segment rules and e-mails
need, and the industry, size and name of its account copied on (from AccountCreated,
whichever of the two events arrives first). A snapshot is applied only when its version
is newer, so redelivered or reordered events change nothing; a deleted contact stays as a
tombstone (``alive: false``) so an old update cannot bring it back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final

from bson import Decimal128
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.events.catalogue import AccountCreated, ContactSnapshot
from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.scoped import Document, TenantCollection

CONTACTS: Final = "contacts"
ACCOUNTS: Final = "accounts"
IN_CHUNK: Final = 1000
"""Ids per ``$in`` read."""
SAMPLE_FIELDS: Final = {
    "_id": 1,
    "first_name": 1,
    "last_name": 1,
    "email": 1,
    "lifecycle_stage": 1,
    "tags": 1,
}

_T = ("tenant_id", 1)
INDEXES = [
    CollectionIndexes(
        CONTACTS,
        [
            index([_T, ("_id", 1)], name="tenant_id"),
            index([_T, ("alive", 1), ("_id", 1)], name="tenant_alive"),
            index([_T, ("account_id", 1)], name="tenant_account"),
            index([_T, ("email", 1)], name="tenant_email"),
        ],
    ),
    CollectionIndexes(ACCOUNTS, [index([_T, ("_id", 1)], name="tenant_id")]),
]


def account_fields(account: Mapping[str, Any] | None) -> Document:
    """The account values copied onto its contacts."""
    account = account or {}
    return {
        "company": account.get("name"),
        "account_industry": account.get("industry"),
        "account_employee_count": account.get("employee_count"),
    }


def snapshot_fields(contact: ContactSnapshot) -> Document:
    """The projected fields of a contact snapshot."""
    return {
        "alive": True,
        "version": contact.version,
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "title": contact.title,
        "account_id": contact.account_id,
        "lifecycle_stage": contact.lifecycle_stage,
        "do_not_contact": contact.do_not_contact,
        "tags": contact.tags,
        "custom": contact.custom,
        "purchase_count": contact.purchase_count,
        "purchase_total": Decimal128(contact.purchase_total),
        "rfm_segment": contact.rfm_segment,
    }


class ContactProjection:
    """Projected contacts and accounts of one tenant."""

    def __init__(self, db: AsyncDatabase[Document], tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.contacts = TenantCollection(db[CONTACTS], tenant_id, "contact")
        self.accounts = TenantCollection(db[ACCOUNTS], tenant_id, "account")

    async def apply(
        self, contact: ContactSnapshot, *, created_at: datetime | None, session: AsyncClientSession
    ) -> bool:
        """Store ``contact`` if newer than what is stored; ``created_at`` (from
        ContactCreated) is recorded whatever the order. Returns whether it was applied."""
        key = {"_id": contact.contact_id, "tenant_id": self.tenant_id}
        stored = await self.contacts.collection.find_one(
            key, {"version": 1, "alive": 1, "account_id": 1}, session=session
        )
        extra: Document = {"created_at": created_at} if created_at else {}
        if stored is not None and (not stored["alive"] or stored["version"] >= contact.version):
            if extra:
                await self.contacts.collection.update_one(key, {"$set": extra}, session=session)
            return False
        fields = {**snapshot_fields(contact), **extra}
        if stored is None or stored.get("account_id") != contact.account_id:
            account = None
            if contact.account_id:
                account = await self.accounts.find_one({"_id": contact.account_id}, session=session)
            fields.update(account_fields(account))
        await self.contacts.collection.update_one(
            key, {"$set": fields}, upsert=True, session=session
        )
        return True

    async def bury(self, contact_id: str, *, session: AsyncClientSession) -> None:
        """Mark a deleted contact (a tombstone later snapshots cannot revive)."""
        await self.contacts.collection.update_one(
            {"_id": contact_id, "tenant_id": self.tenant_id},
            {"$set": {"alive": False}},
            upsert=True,
            session=session,
        )

    async def apply_account(self, event: AccountCreated, *, session: AsyncClientSession) -> None:
        """Record an account and copy its fields onto the contacts already linked to it."""
        account: Document = {
            "name": event.name,
            "industry": event.industry,
            "employee_count": event.employee_count,
        }
        await self.accounts.collection.update_one(
            {"_id": event.account_id, "tenant_id": self.tenant_id},
            {"$set": account},
            upsert=True,
            session=session,
        )
        await self.contacts.collection.update_many(
            self.contacts.scope({"account_id": event.account_id}),
            {"$set": account_fields(account)},
            session=session,
        )

    async def by_ids(
        self, contact_ids: Iterable[str], *, session: AsyncClientSession | None = None
    ) -> dict[str, Document]:
        """Projected contacts by id, read in chunks of ``$in``."""
        ids = sorted(set(contact_ids))
        found: dict[str, Document] = {}
        for start in range(0, len(ids), IN_CHUNK):
            chunk = ids[start : start + IN_CHUNK]
            for doc in await self.contacts.find({"_id": {"$in": chunk}}, session=session):
                found[doc["_id"]] = doc
        return found

    async def by_emails(self, emails: Iterable[str]) -> dict[str, str]:
        """Live contact ids by (lower-case) e-mail."""
        wanted = sorted({e.lower() for e in emails})
        if not wanted:
            return {}
        docs = await self.contacts.find(
            {"alive": True, "email": {"$in": wanted}}, projection={"email": 1}
        )
        return {doc["email"]: doc["_id"] for doc in docs}

    async def matching_ids(
        self, query: Mapping[str, Any], *, session: AsyncClientSession | None = None
    ) -> list[str]:
        """Ids of live contacts matching a compiled segment filter."""
        docs = await self.contacts.find(
            {"alive": True, **query}, projection={"_id": 1}, session=session
        )
        return [doc["_id"] for doc in docs]

    async def first_live(self, projection: Mapping[str, Any]) -> Document | None:
        """The live contact with the smallest id (a sample contact), if any."""
        found = await self.contacts.find(
            {"alive": True}, sort=[("_id", 1)], limit=1, projection=projection
        )
        return found[0] if found else None

    async def live(self, contact_id: str) -> Document | None:
        """A live projected contact, if any."""
        return await self.contacts.find_one({"_id": contact_id, "alive": True})

    async def preview(self, query: Mapping[str, Any], *, sample: int) -> tuple[int, list[Document]]:
        """How many live contacts match, and the first ``sample`` of them."""
        scoped = {"alive": True, **query}
        count = await self.contacts.count(scoped)
        docs = await self.contacts.find(scoped, projection=SAMPLE_FIELDS, limit=sample)
        return count, docs
