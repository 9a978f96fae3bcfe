"""Use cases of campaign metrics: the metrics of one campaign (delivery and engagement
counters, attribution, ROI), and what the lead, deal and notification events record:
delivery outcomes of campaign e-mails, and the leads, conversions and won deals a campaign
brought in."""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Any

from campaigns.campaigns.domain import Reached, Step
from campaigns.campaigns.repository import CampaignRepository
from campaigns.campaigns.service import reach_many
from campaigns.metrics.domain import roi
from campaigns.metrics.repository import MetricsRepository
from crm_shared.auth import Access
from crm_shared.events.catalogue import (
    DealWon,
    LeadConverted,
    LeadCreated,
    NotificationFailed,
    NotificationSent,
)
from crm_shared.fields import from_bson
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx


def _money(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


async def campaign_metrics(rt: Runtime, access: Access, campaign_id: str) -> dict[str, Any]:
    """Counters (unique members), leads, conversions, won deals, revenue in the campaign's
    currency (other currencies apart), cost (actual cost, else budget) and ROI; while the
    campaign is ``enrolling`` its audience after the launch, ``audience`` and
    ``suppressed`` grow with each chunk enrolled."""
    tenant = access.tenant_id
    campaign = await CampaignRepository(rt.db, tenant).get(campaign_id)
    repo = MetricsRepository(rt.db, tenant)
    leads, converted = await repo.lead_counts(campaign_id)
    deals_won, revenue = await repo.revenue(campaign_id)
    currency = campaign["currency"]
    own = revenue.pop(currency, Decimal(0))
    actual = campaign.get("actual_cost")
    cost: Decimal = from_bson(actual if actual is not None else campaign["budget"])
    ratio = roi(own, cost)
    return {
        "campaign_id": campaign_id,
        "status": campaign["status"],
        "enrolling": bool(campaign.get("enrolling", False)),
        **await repo.counters(campaign_id),
        "leads": leads,
        "converted": converted,
        "deals_won": deals_won,
        "currency": currency,
        "revenue": _money(own),
        "revenue_other_currencies": {c: _money(v) for c, v in sorted(revenue.items())},
        "cost": _money(cost),
        "roi": None if ratio is None else str(ratio),
    }


def record_delivery(tx: Tx, tenant_id: str, event: NotificationSent | NotificationFailed) -> None:
    """A campaign e-mail was sent, failed, or bounced (a permanent failure): recorded with
    the other outcomes of the consumer's batch, in one bulk just before it commits."""
    if event.channel != "email" or not event.campaign_id or not event.contact_id:
        return
    if isinstance(event, NotificationSent):
        step = Step.SENT
    else:
        step = Step.BOUNCED if event.permanent else Step.FAILED
    steps = tx.buffer(("reach", tenant_id), partial(_reach_all, tx, tenant_id))
    steps.append(Reached(event.campaign_id, event.contact_id, step))


async def _reach_all(tx: Tx, tenant_id: str, steps: list[Reached]) -> None:
    await reach_many(tx, tenant_id, steps)


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
    converted = [Reached(campaign_id, c, Step.CONVERTED) for c in event.contact_ids]
    await reach_many(tx, tenant_id, converted)
