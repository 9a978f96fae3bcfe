"""Request and response models of automations (auto-responders and workflows)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator

from campaigns.automations.domain import TRIGGERS, Op
from campaigns.campaigns.schemas import Id, Name, TemplateIn
from crm_shared.fields import MODEL_CONFIG

FieldPath = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=120, pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$"
    ),
]
Scalar = Annotated[str, StringConstraints(max_length=500)] | int | float | bool | None
ConditionValue = Scalar | Annotated[list[Scalar], Field(max_length=100)]


class ConditionIn(BaseModel):
    """``field`` (a dotted path in the event's data, e.g. ``lead.source``) ``op`` ``value``."""

    model_config = MODEL_CONFIG

    field: FieldPath
    op: Op = Op.EQ
    value: ConditionValue = None


class TriggerIn(BaseModel):
    """The event type a rule waits for and the conditions its data must meet (all of them)."""

    model_config = MODEL_CONFIG

    event_type: str = Field(min_length=1, max_length=64)
    conditions: list[ConditionIn] = Field(default_factory=list, max_length=20)

    @field_validator("event_type")
    @classmethod
    def _known_trigger(cls, value: str) -> str:
        if value not in TRIGGERS:
            raise ValueError(f"not a trigger event; use one of: {', '.join(sorted(TRIGGERS))}")
        return value


class SendEmail(BaseModel):
    """E-mail the event's lead or contact (skipped when they opted out or have no e-mail)."""

    model_config = MODEL_CONFIG

    type: Literal["send_email"]
    template: TemplateIn


class AssignOwner(BaseModel):
    """Assign the event's lead through the leads API: to ``owner_id``, or round-robin over
    the owners configured in the leads service when it is left out."""

    model_config = MODEL_CONFIG

    type: Literal["assign_owner"]
    owner_id: Id | None = None


class AddToCampaign(BaseModel):
    """Add the event's contact to a campaign (a static member)."""

    model_config = MODEL_CONFIG

    type: Literal["add_to_campaign"]
    campaign_id: Id


class NotifyUser(BaseModel):
    """Send a user an in-app notification."""

    model_config = MODEL_CONFIG

    type: Literal["notify_user"]
    user_id: Id
    title: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    body: Annotated[str, StringConstraints(max_length=2000)] = ""


Action = Annotated[
    SendEmail | AssignOwner | AddToCampaign | NotifyUser, Field(discriminator="type")
]


class AutomationIn(BaseModel):
    """A new rule: when ``trigger`` then ``actions`` (in order)."""

    model_config = MODEL_CONFIG

    name: Name
    active: bool = True
    trigger: TriggerIn
    actions: list[Action] = Field(min_length=1, max_length=10)


class AutomationPatch(BaseModel):
    """Changes to a rule (omitted fields stay)."""

    model_config = MODEL_CONFIG

    name: Name | None = None
    active: bool | None = None
    trigger: TriggerIn | None = None
    actions: list[Action] | None = Field(default=None, min_length=1, max_length=10)


class AutomationOut(BaseModel):
    """A rule as stored, with how often it fired."""

    id: str
    name: str
    active: bool
    trigger: dict[str, Any]
    actions: list[dict[str, Any]]
    fired: int = 0
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


class AutomationRunOut(BaseModel):
    """One firing of a rule: the event that triggered it and what each action did."""

    id: str
    automation_id: str
    event_id: str
    event_type: str
    subject: str
    results: list[dict[str, Any]]
    created_at: datetime
