"""Pydantic v2 request/response models of the leads service (pure, no I/O).

Field types and their normalisation (e-mail, phone, website, tags, custom fields, money) come
from ``crm_shared.fields`` so every service stores the same shapes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Final, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from crm_shared.fields import (
    CUSTOM_KEY_RE,
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
    Tags,
    blank_to_none,
    from_bson,
)

# --------------------------------------------------------------------------- enums


class LeadSource(StrEnum):
    """Where a lead came from."""

    WEB = "web"
    REFERRAL = "referral"
    CAMPAIGN = "campaign"
    EVENT = "event"
    COLD_CALL = "cold_call"
    SOCIAL = "social"
    PARTNER = "partner"
    IMPORT = "import"
    OTHER = "other"


class LeadStatus(StrEnum):
    """Qualification life cycle of a lead (``converted`` is terminal)."""

    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    UNQUALIFIED = "unqualified"
    CONVERTED = "converted"


class Rating(StrEnum):
    """Rating derived from the score (see ``leads.domain.score_lead``)."""

    HOT = "hot"
    WARM = "warm"
    COLD = "cold"
    JUNK = "junk"


class ScoringOp(StrEnum):
    """Operators of a scoring rule. There is deliberately no regex operator (ReDoS)."""

    EQ = "eq"
    NE = "ne"
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS = "contains"
    EXISTS = "exists"
    NOT_EXISTS = "not_exists"
    GTE = "gte"
    LTE = "lte"


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


LEAD_BASE_FIELDS: Final[tuple[str, ...]] = tuple(LeadBase.model_fields)
"""Names of the user-editable lead fields, in declaration order."""


class LeadCreate(LeadBase):
    """Body of ``POST /leads``."""

    owner_id: OptId = None


_NOT_NULLABLE: Final = ("last_name", "source", "tags", "custom", "junk")


class LeadUpdate(BaseModel):
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

    @field_validator(*_NOT_NULLABLE, mode="after")
    @classmethod
    def _reject_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("this field cannot be null")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields that were sent, JSON-compatible (enums as strings), ready for ``$set``."""
        return self.model_dump(mode="json", include=set(self.model_fields_set))


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


# --------------------------------------------------------------------------- scoring config

SCORABLE_FIELDS: Final = frozenset(
    {"source", "company", "title", "email", "phone", "website", "tags", "campaign_id"}
    | {"email_domain"}
)
"""Fields a scoring rule may test, besides ``custom.<key>``."""


class ScoringRule(BaseModel):
    """One scoring rule: when ``field op value`` holds, ``points`` are added."""

    model_config = MODEL_CONFIG

    id: OptId = None
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    field: str
    op: ScoringOp
    value: (
        bool
        | int
        | Annotated[float, Field(allow_inf_nan=False)]
        | Annotated[str, StringConstraints(max_length=200)]
        | Annotated[list[Annotated[str, StringConstraints(max_length=200)]], Field(max_length=100)]
        | None
    ) = None
    points: Annotated[int, Field(ge=-100, le=100)]

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str) -> str:
        if value in SCORABLE_FIELDS:
            return value
        if value.startswith("custom.") and CUSTOM_KEY_RE.match(value[len("custom.") :]):
            return value
        allowed = ", ".join(sorted(SCORABLE_FIELDS))
        raise ValueError(f"unknown field '{value}'; use one of {allowed} or custom.<key>")

    @model_validator(mode="after")
    def _value_fits_op(self) -> Self:
        op, value = self.op, self.value
        if op in (ScoringOp.IN, ScoringOp.NOT_IN):
            if not isinstance(value, list) or not value:
                raise ValueError(f"op '{op}' needs a non-empty list of strings as value")
        elif op in (ScoringOp.EXISTS, ScoringOp.NOT_EXISTS):
            if value is not None:
                raise ValueError(f"op '{op}' takes no value")
        elif op in (ScoringOp.GTE, ScoringOp.LTE):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"op '{op}' needs a number as value")
        elif op is ScoringOp.CONTAINS:
            if not isinstance(value, str) or not value:
                raise ValueError("op 'contains' needs a non-empty string as value")
        elif value is None or isinstance(value, list):
            raise ValueError(f"op '{op}' needs a single string, number or boolean as value")
        return self


class ScoringConfig(BaseModel):
    """A tenant's scoring rules and rating thresholds (scores are clamped to 0..100)."""

    model_config = MODEL_CONFIG

    rules: Annotated[list[ScoringRule], Field(max_length=100)] = Field(default_factory=list)
    hot_threshold: Annotated[int, Field(ge=0, le=100)] = 70
    warm_threshold: Annotated[int, Field(ge=0, le=100)] = 40
    junk_below: Annotated[int, Field(ge=0, le=100)] | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.warm_threshold >= self.hot_threshold:
            raise ValueError("warm_threshold must be lower than hot_threshold")
        ids = [rule.id for rule in self.rules if rule.id is not None]
        if len(ids) != len(set(ids)):
            raise ValueError("rule ids must be unique")
        return self


# --------------------------------------------------------------------------- responses


class ScoreReason(BaseModel):
    """A scoring rule that fired."""

    model_config = MODEL_CONFIG

    rule_id: str | None
    name: str
    points: int


class ScoreExplanation(BaseModel):
    """Why a lead has its score and rating: the rules that fired and the rating thresholds."""

    model_config = MODEL_CONFIG

    score: Annotated[int, Field(ge=0, le=100)]
    rating: Rating
    reasons: list[ScoreReason]
    junk_flag: bool = Field(description="The lead is marked junk, which makes it junk at any score")
    hot_threshold: int
    warm_threshold: int
    junk_below: int | None
    up_to_date: bool = Field(
        description="Scored with the tenant's current rules (false while a rescoring runs; "
        "converted leads keep their score)"
    )


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
