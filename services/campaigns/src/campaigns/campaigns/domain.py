"""Pure campaign rules: statuses, member progress and engagement steps, suppression
(no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Final, NamedTuple


class CampaignType(StrEnum):
    """The channel of a campaign."""

    EMAIL = "email"
    SOCIAL = "social"
    EVENT = "event"
    WEBINAR = "webinar"
    ADS = "ads"
    DIRECT_MAIL = "direct_mail"
    OTHER = "other"


class CampaignStatus(StrEnum):
    """Where a campaign is: planned -> active <-> paused -> completed."""

    PLANNED = "planned"
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"


class MemberStatus(StrEnum):
    """A member's progress. ``failed`` is a member that cannot be e-mailed (no address,
    contact deleted) or whose e-mail failed for a temporary reason after the retries."""

    TARGETED = "targeted"
    SENT = "sent"
    OPENED = "opened"
    CLICKED = "clicked"
    RESPONDED = "responded"
    CONVERTED = "converted"
    OPTED_OUT = "opted_out"
    BOUNCED = "bounced"
    FAILED = "failed"


PROGRESS: Final = (
    MemberStatus.TARGETED,
    MemberStatus.SENT,
    MemberStatus.OPENED,
    MemberStatus.CLICKED,
    MemberStatus.RESPONDED,
    MemberStatus.CONVERTED,
)
"""Engagement order: a member's status only moves forward along it."""


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


class Reached(NamedTuple):
    """A step one contact reached in one campaign."""

    campaign_id: str
    contact_id: str
    step: Step


MUTABLE_BEFORE_LAUNCH: Final = frozenset({"template", "segment_ids"})
"""Campaign fields that shape the audience or the e-mail: fixed once launched."""


class Suppression(StrEnum):
    """Why a member gets no e-mail (recorded on the member as ``reason``)."""

    DO_NOT_CONTACT = "do_not_contact"
    UNSUBSCRIBED = "unsubscribed"
    NO_EMAIL = "no_email"
    CONTACT_DELETED = "contact_deleted"

    @property
    def status(self) -> MemberStatus:
        """Opt-outs are ``opted_out``; undeliverable members are ``failed``."""
        if self in (Suppression.DO_NOT_CONTACT, Suppression.UNSUBSCRIBED):
            return MemberStatus.OPTED_OUT
        return MemberStatus.FAILED


def suppression(contact: Mapping[str, Any] | None, *, unsubscribed: bool) -> Suppression | None:
    """Why ``contact`` (from the projection; ``None`` if unknown) must not be e-mailed."""
    if contact is None or not contact.get("alive", False):
        return Suppression.CONTACT_DELETED
    if contact.get("do_not_contact"):
        return Suppression.DO_NOT_CONTACT
    if unsubscribed:
        return Suppression.UNSUBSCRIBED
    if not contact.get("email"):
        return Suppression.NO_EMAIL
    return None


def next_status(current: str, target: MemberStatus) -> MemberStatus | None:
    """The status a member at ``current`` takes on reaching ``target`` (``None``: it
    keeps its status). Engagement only moves forward; an opt-out always wins; a bounce or
    failure only replaces a status before any engagement."""
    if current == target:
        return None
    if target is MemberStatus.OPTED_OUT:
        return target
    if target in (MemberStatus.BOUNCED, MemberStatus.FAILED):
        return target if current in (MemberStatus.TARGETED, MemberStatus.SENT) else None
    if current not in PROGRESS:
        return None
    return target if PROGRESS.index(MemberStatus(current)) < PROGRESS.index(target) else None


def can_launch(status: str) -> bool:
    """Launch starts a planned campaign, or continues a paused one."""
    return status in (CampaignStatus.PLANNED, CampaignStatus.PAUSED)
