"""The contact projection: names, e-mail and account of contacts, built from contact events.

No cross-database reads: deal views join these by ``$in`` on a page's contact ids. It also
keeps the lead a contact was converted from, so a deal created from that lead can find its
contact whichever of the two events arrives first.
"""

from __future__ import annotations

from collections.abc import Iterable

from pymongo.asynchronous.client_session import AsyncClientSession

from crm_shared.events.catalogue import ContactSnapshot
from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.repository import Repository, Session
from crm_shared.mongo.scoped import Document
from deals.contacts.domain import display_name

CONTACTS = "contact_projection"

INDEXES = [
    CollectionIndexes(
        CONTACTS,
        [index([("tenant_id", 1), ("converted_lead_id", 1)], name="tenant_converted_lead")],
    )
]


class ContactProjection(Repository):
    """Projected contacts of one tenant (``_id`` is the contact id)."""

    collection_name = CONTACTS
    kind = "contact"

    async def upsert(
        self,
        contact: ContactSnapshot,
        *,
        converted_lead_id: str | None,
        session: AsyncClientSession,
    ) -> None:
        """Record the contact's current name, e-mail and account (and its lead, if any)."""
        fields: Document = {
            "name": display_name(contact.first_name, contact.last_name),
            "email": contact.email,
            "account_id": contact.account_id,
            "version": contact.version,
        }
        if converted_lead_id:
            fields["converted_lead_id"] = converted_lead_id
        await self.items.collection.update_one(
            {"_id": contact.contact_id, "tenant_id": self.tenant_id},
            {"$set": fields},
            upsert=True,
            session=session,
        )

    async def forget(self, contact_id: str, *, session: AsyncClientSession) -> None:
        """Forget a deleted contact."""
        await self.items.collection.delete_one(
            self.items.scope({"_id": contact_id}), session=session
        )

    async def by_ids(self, contact_ids: Iterable[str]) -> dict[str, Document]:
        """Projected contacts by id (one ``$in`` read for a whole page)."""
        ids = sorted(set(contact_ids))
        if not ids:
            return {}
        docs = await self.items.find({"_id": {"$in": ids}})
        return {doc["_id"]: doc for doc in docs}

    async def converted_from(self, lead_id: str, *, session: Session = None) -> Document | None:
        """The contact created (or linked) by converting ``lead_id``, if known yet."""
        return await self.items.find_one({"converted_lead_id": lead_id}, session=session)
