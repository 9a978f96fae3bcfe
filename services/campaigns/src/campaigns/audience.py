"""Who a campaign reaches: segment evaluation and the suppression of opted-out contacts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from campaigns.contact_projection import ContactProjection
from campaigns.domain import MemberStatus, Suppression, suppression
from campaigns.member_repository import MemberRepository, new_member
from campaigns.segments.domain import compile_rules
from campaigns.segments.repository import SegmentRepository
from campaigns.segments.schemas import Group
from crm_shared.mongo.scoped import Document
from crm_shared.uow import Tx


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
    """A campaign's audience as launch freezes it: the union of its segments' contacts
    evaluated now and the members added by hand (``by_hand``, by contact id)."""

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
