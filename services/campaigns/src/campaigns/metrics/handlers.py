"""Handlers of the lead, deal and notification events: what campaigns brought in and how
their e-mails were delivered."""

from __future__ import annotations

from campaigns.metrics.service import record_conversion, record_delivery, record_lead, record_win
from crm_shared.events.catalogue import (
    DealWon,
    LeadConverted,
    LeadCreated,
    NotificationFailed,
    NotificationSent,
)
from crm_shared.events.envelope import CloudEvent
from crm_shared.uow import Tx


async def on_lead_created(envelope: CloudEvent, event: LeadCreated, tx: Tx) -> None:
    """Count a lead for its campaign."""
    await record_lead(tx, envelope.tenantid, event)


async def on_lead_converted(envelope: CloudEvent, event: LeadConverted, tx: Tx) -> None:
    """Count a conversion for the lead's campaign."""
    await record_conversion(tx, envelope.tenantid, event)


async def on_deal_won(envelope: CloudEvent, event: DealWon, tx: Tx) -> None:
    """Attribute a won deal's revenue to its campaign."""
    await record_win(tx, envelope.tenantid, event)


async def on_notification(
    envelope: CloudEvent, event: NotificationSent | NotificationFailed, tx: Tx
) -> None:
    """A campaign e-mail's delivery outcome."""
    record_delivery(tx, envelope.tenantid, event)
