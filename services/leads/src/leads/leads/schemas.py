"""Pydantic v2 request/response models of leads (pure, no I/O).

Field types and their normalisation (e-mail, phone, website, tags, custom fields, money) come
from ``crm_shared.fields`` so every service stores the same shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, Final, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from crm_shared.fields import (
    DEFAULT_CURRENCY,
    MODEL_CONFIG,
    Currency,
    Custom,
    LastName,
    Money,
    OptCompany,
    OptEmail,
    OptId,
    OptName,
    OptNotes,
    OptPhone,
    OptWebsite,
    Patch,
    Tags,
    blank_to_none,
    from_bson,
    not_null,
)
from leads.leads.domain import LEAD_BASE_FIELDS, LeadSource, LeadStatus
from leads.scoring.domain import Rating
from leads.scoring.schemas import ScoreReason

# --------------------------------------------------------------------------- lead models


class LeadBase(BaseModel):
    """Fields a user may set on a lead."""

    model_config = MODEL_CONFIG

    first_name: OptName = None
    last_name: LastName
    email: OptEmail = None
    phone: OptPhone = None
    company: OptCompany = None
    title: OptName = None
    website: OptWebsite = None
    source: LeadSource = LeadSource.OTHER
    campaign_id: OptId = None
    tags: Tags = Field(default_factory=list)
    notes: OptNotes = None
    custom: Custom = Field(default_factory=dict)
    junk: bool = False


if tuple(LeadBase.model_fields) != LEAD_BASE_FIELDS:  # the domain merges exactly these
    raise RuntimeError("LeadBase and leads.leads.domain.LEAD_BASE_FIELDS disagree")


class LeadCreate(LeadBase):
    """Body of ``POST /leads``."""

    owner_id: OptId = None


_NOT_NULLABLE: Final = ("last_name", "source", "tags", "custom", "junk")


class LeadUpdate(Patch):
    """Body of ``PATCH /leads/{id}``: only the fields present in ``model_fields_set`` change.

    Sending ``null`` (or a blank string) clears an optional field; fields that cannot be empty
    (last_name, source, tags, custom, junk) reject ``null``. Server-controlled fields (status,
    score, rating, tenant_id, version, id) are rejected by ``extra="forbid"``.
    """

    model_config = MODEL_CONFIG

    first_name: OptName = None
    last_name: LastName | None = None
    email: OptEmail = None
    phone: OptPhone = None
    company: OptCompany = None
    title: OptName = None
    website: OptWebsite = None
    source: LeadSource | None = None
    campaign_id: OptId = None
    tags: Tags | None = None
    notes: OptNotes = None
    custom: Custom | None = None
    junk: bool | None = None
    owner_id: OptId = None

    _required = field_validator(*_NOT_NULLABLE)(not_null)


class StatusChange(BaseModel):
    """Body of ``POST /leads/{id}/status``. Conversion has its own endpoint."""

    model_config = MODEL_CONFIG

    status: LeadStatus
    reason: Annotated[
        Annotated[str, StringConstraints(max_length=500)] | None, BeforeValidator(blank_to_none)
    ] = None

    @field_validator("status")
    @classmethod
    def _not_converted(cls, value: LeadStatus) -> LeadStatus:
        if value is LeadStatus.CONVERTED:
            raise ValueError("use the convert action to convert a lead")
        return value


class AssignRequest(BaseModel):
    """Body of ``POST /leads/{id}/assign``: exactly one of ``owner_id`` / ``round_robin``."""

    model_config = MODEL_CONFIG

    owner_id: Annotated[
        Annotated[str, StringConstraints(min_length=1, max_length=64)] | None,
        BeforeValidator(blank_to_none),
    ] = None
    round_robin: bool = False

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.owner_id is not None) == self.round_robin:
            raise ValueError("give exactly one of owner_id or round_robin=true")
        return self


class DealDraft(BaseModel):
    """Deal to create while converting a lead. ``amount`` is serialised as a JSON string."""

    model_config = MODEL_CONFIG

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    amount: Money
    currency: Currency = DEFAULT_CURRENCY
    expected_close_date: date | None = None


class ConvertRequest(BaseModel):
    """Body of ``POST /leads/{id}/convert``: the account by name (found or created), or an
    existing account by ``account_id`` with its ``account_name``; optionally a deal."""

    model_config = MODEL_CONFIG

    account_name: OptCompany = None
    account_id: OptId = None
    create_deal: DealDraft | None = None

    @model_validator(mode="after")
    def _named_account(self) -> Self:
        if self.account_id is not None and self.account_name is None:
            raise ValueError("give the account_name of the account_id too")
        return self


class MergeRequest(BaseModel):
    """Body of ``POST /leads/{id}/merge``: the lead to merge into the path lead."""

    model_config = MODEL_CONFIG

    source_lead_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


# --------------------------------------------------------------------------- responses


class ConversionOut(BaseModel):
    """What a conversion produced (ids are filled in once the other services report back)."""

    model_config = MODEL_CONFIG

    account_name: str | None = None
    deal: DealDraft | None = None
    contact_id: str | None = None
    account_id: str | None = None
    deal_id: str | None = None
    deal_stage: str | None = None
    deal_outcome: Literal["open", "won", "lost"] | None = None
    converted_at: AwareDatetime
    converted_by: str | None = None


class LeadOut(LeadBase):
    """A lead as returned by the API."""

    id: str
    tenant_id: str
    owner_id: str | None = None
    status: LeadStatus = LeadStatus.NEW
    rating: Rating = Rating.COLD
    score: Annotated[int, Field(ge=0, le=100)] = 0
    score_reasons: list[ScoreReason] = Field(default_factory=list)
    unqualified_reason: str | None = None
    converted: ConversionOut | None = None
    merged_into: str | None = None
    version: Annotated[int, Field(ge=0)]
    created_at: AwareDatetime
    updated_at: AwareDatetime

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> LeadOut:
        """Build from a stored document: unknown keys (``_id``, search keys...) are dropped,
        ``_id`` becomes ``id`` when there is no ``id``, naive datetimes (pymongo default) are
        taken as UTC and BSON ``Decimal128`` values become ``Decimal``."""
        data: dict[str, Any] = {k: from_bson(doc[k]) for k in cls.model_fields if k in doc}
        if "id" not in data and "_id" in doc:
            data["id"] = str(doc["_id"])
        return cls.model_validate(data)


class LeadPage(BaseModel):
    """One page of a lead listing (keyset pagination)."""

    model_config = MODEL_CONFIG

    items: list[LeadOut]
    next_cursor: str | None = None


# --------------------------------------------------------------------------- queries

SortName = Literal["-created_at", "created_at", "-updated_at", "-score", "score", "name"]


class LeadQuery(BaseModel):
    """List and export filters."""

    model_config = ConfigDict(extra="forbid")

    status: LeadStatus | None = None
    rating: Rating | None = None
    owner_id: str | None = Field(default=None, max_length=64)
    source: LeadSource | None = None
    tag: str | None = Field(default=None, max_length=50)
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = Field(default=None, max_length=100)
    sort: SortName = "-created_at"


class LeadListQuery(LeadQuery):
    """List filters plus the page window."""

    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=1024)


class LeadSummary(BaseModel):
    """New leads of a period by their current rating."""

    start: datetime
    end: datetime
    new_leads: int
    by_rating: dict[str, int]
