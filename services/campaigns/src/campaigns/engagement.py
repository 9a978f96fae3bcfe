"""A member reaching a step (sent, opened, clicked...): its time stamp, its status and
the campaign counter, each counted once per member however often the step repeats."""

from __future__ import annotations

from enum import StrEnum

from campaigns.domain import MemberStatus, next_status
from campaigns.member_repository import MemberRepository
from campaigns.metrics.repository import MetricsRepository
from crm_shared.mongo.scoped import Document
from crm_shared.uow import Tx


class Step(StrEnum):
    """What happened to a member; the value is the member status it leads to."""

    SENT = "sent"
    FAILED = "failed"
    BOUNCED = "bounced"
    OPENED = "opened"
    CLICKED = "clicked"
    RESPONDED = "responded"
    CONVERTED = "converted"
    UNSUBSCRIBED = "opted_out"

    @property
    def stamp(self) -> str:
        """The member field recording when the step first happened."""
        return f"{self.name.lower()}_at"

    @property
    def counter(self) -> str | None:
        """The campaign counter of the step (conversions are counted from leads)."""
        return None if self is Step.CONVERTED else self.name.lower()


async def reach(
    tx: Tx, tenant_id: str, campaign_id: str, contact_id: str, step: Step
) -> Document | None:
    """Record ``step`` for a member; returns the member before the change (``None`` when
    the contact is no member, then nothing is recorded)."""
    members = MemberRepository(tx.db, tenant_id)
    member = await members.get(campaign_id, contact_id, session=tx.session)
    if member is None:
        return None
    first = member.get(step.stamp) is None
    status = next_status(member["status"], MemberStatus(step.value))
    if first or status is not None:
        await members.stamp(member, step.stamp, status, session=tx.session)
    if first and step.counter:
        await MetricsRepository(tx.db, tenant_id).add(
            campaign_id, {step.counter: 1}, session=tx.session
        )
    return member
