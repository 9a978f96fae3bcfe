"""Use cases of the audience: keep the contact projection current from contact and account
events (a merge points lists and memberships at the survivor), evaluate who a campaign
reaches (its segments and the members added by hand, less the suppressed contacts), and
the audience figures of a campaign.

Before launch the figures are evaluated now exactly as launch would freeze them (the same
:func:`campaign_audience` and :func:`check_out`); once launched, they are the frozen ones
kept in the campaign's metrics (members enrolled since the launch, which the background
sender does in chunks, and added since).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from campaigns.audience.repository import ContactProjection
from campaigns.audience.schemas import AudienceFigures
from campaigns.campaigns.domain import CampaignStatus, MemberStatus, Suppression, suppression
from campaigns.campaigns.repository import CampaignRepository, MemberRepository, new_member
from campaigns.metrics.repository import MetricsRepository
from campaigns.segments.domain import compile_rules
from campaigns.segments.repository import SegmentRepository
from campaigns.segments.schemas import Group
from crm_shared.auth import Access
from crm_shared.events.catalogue import AccountCreated, ContactSnapshot
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx

# --- the projection --------------------------------------------------------------------


async def apply_contact(
    tx: Tx, tenant_id: str, contact: ContactSnapshot, *, created_at: datetime | None
) -> None:
    """Project a created or updated contact (older versions are ignored)."""
    await ContactProjection(tx.db, tenant_id).apply(
        contact, created_at=created_at, session=tx.session
    )


async def remove_contact(tx: Tx, tenant_id: str, contact_id: str, merged_into: str | None) -> None:
    """A deleted contact leaves static lists; a merged one passes its lists, campaign
    memberships and opt-out to the contact it was merged into."""
    await ContactProjection(tx.db, tenant_id).bury(contact_id, session=tx.session)
    lists = SegmentRepository(tx.db, tenant_id)
    if merged_into:
        await lists.move_contact(contact_id, merged_into, session=tx.session)
        await MemberRepository(tx.db, tenant_id).move_contact(
            contact_id, merged_into, session=tx.session
        )
    else:
        await lists.forget_contact(contact_id, session=tx.session)


async def apply_account(tx: Tx, tenant_id: str, event: AccountCreated) -> None:
    """Record an account's industry, size and name on its contacts."""
    await ContactProjection(tx.db, tenant_id).apply_account(event, session=tx.session)


# --- who a campaign reaches ------------------------------------------------------------


@dataclass
class Enrolment:
    """New member documents and how many of them are suppressed."""

    members: list[Document] = field(default_factory=list)
    suppressed: int = 0


async def segment_contacts(tx: Tx, tenant_id: str, segments: Iterable[Document]) -> set[str]:
    """The union of the segments' contacts, evaluated now."""
    projection = ContactProjection(tx.db, tenant_id)
    lists = SegmentRepository(tx.db, tenant_id)
    found: set[str] = set()
    for segment in segments:
        if segment["kind"] == "static":
            found.update(await lists.member_ids(segment["_id"], session=tx.session))
        else:
            query = compile_rules(Group.model_validate(segment["rules"]))
            found.update(await projection.matching_ids(query, session=tx.session))
    return found


@dataclass(frozen=True)
class Audience:
    """A campaign's audience as its enrolment after launch freezes it: the union of its
    segments' contacts evaluated now and the members added by hand (``by_hand``, by
    contact id)."""

    contact_ids: set[str]
    by_hand: dict[str, Document]
    segments: int
    """How many of the campaign's segments exist."""


async def campaign_audience(tx: Tx, tenant_id: str, campaign: Document) -> Audience:
    """``campaign``'s audience evaluated now (see :class:`Audience`)."""
    members = MemberRepository(tx.db, tenant_id)
    segments = await SegmentRepository(tx.db, tenant_id).many(
        campaign["segment_ids"], session=tx.session
    )
    by_hand = await members.of_campaign(
        campaign["_id"],
        await members.contact_ids(campaign["_id"], session=tx.session),
        session=tx.session,
    )
    found = await segment_contacts(tx, tenant_id, segments) | set(by_hand)
    return Audience(found, by_hand, len(segments))


@dataclass(frozen=True)
class Recipient:
    """A contact as the sender sees it: its projection (if any) and why it gets no
    e-mail (``None``: it may be e-mailed)."""

    contact: Document | None
    suppressed: Suppression | None


async def check_out(tx: Tx, tenant_id: str, contact_ids: Iterable[str]) -> dict[str, Recipient]:
    """Each contact with the reason it must not be e-mailed now, if any."""
    ids = sorted(set(contact_ids))
    contacts = await ContactProjection(tx.db, tenant_id).by_ids(ids, session=tx.session)
    unsubscribed = await MemberRepository(tx.db, tenant_id).unsubscribed(ids, session=tx.session)
    return {
        cid: Recipient(
            contacts.get(cid), suppression(contacts.get(cid), unsubscribed=cid in unsubscribed)
        )
        for cid in ids
    }


async def enrol(
    tx: Tx, tenant_id: str, campaign_id: str, contact_ids: Iterable[str], *, frozen: bool
) -> Enrolment:
    """Member documents for ``contact_ids``: before launch (``frozen=False``) simply
    targeted; in a launched campaign queued for sending, or recorded with the reason
    they are left out."""
    ids = sorted(set(contact_ids))
    result = Enrolment()
    if not frozen:
        result.members = [
            new_member(campaign_id, c, status=MemberStatus.TARGETED, reason=None, queued=False)
            for c in ids
        ]
        return result
    for cid, recipient in (await check_out(tx, tenant_id, ids)).items():
        reason = recipient.suppressed
        if reason is None:
            doc = new_member(
                campaign_id, cid, status=MemberStatus.TARGETED, reason=None, queued=True
            )
        else:
            doc = new_member(campaign_id, cid, status=reason.status, reason=reason, queued=False)
            result.suppressed += 1
        result.members.append(doc)
    return result


# --- figures ---------------------------------------------------------------------------


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
