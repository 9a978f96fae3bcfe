"""Use cases on campaigns: create, read, change, delete and list; launch, pause, resume and
complete; members added by hand and their responses; and the engagement steps members reach.

Launching a planned campaign is one short transaction: it checks that the campaign has a
template and an audience (one of its segments exists, or a member was added by hand;
nothing is evaluated), sets it active with ``enrolling: true`` and opens its send job in
the enrol phase; the request is answered 202 at once. The background sender
(``campaigns.campaigns.sender``) then evaluates the audience (the campaign's segments
plus the members added by hand) and enrols it in chunks of ``enrol_batch_size``, one
transaction each (:func:`enrol_chunk`: the members queued or recorded as suppressed with
their reason, the audience counters, CampaignMemberAdded), keeping its place in the job
so another instance continues where it stopped; a last transaction
(:func:`finish_enrolment`) sets ``audience_size`` and ``suppressed``, turns
``enrolling`` false and publishes CampaignLaunched; then the sender requests the e-mails.
While enrolling, a campaign cannot pause or take members by hand (409); completing it
stops the enrolment.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bson import Decimal128

from campaigns.audience.repository import ContactProjection
from campaigns.audience.service import enrol
from campaigns.campaigns.domain import (
    MUTABLE_BEFORE_LAUNCH,
    CampaignStatus,
    MemberStatus,
    Reached,
    Step,
    can_launch,
    next_status,
)
from campaigns.campaigns.repository import (
    CampaignRepository,
    MemberRepository,
    SendJobs,
    member_key,
)
from campaigns.campaigns.schemas import CampaignCreate, CampaignUpdate
from campaigns.campaigns.views import member_view, view
from campaigns.metrics.repository import MetricsRepository
from campaigns.segments.repository import SegmentRepository
from crm_shared.auth import Access
from crm_shared.errors import Conflict, NotFound, Unprocessable
from crm_shared.events.catalogue import CampaignLaunched, CampaignMemberAdded
from crm_shared.idempotency import create_once
from crm_shared.ids import new_id, utcnow
from crm_shared.mongo.pagination import fingerprint
from crm_shared.mongo.repository import ListFilter, expected_version, newest_first
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx

NEWEST = newest_first("created_at")
_MONEY = frozenset({"budget", "actual_cost", "expected_revenue"})
_DATES = frozenset({"start_date", "end_date"})
Wake = Callable[[], None]


# --- campaigns -------------------------------------------------------------------------


def stored(name: str, value: Any) -> Any:
    """An API value as stored (Decimal128 money, ISO dates, template dict)."""
    if value is None:
        return None
    if name in _MONEY:
        return Decimal128(value)
    if name in _DATES:
        return value.isoformat()
    if name == "template":
        return value.model_dump()
    return value


async def check_segments(rt: Runtime, tenant_id: str, segment_ids: list[str]) -> None:
    """422 unless every segment exists in the tenant."""
    if not segment_ids:
        return
    found = {s["_id"] for s in await SegmentRepository(rt.db, tenant_id).many(segment_ids)}
    if missing := [s for s in segment_ids if s not in found]:
        raise Unprocessable(f"unknown segments: {', '.join(missing)}")


async def create_campaign(
    rt: Runtime, access: Access, data: CampaignCreate, *, idempotency_key: str | None
) -> tuple[Document, bool]:
    """Create a planned campaign; returns (view, replayed)."""
    tenant = access.tenant_id
    await check_segments(rt, tenant, data.segment_ids)
    doc: Document = {"_id": new_id("cmp")}
    doc.update((name, stored(name, getattr(data, name))) for name in CampaignCreate.model_fields)
    doc.update(
        owner_id=data.owner_id or access.principal.sub,
        status=CampaignStatus.PLANNED.value,
        created_by=access.principal.sub,
    )

    async def work(tx: Tx) -> Document:
        repo = CampaignRepository(tx.db, tenant)
        await repo.insert(dict(doc), session=tx.session)
        return view(await repo.get(doc["_id"], session=tx.session))

    return await create_once(
        rt.uow, tenant, data.model_dump(mode="json"), work, idempotency_key=idempotency_key
    )


async def get_campaign(rt: Runtime, access: Access, campaign_id: str) -> Document:
    """One campaign."""
    return await CampaignRepository(rt.db, access.tenant_id).get(campaign_id)


async def update_campaign(
    rt: Runtime, access: Access, campaign_id: str, patch: CampaignUpdate, *, if_match: int | None
) -> Document:
    """Apply a partial update (409 on a stale ``If-Match``, or on changing the audience or
    the e-mail of a launched campaign)."""
    changes = patch.sent()
    tenant = access.tenant_id
    if "segment_ids" in changes:
        await check_segments(rt, tenant, changes["segment_ids"])
    repo = CampaignRepository(rt.db, tenant)
    current = await repo.get(campaign_id)
    if current["status"] != CampaignStatus.PLANNED and MUTABLE_BEFORE_LAUNCH & set(changes):
        raise Conflict("template and segment_ids cannot change once the campaign was launched")
    merged: Mapping[str, Any] = {**current, **{k: stored(k, v) for k, v in changes.items()}}
    start, end = merged.get("start_date"), merged.get("end_date")
    if start and end and end < start:
        raise Unprocessable("end_date must not be before start_date")
    fields = {k: stored(k, v) for k, v in changes.items()}
    version = expected_version(current, if_match)
    return await rt.uow.run_without_transaction(
        lambda tx: repo.update(campaign_id, version, {"$set": fields}, session=tx.session)
    )


async def delete_campaign(
    rt: Runtime, access: Access, campaign_id: str, *, if_match: int | None
) -> None:
    """Delete a campaign that is not sending, with its members and counters."""
    tenant = access.tenant_id

    async def work(tx: Tx) -> None:
        repo = CampaignRepository(tx.db, tenant)
        current = await repo.get(campaign_id, session=tx.session)
        if current.get("enrolling"):
            raise Conflict("the campaign is still enrolling its audience: complete it first")
        if current["status"] == CampaignStatus.ACTIVE:
            raise Conflict("the campaign is sending: pause or complete it first")
        version = expected_version(current, if_match)
        await repo.delete(campaign_id, version, session=tx.session)
        await MemberRepository(tx.db, tenant).drop_campaign(campaign_id, session=tx.session)
        await MetricsRepository(tx.db, tenant).drop(campaign_id, session=tx.session)
        await SendJobs(tx.db).close(campaign_id, session=tx.session)

    await rt.uow.run(work)


async def list_campaigns(
    rt: Runtime,
    access: Access,
    filter_: ListFilter,
    *,
    limit: int,
    cursor: str | None,
    windowed: bool,
) -> tuple[list[Document], str | None]:
    """A page of campaigns, newest first."""
    repo = CampaignRepository(rt.db, access.tenant_id)
    docs, next_cursor = await repo.page(
        filter_,
        NEWEST,
        limit=limit,
        cursor=cursor,
        query_fingerprint=fingerprint(access.tenant_id, filter_.to_query()),
        windowed=windowed,
    )
    return [view(d) for d in docs], next_cursor


async def campaigns_of_contact(
    rt: Runtime, access: Access, contact_id: str, *, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """A page of the campaigns a contact is a member of (newest first), each with the
    contact's membership."""
    tenant = access.tenant_id
    members, next_cursor = await MemberRepository(rt.db, tenant).of_contact(
        contact_id,
        limit=limit,
        cursor=cursor,
        query_fingerprint=fingerprint(tenant, "contact", contact_id),
    )
    found = await CampaignRepository(rt.db, tenant).many([m["campaign_id"] for m in members])
    by_id = {c["_id"]: c for c in found}
    items = [
        {**view(by_id[m["campaign_id"]]), "membership": member_view(m)}
        for m in members
        if m["campaign_id"] in by_id
    ]
    return items, next_cursor


