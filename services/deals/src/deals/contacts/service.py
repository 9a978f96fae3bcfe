"""Use cases driven by the contacts service's events: the contact projection, and the
contacts of deals kept in step with it. Each runs in the consumer's transaction."""

from __future__ import annotations

from crm_shared.events.catalogue import ContactSnapshot
from crm_shared.mongo.scoped import Document
from crm_shared.uow import Tx
from deals.contacts.domain import converted_parties, without_contact
from deals.contacts.repository import ContactProjection
from deals.deals.repository import DealRepository, derived_fields


async def project_contact(
    tx: Tx, tenant_id: str, contact: ContactSnapshot, converted_lead_id: str | None
) -> None:
    """Update the contact projection; a contact from a conversion joins that lead's deal."""
    await ContactProjection(tx.db, tenant_id).upsert(
        contact, converted_lead_id=converted_lead_id, session=tx.session
    )
    if converted_lead_id:
        await link_converted_deal(
            tx, tenant_id, converted_lead_id, contact.contact_id, contact.account_id
        )


async def link_converted_deal(
    tx: Tx, tenant_id: str, lead_id: str, contact_id: str, account_id: str | None
) -> None:
    """Give the deal opened by converting ``lead_id`` (if it exists yet) its contact and
    the contact's account (see :func:`converted_parties`); no write when it has them.

    Called from both sides of a conversion, each after writing its own half (the contact
    projected; the deal committed): whichever of the two events is handled second links
    them, even when both are handled at once."""
    deals = DealRepository(tx.db, tenant_id)
    deal = await deals.by_source_lead(lead_id)
    if deal is None:
        return
    contacts, account_id = converted_parties(
        deal.get("contacts") or [],
        deal.get("account_id"),
        deal.get("conversion_parties") or {},
        contact_id,
        account_id,
    )
    if contacts == deal.get("contacts") and account_id == deal.get("account_id"):
        return
    fields = {"contacts": contacts, "account_id": account_id}
    fields.update(derived_fields({**deal, **fields}))
    await deals.update(deal["_id"], deal["version"], {"$set": fields}, session=tx.session)


async def remove_contact(tx: Tx, tenant_id: str, contact_id: str, merged_into: str | None) -> None:
    """A deleted contact leaves the projection; on deals it is replaced by the contact it
    was merged into (keeping its role), or dropped."""
    await ContactProjection(tx.db, tenant_id).forget(contact_id, session=tx.session)
    deals = DealRepository(tx.db, tenant_id)
    for deal in await deals.with_contact(contact_id, session=tx.session):
        contacts = without_contact(deal.get("contacts") or [], contact_id, merged_into)
        fields: Document = {"contacts": contacts, **derived_fields({**deal, "contacts": contacts})}
        await deals.update(deal["_id"], deal["version"], {"$set": fields}, session=tx.session)
