"""Case rules: types, priorities and the status life cycle, SLA due times, the priority sort
rank. Nothing here does I/O."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Final


class DomainError(Exception):
    """A business rule was violated; ``message`` is safe to show to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CaseType(StrEnum):
    """What a customer-service case is about."""

    QUESTION = "question"
    INCIDENT = "incident"
    COMPLAINT = "complaint"
    REQUEST = "request"


class CasePriority(StrEnum):
    """Case priority; the SLA due time follows from it."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


class CaseStatus(StrEnum):
    """Case life cycle (see ``contacts.cases.domain.CASE_TRANSITIONS``)."""

    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_CASE_STATUSES: Final = frozenset({CaseStatus.NEW, CaseStatus.OPEN, CaseStatus.PENDING})
"""Cases someone still has to work on."""

CASE_TRANSITIONS: Final = MappingProxyType(
    {
        CaseStatus.NEW: frozenset(
            {CaseStatus.OPEN, CaseStatus.PENDING, CaseStatus.RESOLVED, CaseStatus.CLOSED}
        ),
        CaseStatus.OPEN: frozenset({CaseStatus.PENDING, CaseStatus.RESOLVED, CaseStatus.CLOSED}),
        CaseStatus.PENDING: frozenset({CaseStatus.OPEN, CaseStatus.RESOLVED, CaseStatus.CLOSED}),
        CaseStatus.RESOLVED: frozenset({CaseStatus.OPEN, CaseStatus.CLOSED}),
        CaseStatus.CLOSED: frozenset(),
    }
)
"""Allowed case moves: ``resolved -> open`` reopens; ``closed`` is final."""


def check_case_transition(current: CaseStatus, target: CaseStatus) -> None:
    """Raise ``DomainError`` unless ``current -> target`` is allowed."""
    if current is target:
        raise DomainError(f"case is already {current.value}")
    if target not in CASE_TRANSITIONS[current]:
        hint = "; closed cases are final" if current is CaseStatus.CLOSED else ""
        raise DomainError(f"cannot move a case from {current.value} to {target.value}{hint}")


def ends_case(current: CaseStatus, target: CaseStatus) -> bool:
    """Whether the move resolves the case (resolved, or closed without being resolved)."""
    return target is CaseStatus.RESOLVED or (
        target is CaseStatus.CLOSED and current is not CaseStatus.RESOLVED
    )


def sla_due_at(opened_at: datetime, priority: str, hours: Mapping[str, float]) -> datetime:
    """When a case of ``priority`` opened at ``opened_at`` must be resolved."""
    return opened_at + timedelta(hours=hours[priority])


CASE_PRIORITY_RANK: Final = MappingProxyType(
    {CasePriority.URGENT: 0, CasePriority.HIGH: 1, CasePriority.MEDIUM: 2, CasePriority.LOW: 3}
)
"""Sort rank of each priority, most urgent first: stored as ``priority_rank`` so cases list
by priority (``sort=priority``) in index order."""


def sla_breached(resolved_at: datetime, due_at: datetime) -> bool:
    """Whether the case was resolved after its SLA due time."""
    return resolved_at > due_at
