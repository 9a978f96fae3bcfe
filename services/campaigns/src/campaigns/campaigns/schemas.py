"""Pydantic v2 request models of campaigns (``extra="forbid"``, bounded sizes), the
campaign body the API answers (:class:`CampaignOut`, for the OpenAPI document), and the
field types the other features' models build on (ids, names, the e-mail template).

Templates are parsed here, so a template with an unknown token or bad syntax is a 422
naming the field when the campaign is saved, never a failure at launch.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Final, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from campaigns.campaigns.domain import CampaignStatus, CampaignType
from campaigns.templates.domain import parse
from crm_shared.fields import (
    DEFAULT_CURRENCY,
    MODEL_CONFIG,
    Currency,
    Money,
    OptId,
    Patch,
    blank_to_none,
    not_null,
)

Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Description = Annotated[
    Annotated[str, StringConstraints(max_length=2000)] | None, BeforeValidator(blank_to_none)
]


def _template(text: str) -> str:
    parse(text)
    return text


def _unique(ids: list[str]) -> list[str]:
    if len(ids) != len(set(ids)):
        raise ValueError("each id may appear once")
    return ids


Subject = Annotated[str, StringConstraints(min_length=1, max_length=300), AfterValidator(_template)]
BodyText = Annotated[
    str, StringConstraints(min_length=1, max_length=100_000), AfterValidator(_template)
]
BodyHtml = Annotated[
    Annotated[str, StringConstraints(max_length=200_000), AfterValidator(_template)] | None,
    BeforeValidator(blank_to_none),
]
SegmentIds = Annotated[list[Id], Field(max_length=20), AfterValidator(_unique)]
ContactIds = Annotated[list[Id], Field(min_length=1, max_length=1000), AfterValidator(_unique)]


class TemplateIn(BaseModel):
    """The campaign e-mail; tokens ``{{first_name}}`` ... ``{{unsubscribe_url}}``, with
    an optional fallback ``{{first_name | "there"}}``."""

    model_config = MODEL_CONFIG

    subject: Subject
    body_text: BodyText
    body_html: BodyHtml = None


def _dates_in_order(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError("end_date must not be before start_date")


class CampaignCreate(BaseModel):
    """Body of ``POST /v1/campaigns``; a new campaign is ``planned``."""

    model_config = MODEL_CONFIG

    name: Name
    type: CampaignType = CampaignType.EMAIL
    description: Description = None
    start_date: date | None = None
    end_date: date | None = None
    budget: Money = Decimal(0)
    currency: Currency = DEFAULT_CURRENCY
    actual_cost: Money | None = None
    expected_revenue: Money | None = None
    owner_id: OptId = None
    segment_ids: SegmentIds = Field(default_factory=list)
    template: TemplateIn | None = None

    @model_validator(mode="after")
    def _dates(self) -> Self:
        _dates_in_order(self.start_date, self.end_date)
        return self


_NOT_NULLABLE: Final = ("name", "type", "budget", "currency", "segment_ids")


class CampaignUpdate(Patch):
    """Body of ``PATCH /v1/campaigns/{id}``: only the fields sent change; ``null`` clears
    an optional one. ``template`` and ``segment_ids`` are fixed once launched; status
    changes through the launch, pause, resume and complete actions."""

    model_config = MODEL_CONFIG

    name: Name | None = None
    type: CampaignType | None = None
    description: Description = None
    start_date: date | None = None
    end_date: date | None = None
    budget: Money | None = None
    currency: Currency | None = None
    actual_cost: Money | None = None
    expected_revenue: Money | None = None
    owner_id: OptId = None
    segment_ids: SegmentIds | None = None
    template: TemplateIn | None = None

    _required = field_validator(*_NOT_NULLABLE)(not_null)

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("send at least one field")
        return self


class MembersAdd(BaseModel):
    """Body of ``POST /v1/campaigns/{id}/members`` and ``/v1/segments/{id}/members``."""

    model_config = MODEL_CONFIG

    contact_ids: ContactIds


class CampaignOut(BaseModel):
    """A campaign as the API answers it (documentation of the body; money as strings)."""

    id: str
    tenant_id: str
    name: str
    type: CampaignType
    status: CampaignStatus
    description: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    budget: str
    currency: str
    actual_cost: str | None = None
    expected_revenue: str | None = None
    owner_id: str | None = None
    segment_ids: list[str]
    template: TemplateIn | None = None
    created_by: str | None = None
    launched_at: datetime | None = None
    launched_by: str | None = None
    enrolling: bool = Field(
        default=False,
        description="True from the launch until the audience is enrolled (a background "
        "job; the metrics' audience and suppressed grow meanwhile): audience_size and "
        "suppressed are null until then, and the campaign cannot pause or take members",
    )
    audience_size: int | None = Field(
        default=None, description="Members to e-mail, once the audience is enrolled"
    )
    suppressed: int | None = Field(
        default=None, description="Members left out (opted out, do not contact, no e-mail)"
    )
    completed_at: datetime | None = None
    version: int
    created_at: datetime
    updated_at: datetime