async def list_members(
    rt: Runtime,
    access: Access,
    campaign_id: str,
    status: str | None,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[Document], str | None]:
    """A page of a campaign's members by contact id, optionally of one status (404 for a
    campaign not in the caller's tenant)."""
    await get_campaign(rt, access, campaign_id)
    docs, next_cursor = await MemberRepository(rt.db, access.tenant_id).page(
        campaign_id,
        status,
        limit=limit,
        cursor=cursor,
        query_fingerprint=fingerprint(access.tenant_id, campaign_id, status),
    )
    return [member_view(d) for d in docs], next_cursor


# --- launch and status -----------------------------------------------------------------


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


async def _has_audience(tx: Tx, tenant: str, campaign: Document) -> bool:
    """Whether one of the campaign's segments exists or a member was added by hand (two
    cheap reads: the segments are not evaluated)."""
    if await SegmentRepository(tx.db, tenant).many(campaign["segment_ids"], session=tx.session):
        return True
    return await MemberRepository(tx.db, tenant).any_of_campaign(
        campaign["_id"], session=tx.session
    )


async def _start_launch(tx: Tx, tenant: str, campaign: Document, version: int, by: str) -> Document:
    """The launch proper (see the module docstring): the campaign becomes active and
    ``enrolling``, and its send job is opened in the enrol phase."""
    if not campaign.get("template"):
        raise Conflict("the campaign has no e-mail template: set one before launching")
    if not await _has_audience(tx, tenant, campaign):
        raise Conflict("the campaign has no audience: add segments or members before launching")
    doc = await _set_status(
        tx,
        tenant,
        campaign,
        version,
        {
            "status": CampaignStatus.ACTIVE.value,
            "launched_at": utcnow(),
            "launched_by": by,
            "audience_size": None,
            "suppressed": None,
            "enrolling": True,
        },
    )
    await SendJobs(tx.db).open(campaign["_id"], tenant, session=tx.session, enrol=True)
    return doc


