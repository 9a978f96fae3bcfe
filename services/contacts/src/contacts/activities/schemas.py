"""Pydantic HTTP models of activities: log and edit bodies, responses, timeline query."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import AwareDatetime, BaseModel, Field, field_validator, model_validator

from contacts.activities.domain import ActivityKind
from contacts.contacts.schemas import Paging, Stored, Subject
from crm_shared.fields import MODEL_CONFIG, OptId, OptNotes, Patch, not_null


class ActivityCreate(BaseModel):
    """Body of ``POST /v1/activities``: linked to a contact, an account and/or a deal."""

    model_config = MODEL_CONFIG

    kind: ActivityKind
    subject: Subject
    description: OptNotes = None
    contact_id: OptId = None
    account_id: OptId = None
    deal_id: OptId = None
    occurred_at: AwareDatetime | None = None
    """When it happened (default now); for tasks, when the task was set."""
    due_at: AwareDatetime | None = None
    duration_minutes: Annotated[int, Field(ge=0, le=24 * 60)] | None = None
    owner_id: OptId = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not (self.contact_id or self.account_id or self.deal_id):
            raise ValueError("link the activity to a contact_id, account_id or deal_id")
        if self.due_at is not None and self.kind is not ActivityKind.TASK:
            raise ValueError("only tasks have a due_at")
        return self


class ActivityUpdate(Patch):
    """Body of ``PATCH /v1/activities/{id}`` (links and kind are fixed once logged)."""

    subject: Subject | None = None
    description: OptNotes = None
    occurred_at: AwareDatetime | None = None
    due_at: AwareDatetime | None = None
    duration_minutes: Annotated[int, Field(ge=0, le=24 * 60)] | None = None
    owner_id: OptId = None

    _required = field_validator("subject", "occurred_at")(not_null)


class ActivityOut(ActivityCreate, Stored):
    """An activity as returned by the API."""

    done: bool | None = None
    completed_at: AwareDatetime | None = None
    completed_by: str | None = None
    logged_by: str


class ActivityPage(BaseModel):
    """One page of an activity timeline (newest first)."""

    items: list[ActivityOut]
    next_cursor: str | None = None


class ActivityQuery(Paging):
    """Timeline filters (combined with AND) and the page window."""

    contact_id: str | None = Field(default=None, max_length=64)
    account_id: str | None = Field(default=None, max_length=64)
    deal_id: str | None = Field(default=None, max_length=64)
    owner_id: str | None = Field(default=None, max_length=64)
    kind: ActivityKind | None = None
    open_tasks: bool = False
    """Only tasks not done yet."""
