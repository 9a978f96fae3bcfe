"""Launch, pause, resume and complete a campaign, and add members to it.

Launching freezes the audience (the campaign's segments evaluated now plus the members
added by hand), records suppressed members with their reason, sets the campaign active,
opens its send job and publishes CampaignLaunched, all in one transaction. The
background sender (``campaigns.sender``) then requests the e-mails.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from campaigns.audience.repository import ContactProjection
from campaigns.audience.service import campaign_audience, enrol
from campaigns.campaign_repository import CampaignRepository, SendJobs
from campaigns.domain import CampaignStatus, can_launch
from campaigns.engagement import Step, reach
from campaigns.member_repository import MemberRepository
from campaigns.metrics.repository import MetricsRepository
from crm_shared.auth import Access
from crm_shared.errors import Conflict, NotFound
from crm_shared.events.catalogue import CampaignLaunched, CampaignMemberAdded, EventData
from crm_shared.ids import utcnow
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx

Wake = Callable[[], None]


def _member_added(doc: Document, by: str) -> CampaignMemberAdded:
    return CampaignMemberAdded(
        campaign_id=doc["campaign_id"],
        contact_id=doc["contact_id"],
        status=doc["status"],
        added_by=by,
    )


async def _set_status(
    tx: Tx, tenant: str, current: Document, version: int, fields: dict[str, Any]
) -> Document:
    return await CampaignRepository(tx.db, tenant).update(
        current["_id"], version, {"$set": fields}, session=tx.session
    )


async def _freeze(tx: Tx, tenant: str, campaign: Document, version: int, by: str) -> Document:
    """The launch proper (see the module docstring)."""
    if not campaign.get("template"):
        raise Conflict("the campaign has no e-mail template: set one before launching")
    audience = await campaign_audience(tx, tenant, campaign)
    by_hand = audience.by_hand
    if not audience.segments and not by_hand:
        raise Conflict("the campaign has no audience: add segments or members before launching")
    enrolment = await enrol(tx, tenant, campaign["_id"], audience.contact_ids, frozen=True)
    for doc in enrolment.members:
        if (earlier := by_hand.get(doc["contact_id"])) is not None:
            doc["added_at"] = earlier["added_at"]
    members = MemberRepository(tx.db, tenant)
    await members.drop_campaign(campaign["_id"], session=tx.session)
    await members.insert_many(enrolment.members, session=tx.session)
    now = utcnow()
    size = len(enrolment.members) - enrolment.suppressed
    doc = await _set_status(
        tx,
        tenant,
        campaign,
        version,
        {
            "status": CampaignStatus.ACTIVE.value,
            "launched_at": now,
            "launched_by": by,
            "audience_size": size,
            "suppressed": enrolment.suppressed,
        },
    )
    await MetricsRepository(tx.db, tenant).add(
        campaign["_id"],
        {"audience": len(enrolment.members), "suppressed": enrolment.suppressed},
        session=tx.session,
    )
    await SendJobs(tx.db).open(campaign["_id"], tenant, session=tx.session)
    events: list[EventData] = [
        _member_added(m, by) for m in enrolment.members if m["contact_id"] not in by_hand
    ]
    events.append(
        CampaignLaunched(
            campaign_id=campaign["_id"],
            name=campaign["name"],
            type=campaign["type"],
            segment_ids=campaign["segment_ids"],
            audience_size=size,
            suppressed=enrolment.suppressed,
            launched_by=by,
            launched_at=now,
        )
    )
    await tx.emit_many(events, tenant_id=tenant)
    return doc


async def _resume(tx: Tx, tenant: str, campaign: Document, version: int) -> Document:
    doc = await _set_status(tx, tenant, campaign, version, {"status": CampaignStatus.ACTIVE.value})
    await SendJobs(tx.db).open(campaign["_id"], tenant, session=tx.session)
    return doc


async def launch(
    rt: Runtime, access: Access, campaign_id: str, *, if_match: int | None, wake: Wake
) -> Document:
    """Launch a planned campaign, or continue a paused one (409 in any other status, or
    without template or audience)."""
    tenant = access.tenant_id

    async def work(tx: Tx) -> Document:
        current = await CampaignRepository(tx.db, tenant).get(campaign_id, session=tx.session)
        if not can_launch(current["status"]):
            raise Conflict(f"a {current['status']} campaign cannot be launched")
        version = if_match if if_match is not None else current["version"]
        tx.after_commit(wake)
        if current["status"] == CampaignStatus.PAUSED:
            return await _resume(tx, tenant, current, version)
        return await _freeze(tx, tenant, current, version, access.principal.sub)

    return await rt.uow.run(work)


async def change_status(
    rt: Runtime,
    access: Access,
    campaign_id: str,
    target: CampaignStatus,
    *,
    if_match: int | None,
    wake: Wake,
) -> Document:
    """Pause an active campaign, resume a paused one, or complete a launched one; the
    send job is closed (pause, complete) or reopened (resume) in the same transaction."""
    allowed = {
        CampaignStatus.PAUSED: {CampaignStatus.ACTIVE},
        CampaignStatus.ACTIVE: {CampaignStatus.PAUSED},
        CampaignStatus.COMPLETED: {CampaignStatus.ACTIVE, CampaignStatus.PAUSED},
    }[target]
    tenant = access.tenant_id

    async def work(tx: Tx) -> Document:
        current = await CampaignRepository(tx.db, tenant).get(campaign_id, session=tx.session)
        if current["status"] not in allowed:
            raise Conflict(f"a {current['status']} campaign cannot become {target.value}")
        version = if_match if if_match is not None else current["version"]
        if target is CampaignStatus.ACTIVE:
            tx.after_commit(wake)
            return await _resume(tx, tenant, current, version)
        fields: dict[str, Any] = {"status": target.value}
        if target is CampaignStatus.COMPLETED:
            fields["completed_at"] = utcnow()
        await SendJobs(tx.db).close(campaign_id, session=tx.session)
        return await _set_status(tx, tenant, current, version, fields)

    return await rt.uow.run(work)


async def enrol_members(
    tx: Tx, tenant_id: str, campaign_id: str, contact_ids: list[str], *, by: str, wake: Wake
) -> dict[str, Any]:
    """Add contacts to a campaign inside ``tx`` (publishes CampaignMemberAdded each). In a
    launched campaign they are queued for sending at once (or recorded as suppressed);
    unknown contacts and existing members are reported, not added."""
    campaign = await CampaignRepository(tx.db, tenant_id).get(campaign_id, session=tx.session)
    if campaign["status"] == CampaignStatus.COMPLETED:
        raise Conflict("the campaign is completed")
    known = await ContactProjection(tx.db, tenant_id).by_ids(contact_ids, session=tx.session)
    unknown = [c for c in contact_ids if not known.get(c, {}).get("alive")]
    members = MemberRepository(tx.db, tenant_id)
    wanted = [c for c in contact_ids if c not in set(unknown)]
    existing = await members.of_campaign(campaign_id, wanted, session=tx.session)
    fresh = [c for c in wanted if c not in existing]
    frozen = campaign["status"] != CampaignStatus.PLANNED
    enrolment = await enrol(tx, tenant_id, campaign_id, fresh, frozen=frozen)
    await members.insert_many(enrolment.members, session=tx.session)
    if frozen:
        await MetricsRepository(tx.db, tenant_id).add(
            campaign_id,
            {"audience": len(enrolment.members), "suppressed": enrolment.suppressed},
            session=tx.session,
        )
    if campaign["status"] == CampaignStatus.ACTIVE and enrolment.members:
        await SendJobs(tx.db).open(campaign_id, tenant_id, session=tx.session)
        tx.after_commit(wake)
    await tx.emit_many([_member_added(m, by) for m in enrolment.members], tenant_id=tenant_id)
    return {
        "added": len(enrolment.members),
        "suppressed": enrolment.suppressed,
        "already_members": len(existing),
        "unknown": unknown,
    }


async def add_members(
    rt: Runtime, access: Access, campaign_id: str, contact_ids: list[str], *, wake: Wake
) -> dict[str, Any]:
    """Add contacts by id (see :func:`enrol_members`)."""

    async def work(tx: Tx) -> dict[str, Any]:
        return await enrol_members(
            tx, access.tenant_id, campaign_id, contact_ids, by=access.principal.sub, wake=wake
        )

    return await rt.uow.run(work)


async def mark_responded(
    rt: Runtime, access: Access, campaign_id: str, contact_id: str
) -> Document:
    """Record that a member responded (counted once per member)."""
    tenant = access.tenant_id

    async def work(tx: Tx) -> Document:
        await CampaignRepository(tx.db, tenant).get(campaign_id, session=tx.session)
        if await reach(tx, tenant, campaign_id, contact_id, Step.RESPONDED) is None:
            raise NotFound(f"contact {contact_id} is not a member of campaign {campaign_id}")
        member = await MemberRepository(tx.db, tenant).get(
            campaign_id, contact_id, session=tx.session
        )
        return member or {}

    return await rt.uow.run(work)
