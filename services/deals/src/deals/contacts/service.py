"""Use cases driven by other services' events: deals from converted leads, and keeping the
deals' contacts in step with the contacts service. Each runs in the consumer's transaction."""

from __future__ import annotations

from crm_shared.events.catalogue import ContactSnapshot, LeadConverted
from crm_shared.mongo.scoped import Document
from crm_shared.uow import Tx
from deals.contact_repository import ContactProjection
from deals.deal_repository import DealRepository, derived_fields
from deals.deal_service import insert_deal, new_deal
from deals.domain import first_open_stage, resolve_probability
from deals.pipeline_repository import PipelineRepository, stages_of

PRIMARY = "primary"


def _with_contact(deal: Document, contact_id: str) -> list[Document]:
    """The deal's contacts with ``contact_id`` added as primary (unless already there)."""
    contacts = list(deal.get("contacts") or [])
    if all(c["contact_id"] != contact_id for c in contacts):
        contacts.insert(0, {"contact_id": contact_id, "role": PRIMARY})
    return contacts


async def create_from_lead(tx: Tx, tenant_id: str, event: LeadConverted) -> None:
    """Open the deal a lead conversion asked for, in the default pipeline's first stage.

    A second delivery (or another event for the same lead) finds the deal and does nothing;
    the unique index on ``source_lead_id`` backs this up. If the contact of the conversion
    is already projected, the deal gets it (and its account) at once. Reads run outside the
    transaction, which holds only the writes (the embedded server serialises transaction
    statements); the unique index and versioned updates turn races into retries.
    """
    draft = event.deal
    deals = DealRepository(tx.db, tenant_id)
    if draft is None or await deals.by_source_lead(event.lead_id):
        return
    pipeline = await PipelineRepository(tx.db, tenant_id).ensure_default()
    stage = first_open_stage(stages_of(pipeline))
    contact = await ContactProjection(tx.db, tenant_id).converted_from(event.lead_id)
    doc = new_deal(
        name=draft.name,
        pipeline_id=pipeline["_id"],
        stage=stage,
        amount=draft.amount,
        currency=draft.currency,
        probability=resolve_probability(stage, None),
        expected_close_date=draft.expected_close_date,
        contacts=[{"contact_id": contact["_id"], "role": PRIMARY}] if contact else [],
        account_id=contact.get("account_id") if contact else None,
        owner_id=event.owner_id,
        campaign_id=event.campaign_id,
        source_lead_id=event.lead_id,
        created_by=event.converted_by,
    )
    await insert_deal(tx, tenant_id, doc, created_by=event.converted_by)


async def project_contact(
    tx: Tx, tenant_id: str, contact: ContactSnapshot, converted_lead_id: str | None
) -> None:
    """Update the contact projection; a contact from a conversion joins that lead's deal."""
    await ContactProjection(tx.db, tenant_id).upsert(
        contact, converted_lead_id=converted_lead_id, session=tx.session
    )
    if not converted_lead_id:
        return
    deals = DealRepository(tx.db, tenant_id)
    deal = await deals.by_source_lead(converted_lead_id)
    if deal is None:
        return
    contacts = _with_contact(deal, contact.contact_id)
    account_id = deal.get("account_id") or contact.account_id
    if contacts == deal.get("contacts") and account_id == deal.get("account_id"):
        return
    fields = {"contacts": contacts, "account_id": account_id}
    fields.update(derived_fields({**deal, **fields}))
    await deals.update(deal["_id"], deal["version"], {"$set": fields}, session=tx.session)


async def remove_contact(tx: Tx, tenant_id: str, contact_id: str, merged_into: str | None) -> None:
    """A deleted contact leaves the projection; on deals it is replaced by the contact it
    was merged into (keeping its role), or dropped."""
    await ContactProjection(tx.db, tenant_id).delete(contact_id, session=tx.session)
    deals = DealRepository(tx.db, tenant_id)
    for deal in await deals.with_contact(contact_id, session=tx.session):
        contacts: list[Document] = []
        for entry in deal.get("contacts") or []:
            if entry["contact_id"] == contact_id:
                entry = {**entry, "contact_id": merged_into} if merged_into else None
            if entry and all(c["contact_id"] != entry["contact_id"] for c in contacts):
                contacts.append(entry)
        fields: Document = {"contacts": contacts, **derived_fields({**deal, "contacts": contacts})}
        await deals.update(deal["_id"], deal["version"], {"$set": fields}, session=tx.session)