async def enrol_chunk(tx: Tx, tenant: str, campaign: Document, contact_ids: list[str]) -> int:
    """Enrol one chunk of a launching campaign's audience inside ``tx`` (the background
    sender calls it; the chunk's contact ids are sorted, none of them enrolled yet):
    members queued or recorded as suppressed, members added by hand keeping their
    ``added_at``, the audience counters, and CampaignMemberAdded for each member not added
    by hand. Returns how many members were enrolled."""
    campaign_id = campaign["_id"]
    members = MemberRepository(tx.db, tenant)
    by_hand = await members.of_campaign(campaign_id, contact_ids, session=tx.session)
    enrolment = await enrol(tx, tenant, campaign_id, contact_ids, frozen=True)
    for doc in enrolment.members:
        if (earlier := by_hand.get(doc["contact_id"])) is not None:
            doc["added_at"] = earlier["added_at"]
    await members.drop_contacts(campaign_id, by_hand, session=tx.session)
    await members.insert_many(enrolment.members, session=tx.session)
    await MetricsRepository(tx.db, tenant).add(
        campaign_id,
        {"audience": len(enrolment.members), "suppressed": enrolment.suppressed},
        session=tx.session,
    )
    by = campaign.get("launched_by") or "campaigns"
    await tx.emit_many(
        [_member_added(m, by) for m in enrolment.members if m["contact_id"] not in by_hand],
        tenant_id=tenant,
    )
    return len(enrolment.members)


async def _enrolled_figures(tx: Tx, tenant: str, campaign_id: str) -> dict[str, Any]:
    """The campaign fields that end its enrolment: its audience counted so far."""
    counters = await MetricsRepository(tx.db, tenant).counters(campaign_id, session=tx.session)
    return {
        "audience_size": counters["audience"] - counters["suppressed"],
        "suppressed": counters["suppressed"],
        "enrolling": False,
    }


async def finish_enrolment(tx: Tx, tenant: str, campaign: Document) -> Document:
    """End a launching campaign's enrolment inside ``tx`` (the background sender calls
    it after the last chunk): its ``audience_size`` and ``suppressed`` from the counters,
    and CampaignLaunched."""
    fields = await _enrolled_figures(tx, tenant, campaign["_id"])
    doc = await CampaignRepository(tx.db, tenant).update(
        campaign["_id"], campaign["version"], {"$set": fields}, session=tx.session
    )
    await tx.emit(
        CampaignLaunched(
            campaign_id=campaign["_id"],
            name=campaign["name"],
            type=campaign["type"],
            segment_ids=campaign["segment_ids"],
            audience_size=fields["audience_size"],
            suppressed=fields["suppressed"],
            launched_by=campaign.get("launched_by") or "campaigns",
            launched_at=campaign["launched_at"],
        ),
        tenant_id=tenant,
    )
    return doc


async def _resume(tx: Tx, tenant: str, campaign: Document, version: int) -> Document:
    doc = await _set_status(tx, tenant, campaign, version, {"status": CampaignStatus.ACTIVE.value})
    await SendJobs(tx.db).open(campaign["_id"], tenant, session=tx.session)
    return doc


