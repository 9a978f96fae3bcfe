"""What tracking links record: opens, clicks and unsubscribes of campaign members."""

from __future__ import annotations

from campaigns.campaigns.domain import Step
from campaigns.campaigns.repository import MemberRepository
from campaigns.campaigns.service import reach
from campaigns.tracking.signing import Claims
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx


async def record_open(rt: Runtime, claims: Claims) -> None:
    """A member opened the e-mail (the pixel loaded)."""

    async def work(tx: Tx) -> None:
        await reach(tx, claims.tenant_id, claims.campaign_id, claims.contact_id, Step.OPENED)

    await rt.uow.run(work)


async def record_click(rt: Runtime, claims: Claims) -> None:
    """A member clicked a link (which also means it opened the e-mail)."""

    async def work(tx: Tx) -> None:
        for step in (Step.OPENED, Step.CLICKED):
            await reach(tx, claims.tenant_id, claims.campaign_id, claims.contact_id, step)

    await rt.uow.run(work)


async def unsubscribe(rt: Runtime, claims: Claims) -> None:
    """The contact opts out of every campaign e-mail of its tenant; in the campaign of
    the link it becomes ``opted_out`` (counted once)."""

    async def work(tx: Tx) -> None:
        await MemberRepository(tx.db, claims.tenant_id).unsubscribe(
            claims.contact_id, claims.campaign_id, session=tx.session
        )
        await reach(tx, claims.tenant_id, claims.campaign_id, claims.contact_id, Step.UNSUBSCRIBED)

    await rt.uow.run(work)
