"""The metrics of one campaign: delivery and engagement counters, attribution, ROI."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from campaigns.campaign_repository import CampaignRepository
from campaigns.domain import roi
from campaigns.metrics_repository import MetricsRepository
from crm_shared.auth import Access
from crm_shared.fields import from_bson
from crm_shared.runtime import Runtime


def _money(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


async def campaign_metrics(rt: Runtime, access: Access, campaign_id: str) -> dict[str, Any]:
    """Counters (unique members), leads, conversions, won deals, revenue in the campaign's
    currency (other currencies apart), cost (actual cost, else budget) and ROI."""
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
