"""Pure rules of in-app notifications: who hears of which event, and what they read.

A notification is addressed to one *audience*: ``user:<user id>`` (the JWT ``sub``) or
``role:<role>`` (everyone holding the role in the tenant; the gateway owns the users, so
this service never expands a role into people). A caller sees the audiences of their
user id and of each role they hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crm_shared.auth import Principal
from crm_shared.events.catalogue import (
    CaseOpened,
    DealStageChanged,
    LeadAssigned,
    UserNotificationRequested,
)

URGENT = "urgent"
CASE_ROLE = "support"
ID_PREFIX = "ntf"
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True)
class Draft:
    """A notification to store: its audience and what the recipient reads."""

    audience: str
    kind: str
    title: str
    body: str
    link: str
    data: Mapping[str, Any] = field(default_factory=dict)
    """Facts a client may render (stages, the case priority), shown as ``data``."""

    @property
    def recipient(self) -> str:
        """The ``recipient`` of NotificationSent: the user id, or ``role:<role>``."""
        return self.audience.removeprefix("user:")


def user_audience(user_id: str) -> str:
    """The audience of one user."""
    return f"user:{user_id}"


def role_audience(role: str) -> str:
    """The audience of everyone holding ``role``."""
    return f"role:{role}"


def audiences_of(principal: Principal) -> list[str]:
    """Every audience whose notifications ``principal`` sees (sorted: stable queries)."""
    return [user_audience(principal.sub), *sorted(role_audience(r) for r in principal.roles)]


def lead_assigned(event: LeadAssigned) -> Draft | None:
    """Tell the new owner; nobody when they assigned the lead to themselves."""
    if event.owner_id == event.assigned_by:
        return None
    return Draft(
        audience=user_audience(event.owner_id),
        kind="lead_assigned",
        title="Lead assigned to you",
        body=f"Lead {event.lead_id} was assigned to you by {event.assigned_by} ({event.method}).",
        link=f"/leads/{event.lead_id}",
        data={"lead_id": event.lead_id, "assigned_by": event.assigned_by},
    )


def deal_stage_changed(event: DealStageChanged) -> Draft | None:
    """Tell the deal owner; nobody when the deal has none or the owner moved it."""
    if not event.owner_id or event.owner_id == event.changed_by:
        return None
    moved = (
        f"from {event.from_stage} to {event.to_stage}"
        if event.from_stage
        else f"to {event.to_stage}"
    )
    title = "Deal won" if event.is_won else "Deal lost" if event.is_lost else "Deal stage changed"
    return Draft(
        audience=user_audience(event.owner_id),
        kind="deal_stage_changed",
        title=title,
        body=f"Deal {event.deal_id} moved {moved} by {event.changed_by}.",
        link=f"/deals/{event.deal_id}",
        data={
            "deal_id": event.deal_id,
            "from_stage": event.from_stage,
            "to_stage": event.to_stage,
            "changed_by": event.changed_by,
        },
    )


def case_opened(event: CaseOpened) -> Draft | None:
    """Tell every support agent of an urgent case; other priorities stay quiet."""
    if event.priority != URGENT:
        return None
    return Draft(
        audience=role_audience(CASE_ROLE),
        kind="case_urgent",
        title="Urgent case opened",
        body=f"{event.subject_line} (SLA due {event.sla_due_at:%Y-%m-%d %H:%M} UTC).",
        link=f"/cases/{event.case_id}",
        data={"case_id": event.case_id, "priority": event.priority},
    )


def user_notification_requested(event: UserNotificationRequested) -> Draft:
    """What an automation's "notify a user" action asked for, to that user."""
    return Draft(
        audience=user_audience(event.user_id),
        kind="automation",
        title=event.title,
        body=event.body,
        link=event.link or "",
        data={"automation_id": event.automation_id, "request_id": event.request_id},
    )


def id_time(notification_id: str) -> datetime | None:
    """The creation time encoded in a notification id; None when it is not one of ours."""
    prefix, _, body = notification_id.partition("_")
    if prefix != ID_PREFIX or len(body) != 26 or any(c not in _CROCKFORD for c in body):
        return None
    value = 0
    for char in body:
        value = value * 32 + _CROCKFORD.index(char)
    return datetime.fromtimestamp((value >> 80) / 1000, tz=UTC)


def floor_id(moment: datetime) -> str:
    """The smallest notification id of ``moment``'s millisecond: everything created from
    then on sorts above it (a stream without ``Last-Event-ID`` starts here)."""
    value = int(moment.timestamp() * 1000) << 80
    chars = [_CROCKFORD[(value >> shift) & 31] for shift in range(125, -1, -5)]
    return f"{ID_PREFIX}_{''.join(chars)}"


class ReadState:
    """What one reader has read: the read-all mark and the receipts above it."""

    def __init__(self, read_through: str | None, receipts: set[str]) -> None:
        self.read_through = read_through
        self.receipts = receipts


def is_read(notification_id: str, read_through: str | None, receipts: set[str]) -> bool:
    """Read when at or below the caller's read-all mark, or marked read one by one."""
    return (read_through is not None and notification_id <= read_through) or (
        notification_id in receipts
    )
