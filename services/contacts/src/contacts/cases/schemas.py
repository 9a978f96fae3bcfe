"""Pydantic HTTP models of cases: create, edit and status bodies, responses, list query."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    Field,
    StringConstraints,
    field_validator,
)

from contacts.cases.domain import CasePriority, CaseStatus, CaseType
from contacts.contacts.schemas import Paging, Stored, Subject
from crm_shared.fields import MODEL_CONFIG, OptId, OptNotes, Patch, Tags, blank_to_none, not_null

Resolution = Annotated[
    Annotated[str, StringConstraints(max_length=2000)] | None, BeforeValidator(blank_to_none)
]


class CaseCreate(BaseModel):
    """Body of ``POST /v1/cases``; the SLA due time follows from the priority."""

    model_config = MODEL_CONFIG

    subject: Subject
    description: OptNotes = None
    type: CaseType = CaseType.QUESTION
    priority: CasePriority = CasePriority.MEDIUM
    contact_id: OptId = None
    account_id: OptId = None
    assignee_id: OptId = None
    tags: Tags = Field(default_factory=list)


class CaseUpdate(Patch):
    """Body of ``PATCH /v1/cases/{id}``; a new priority moves the SLA due time."""

    subject: Subject | None = None
    description: OptNotes = None
    type: CaseType | None = None
    priority: CasePriority | None = None
    assignee_id: OptId = None
    tags: Tags | None = None

    _required = field_validator("subject", "type", "priority", "tags")(not_null)


class CaseStatusChange(BaseModel):
    """Body of ``POST /v1/cases/{id}/status``."""

    model_config = MODEL_CONFIG

    status: CaseStatus
    resolution: Resolution = None


class CaseOut(CaseCreate, Stored):
    """A case as returned by the API."""

    status: CaseStatus
    sla_due_at: AwareDatetime
    resolution: str | None = None
    resolved_at: AwareDatetime | None = None
    resolved_by: str | None = None
    sla_breached: bool | None = None
    opened_by: str


class CasePage(BaseModel):
    """One page of cases."""

    items: list[CaseOut]
    next_cursor: str | None = None


class CaseQuery(Paging):
    """List filters (combined with AND), sort and the page window."""

    status: CaseStatus | None = None
    priority: CasePriority | None = None
    assignee_id: str | None = Field(default=None, max_length=64)
    contact_id: str | None = Field(default=None, max_length=64)
    account_id: str | None = Field(default=None, max_length=64)
    sort: Literal["-created_at", "sla_due_at", "priority"] = "-created_at"
    """Newest first, SLA due time soonest first, or most urgent priority first (then SLA)."""


class CaseSummary(BaseModel):
    """Cases not resolved yet, by priority, and how many are past their SLA."""

    open_by_priority: dict[CasePriority, int]
    open_total: int
    overdue: int
