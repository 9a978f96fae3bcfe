"""Handlers of the events the leads service consumes: what became of converted leads."""

from __future__ import annotations

from crm_shared.events.catalogue import (
    ContactCreated,
    ContactUpdated,
    DealStageChanged,
)
from crm_shared.events.envelope import CloudEvent
from crm_shared.uow import Tx
from leads.leads.repository import LeadRepository


async def on_contact_from_conversion(
    envelope: CloudEvent, event: ContactCreated | ContactUpdated, tx: Tx
) -> None:
    """Link a converted lead to the contact (and account) its conversion created or found."""
    if not event.converted_lead_id:
        return
    await LeadRepository(tx.db, envelope.tenantid).record_conversion(
        event.converted_lead_id,
        {"contact_id": event.contact_id, "account_id": event.contact.account_id},
        session=tx.session,
    )


async def on_deal_stage_changed(envelope: CloudEvent, event: DealStageChanged, tx: Tx) -> None:
    """Close the loop on a converted lead: remember its deal's stage and outcome."""
    if not event.source_lead_id:
        return
    outcome = "won" if event.is_won else "lost" if event.is_lost else "open"
    await LeadRepository(tx.db, envelope.tenantid).record_conversion(
        event.source_lead_id,
        {"deal_id": event.deal_id, "deal_stage": event.to_stage, "deal_outcome": outcome},
        session=tx.session,
    )
