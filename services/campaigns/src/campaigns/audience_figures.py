"""How many contacts a campaign reaches, and how many of them get no e-mail.

Before launch the audience is evaluated now exactly as launch would freeze it (the same
:func:`campaign_audience` and :func:`check_out`); once launched, the figures are the
frozen ones kept in the campaign's metrics (members enrolled at launch and added since).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from campaigns.audience import campaign_audience, check_out
from campaigns.campaign_repository import CampaignRepository
from campaigns.domain import CampaignStatus
from campaigns.metrics_repository import MetricsRepository
from crm_shared.auth import Access
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx


class AudienceFigures(BaseModel):
    """A campaign's audience: its contacts, those suppressed (opted out, do not contact,
    no e-mail address, deleted) and those who can be e-mailed."""

    audience: int = Field(ge=0, description="Distinct contacts in the audience")
    suppressed: int = Field(ge=0, description="Of them, those who get no e-mail")
    reachable: int = Field(ge=0, description="audience - suppressed")

    @classmethod
    def of(cls, audience: int, suppressed: int) -> AudienceFigures:
        """The figures of ``audience`` contacts of whom ``suppressed`` get no e-mail."""
        return cls(audience=audience, suppressed=suppressed, reachable=audience - suppressed)


async def audience_figures(rt: Runtime, access: Access, campaign_id: str) -> AudienceFigures:
    """The would-be audience of a planned campaign, evaluated now; the frozen audience of
    a launched one (404 for a campaign not in the caller's tenant)."""
    tenant = access.tenant_id

    async def work(tx: Tx) -> AudienceFigures:
        campaign = await CampaignRepository(tx.db, tenant).get(campaign_id, session=tx.session)
        if campaign["status"] != CampaignStatus.PLANNED:
            counters = await MetricsRepository(tx.db, tenant).counters(
                campaign_id, session=tx.session
            )
            return AudienceFigures.of(counters["audience"], counters["suppressed"])
        audience = await campaign_audience(tx, tenant, campaign)
        recipients = await check_out(tx, tenant, audience.contact_ids)
        suppressed = sum(1 for r in recipients.values() if r.suppressed is not None)
        return AudienceFigures.of(len(recipients), suppressed)

    return await rt.uow.run(work)
