"""Contacts in MongoDB: documents, derived search fields, e-mail lookups, stats."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from bson import Decimal128
from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.client_session import AsyncClientSession

from contacts.contacts.domain import contact_search_values
from crm_shared.ids import utcnow
from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.pagination import SortKeys
from crm_shared.mongo.repository import BY_CREATED, Repository, Session, newest_first
from crm_shared.mongo.scoped import Document
from crm_shared.search import normalize_text, search_fields

CONTACTS = "contacts"

CONTACT_SORTS: dict[str, SortKeys] = {
    "-created_at": newest_first("created_at"),
    "created_at": (("created_at", ASCENDING), ("_id", ASCENDING)),
    "-updated_at": newest_first("updated_at"),
    "name": (("name_key", ASCENDING), ("_id", ASCENDING)),
}
"""Allowed ``sort`` values of contact lists; each has an index below."""

CONTACT_INDEXES = CollectionIndexes(
    CONTACTS,
    [
        # E-mails are unique per tenant across every e-mail of every contact (a multikey
        # unique index: checked against the embedded server in the tests).
        index(
            [("tenant_id", ASCENDING), ("emails", ASCENDING)],
            name="tenant_emails_unique",
            unique=True,
            partialFilterExpression={"emails": {"$type": "string"}},
        ),
        # The embedded server never plans on a partial index: lookups need a plain one.
        index([("tenant_id", 1), ("emails", 1), ("_id", 1)], name="tenant_emails_lookup"),
        index([("tenant_id", 1), *BY_CREATED], name="tenant_created"),
        index([("tenant_id", 1), ("owner_id", 1), *BY_CREATED], name="tenant_owner_created"),
        index([("tenant_id", 1), ("account_id", 1), *BY_CREATED], name="tenant_account_created"),
        index([("tenant_id", 1), ("lifecycle_stage", 1), *BY_CREATED], name="tenant_stage_created"),
        index([("tenant_id", 1), ("tags", 1), *BY_CREATED], name="tenant_tags_created"),
        index([("tenant_id", 1), ("rfm_segment", 1), *BY_CREATED], name="tenant_rfm_created"),
        index([("tenant_id", 1), ("do_not_contact", 1), *BY_CREATED], name="tenant_dnc_created"),
        index([("tenant_id", 1), ("search", 1), *BY_CREATED], name="tenant_search_created"),
        index([("tenant_id", 1), ("updated_at", -1), ("_id", -1)], name="tenant_updated"),
        index([("tenant_id", 1), ("name_key", 1), ("_id", 1)], name="tenant_name"),
        index([("tenant_id", 1), ("purchase_count", DESCENDING)], name="tenant_customers"),
    ],
)

STATS_FIELDS = (
    "purchase_count",
    "purchase_totals",
    "purchase_total",
    "first_purchase_at",
    "last_purchase_at",
    "lost_deals",
)


def contact_derived(contact: Mapping[str, Any]) -> Document:
    """Stored search keys, search words and the name sort key of a contact."""
    name = " ".join(v for v in (contact.get("last_name"), contact.get("first_name")) if v)
    return {**search_fields(contact_search_values(contact)), "name_key": normalize_text(name)}


def stats_to_bson(stats: Mapping[str, Any]) -> Document:
    """Purchase stats with money as Decimal128 (exact in MongoDB)."""
    out = dict(stats)
    out["purchase_totals"] = {k: Decimal128(v) for k, v in stats["purchase_totals"].items()}
    out["purchase_total"] = Decimal128(stats["purchase_total"])
    return out


class ContactRepository(Repository):
    """Contacts of one tenant."""

    collection_name = CONTACTS
    kind = "contact"

    async def by_emails(self, emails: Sequence[str], *, session: Session = None) -> dict[str, str]:
        """Existing contact ids by e-mail (any of each contact's e-mails)."""
        if not emails:
            return {}
        wanted = set(emails)
        docs = await self.items.find(
            {"emails": {"$in": list(wanted)}}, projection={"emails": 1}, session=session
        )
        return {e: d["_id"] for d in docs for e in d.get("emails") or [] if e in wanted}

    async def set_server_fields(
        self, contact_id: str, fields: Mapping[str, Any], *, session: AsyncClientSession
    ) -> Document | None:
        """Set server-maintained fields (stats, stage, segment) and bump the version; no
        version check (these writes never race a user's intent on the same fields)."""
        return await self.items.collection.find_one_and_update(
            self.items.scope({"_id": contact_id}),
            {"$set": {**fields, "updated_at": utcnow()}, "$inc": {"version": 1}},
            return_document=ReturnDocument.AFTER,
            session=session,
        )

    async def first_of_account(self, account_id: str) -> Document | None:
        """A contact that belongs to ``account_id``, if any."""
        return await self.items.find_one({"account_id": account_id})

    def customers(self) -> AsyncIterator[Document]:
        """Every contact with a purchase: id, stats and segment (RFM ranking)."""
        projection = dict.fromkeys((*STATS_FIELDS, "rfm_segment", "version"), 1)
        cursor = self.items.collection.find(
            self.items.scope({"purchase_count": {"$gt": 0}}), projection
        )
        return aiter(cursor)
