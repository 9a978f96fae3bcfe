"""Use cases of the lead, deal and notification events: delivery outcomes of campaign
e-mails, and the leads, conversions and won deals a campaign brought in."""

from __future__ import annotations

from campaigns.engagement import Step, reach
from campaigns.metrics_repository import MetricsRepository
from crm_shared.events.catalogue import (
    DealWon,
    LeadConverted,
    LeadCreated,
    NotificationFailed,
    NotificationSent,
)
from crm_shared.uow import Tx


async def record_delivery(
    tx: Tx, tenant_id: str, event: NotificationSent | NotificationFailed
) -> None:
    """A campaign e-mail was sent, failed, or bounced (a permanent failure)."""
    if event.channel != "email" or not event.campaign_id or not event.contact_id:
        return
    if isinstance(event, NotificationSent):
        step = Step.SENT
    else:
        step = Step.BOUNCED if event.permanent else Step.FAILED
    await reach(tx, tenant_id, event.campaign_id, event.contact_id, step)


async def record_lead(tx: Tx, tenant_id: str, event: LeadCreated) -> None:
    """A lead that names a campaign as its source."""
    if event.lead.campaign_id:
        await MetricsRepository(tx.db, tenant_id).record_lead(
            event.lead_id, event.lead.campaign_id, converted=False, session=tx.session
        )


async def record_conversion(tx: Tx, tenant_id: str, event: LeadConverted) -> None:
    """A campaign's lead was converted."""
    if event.campaign_id:
        await MetricsRepository(tx.db, tenant_id).record_lead(
            event.lead_id, event.campaign_id, converted=True, session=tx.session
        )


async def record_win(tx: Tx, tenant_id: str, event: DealWon) -> None:
    """A won deal counts for the campaign it names (first touch), else for the campaign
    of the lead it was converted from; its contacts in that campaign become converted."""
    metrics = MetricsRepository(tx.db, tenant_id)
    campaign_id = event.campaign_id
    if not campaign_id and event.source_lead_id:
        campaign_id = await metrics.campaign_of_lead(event.source_lead_id, session=tx.session)
    if not campaign_id:
        return
    await metrics.record_deal(
        event.deal_id, campaign_id, event.amount, event.currency, session=tx.session
    )
    for contact_id in event.contact_ids:
        await reach(tx, tenant_id, campaign_id, contact_id, Step.CONVERTED)
