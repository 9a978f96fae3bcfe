"""Handlers of the contacts service's events (thin: they call a use case)."""

from __future__ import annotations

from crm_shared.events.catalogue import ContactCreated, ContactDeleted, ContactUpdated
from crm_shared.events.envelope import CloudEvent
from crm_shared.uow import Tx
from deals.contacts.service import project_contact, remove_contact


async def on_contact_changed(
    envelope: CloudEvent, event: ContactCreated | ContactUpdated, tx: Tx
) -> None:
    """Project the contact; link it to its converted lead's deal."""
    await project_contact(tx, envelope.tenantid, event.contact, event.converted_lead_id)


async def on_contact_deleted(envelope: CloudEvent, event: ContactDeleted, tx: Tx) -> None:
    """Drop the contact; deals point at the contact it was merged into."""
    await remove_contact(tx, envelope.tenantid, event.contact_id, event.merged_into)
