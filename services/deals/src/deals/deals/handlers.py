"""Handlers of the leads service's events (thin: they call a use case)."""

from __future__ import annotations

from crm_shared.events.catalogue import LeadConverted
from crm_shared.events.envelope import CloudEvent
from crm_shared.uow import Tx
from deals.deals.service import create_from_lead


async def on_lead_converted(envelope: CloudEvent, event: LeadConverted, tx: Tx) -> None:
    """Open the deal the conversion asked for (if any)."""
    await create_from_lead(tx, envelope.tenantid, event)
