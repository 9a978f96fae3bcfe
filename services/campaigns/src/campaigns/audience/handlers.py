"""Handlers of the contact and account events: they keep the contact projection current."""

from __future__ import annotations

from campaigns.audience.service import apply_account, apply_contact, remove_contact
from crm_shared.events.catalogue import (
    AccountCreated,
    ContactCreated,
    ContactDeleted,
    ContactUpdated,
)
from crm_shared.events.envelope import CloudEvent
from crm_shared.uow import Tx


async def on_contact_created(envelope: CloudEvent, event: ContactCreated, tx: Tx) -> None:
    """Project the new contact; its creation time is the event's."""
    await apply_contact(tx, envelope.tenantid, event.contact, created_at=envelope.time)


async def on_contact_updated(envelope: CloudEvent, event: ContactUpdated, tx: Tx) -> None:
    """Project the changed contact (if newer)."""
    await apply_contact(tx, envelope.tenantid, event.contact, created_at=None)


async def on_contact_deleted(envelope: CloudEvent, event: ContactDeleted, tx: Tx) -> None:
    """Bury the contact; a merge hands its memberships to the survivor."""
    await remove_contact(tx, envelope.tenantid, event.contact_id, event.merged_into)


async def on_account_created(envelope: CloudEvent, event: AccountCreated, tx: Tx) -> None:
    """Copy the account's industry and size onto its contacts."""
    await apply_account(tx, envelope.tenantid, event)