async def launch(
    rt: Runtime, access: Access, campaign_id: str, *, if_match: int | None, wake: Wake
) -> Document:
    """Launch a planned campaign (its audience is then enrolled in the background), or
    continue a paused one (409 in any other status, or without template or audience)."""
    tenant = access.tenant_id

    async def work(tx: Tx) -> Document:
        current = await CampaignRepository(tx.db, tenant).get(campaign_id, session=tx.session)
        if not can_launch(current["status"]):
            raise Conflict(f"a {current['status']} campaign cannot be launched")
        version = expected_version(current, if_match)
        tx.after_commit(wake)
        if current["status"] == CampaignStatus.PAUSED:
            return await _resume(tx, tenant, current, version)
        return await _start_launch(tx, tenant, current, version, access.principal.sub)

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
    send job is closed (pause, complete) or reopened (resume) in the same transaction.
    A campaign still enrolling its audience cannot pause (409); completing it stops the
    enrolment where it is (no CampaignLaunched is published then)."""
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
        enrolling = bool(current.get("enrolling"))
        if enrolling and target is CampaignStatus.PAUSED:
            raise Conflict(
                "the campaign is still enrolling its audience: pause it once that is done "
                "(its enrolling turns false), or complete it"
            )
        version = expected_version(current, if_match)
        if target is CampaignStatus.ACTIVE:
            tx.after_commit(wake)
            return await _resume(tx, tenant, current, version)
        fields: dict[str, Any] = {"status": target.value}
        if target is CampaignStatus.COMPLETED:
            fields["completed_at"] = utcnow()
            if enrolling:  # the audience stays as far as it was enrolled
                fields.update(await _enrolled_figures(tx, tenant, campaign_id))
        await SendJobs(tx.db).close(campaign_id, session=tx.session)
        return await _set_status(tx, tenant, current, version, fields)

    return await rt.uow.run(work)


async def enrol_members(
    tx: Tx, tenant_id: str, campaign_id: str, contact_ids: list[str], *, by: str, wake: Wake
) -> dict[str, Any]:
    """Add contacts to a campaign inside ``tx`` (publishes CampaignMemberAdded each). In a
    launched campaign they are queued for sending at once (or recorded as suppressed);
    unknown contacts and existing members are reported, not added. 409 for a completed
    campaign and for one still enrolling its audience."""
    campaign = await CampaignRepository(tx.db, tenant_id).get(campaign_id, session=tx.session)
    if campaign["status"] == CampaignStatus.COMPLETED:
        raise Conflict("the campaign is completed")
    if campaign.get("enrolling"):
        raise Conflict(
            "the campaign is still enrolling its audience: add members once that is done "
            "(its enrolling turns false)"
        )
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


# --- engagement ------------------------------------------------------------------------


async def reach(
    tx: Tx, tenant_id: str, campaign_id: str, contact_id: str, step: Step
) -> Document | None:
    """Record ``step`` for a member; returns the member before the change (``None`` when
    the contact is no member, then nothing is recorded)."""
    before = await reach_many(tx, tenant_id, [Reached(campaign_id, contact_id, step)])
    return before.get(member_key(campaign_id, contact_id))


async def reach_many(tx: Tx, tenant_id: str, steps: Sequence[Reached]) -> dict[str, Document]:
    """Record each step for its member, in order: one read, one update per distinct change
    and one counter update per campaign, whatever the number of steps. Returns the members
    as they were before, by ``_id``; steps of contacts who are no members record nothing."""
    members = MemberRepository(tx.db, tenant_id)
    keys = [member_key(s.campaign_id, s.contact_id) for s in steps]
    current = await members.by_keys(keys, session=tx.session)
    before = {key: dict(member) for key, member in current.items()}
    changes: dict[str, Document] = {}
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    now = utcnow()
    for key, (campaign_id, _, step) in zip(keys, steps, strict=True):
        member = current.get(key)
        if member is None:
            continue
        first = member.get(step.stamp) is None
        status = next_status(member["status"], MemberStatus(step.value))
        if first:
            member[step.stamp] = changes.setdefault(key, {})[step.stamp] = now
            if step.counter:
                counts[campaign_id][step.counter] += 1
        if status is not None:
            member["status"] = changes.setdefault(key, {})["status"] = status.value
    await members.set_each(changes, now, session=tx.session)
    metrics = MetricsRepository(tx.db, tenant_id)
    for campaign_id, counted in counts.items():
        await metrics.add(campaign_id, counted, session=tx.session)
    return before
