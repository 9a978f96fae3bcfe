"""Pydantic v2 request models of the deals service (``extra="forbid"``, bounded sizes).

Responses are built from stored documents by ``deals.views``; the models here document them
in OpenAPI where a route declares one.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Final, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from crm_shared.fields import (
    DEFAULT_CURRENCY,
    MODEL_CONFIG,
    Currency,
    Money,
    OptId,
    blank_to_none,
)
from deals.domain import STAGE_ID_PATTERN, StageDraft, StageKind


def _plain(value: Decimal) -> Decimal:
    """``1E+3`` -> ``1000``: amounts are stored and shown without exponents."""
    return Decimal(format(value, "f"))


Amount = Annotated[Money, AfterValidator(_plain)]
StageId = Annotated[str, StringConstraints(pattern=STAGE_ID_PATTERN)]
Probability = Annotated[int, Field(ge=0, le=100)]
DealName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Reason = Annotated[
    Annotated[str, StringConstraints(max_length=500)] | None, BeforeValidator(blank_to_none)
]


class ContactRole(StrEnum):
    """The part a contact plays in a deal."""

    PRIMARY = "primary"
    DECISION_MAKER = "decision_maker"
    ECONOMIC_BUYER = "economic_buyer"
    INFLUENCER = "influencer"
    CHAMPION = "champion"
    TECHNICAL = "technical"
    USER = "user"
    OTHER = "other"


class DealContact(BaseModel):
    """A contact of a deal and its role."""

    model_config = MODEL_CONFIG

    contact_id: Id
    role: ContactRole = ContactRole.OTHER


def _unique_contacts(contacts: list[DealContact]) -> list[DealContact]:
    ids = [c.contact_id for c in contacts]
    if len(ids) != len(set(ids)):
        raise ValueError("each contact may appear once")
    return contacts


Contacts = Annotated[list[DealContact], Field(max_length=50), AfterValidator(_unique_contacts)]


# --------------------------------------------------------------------------- pipelines


class StageIn(BaseModel):
    """A stage of a pipeline as sent by a client (``id`` derived from the name if missing)."""

    model_config = MODEL_CONFIG

    id: StageId | None = None
    name: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    probability: Probability
    kind: StageKind = StageKind.OPEN

    def draft(self) -> StageDraft:
        """The domain's view of this stage."""
        return StageDraft(name=self.name, probability=self.probability, kind=self.kind, id=self.id)


Stages = Annotated[list[StageIn], Field(min_length=3, max_length=30)]
PipelineName = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class PipelineCreate(BaseModel):
    """Body of ``POST /v1/pipelines``; without ``stages`` the default stages are used."""

    model_config = MODEL_CONFIG

    name: PipelineName
    stages: Stages | None = None


class PipelineUpdate(BaseModel):
    """Body of ``PATCH /v1/pipelines/{id}``: rename, and/or the full new ordered stage list
    (rename, reorder, add stages, change probabilities; a removed stage must hold no deals)."""

    model_config = MODEL_CONFIG

    name: PipelineName | None = None
    stages: Stages | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.name is None and self.stages is None:
            raise ValueError("send name and/or stages")
        return self


# --------------------------------------------------------------------------- deals


class DealCreate(BaseModel):
    """Body of ``POST /v1/deals``. Without ``pipeline_id`` the default pipeline is used,
    without ``stage`` its first stage; ``probability`` defaults to the stage's."""

    model_config = MODEL_CONFIG

    name: DealName
    pipeline_id: OptId = None
    stage: StageId | None = None
    amount: Amount = Decimal(0)
    currency: Currency = DEFAULT_CURRENCY
    probability: Probability | None = None
    expected_close_date: date | None = None
    contacts: Contacts = Field(default_factory=list)
    account_id: OptId = None
    owner_id: OptId = None
    campaign_id: OptId = None


_NOT_NULLABLE: Final = ("name", "amount", "currency", "contacts", "pipeline_id", "probability")


class DealUpdate(BaseModel):
    """Body of ``PATCH /v1/deals/{id}``: only the fields sent change; ``null`` clears an
    optional field. Stage moves have their own route; changing ``pipeline_id`` puts the deal
    in the new pipeline's first open stage (or its won/lost stage for closed deals)."""

    model_config = MODEL_CONFIG

    name: DealName | None = None
    pipeline_id: Id | None = None
    amount: Amount | None = None
    currency: Currency | None = None
    probability: Probability | None = None
    expected_close_date: date | None = None
    contacts: Contacts | None = None
    account_id: OptId = None
    owner_id: OptId = None
    campaign_id: OptId = None

    @field_validator(*_NOT_NULLABLE, mode="after")
    @classmethod
    def _reject_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("this field cannot be null")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields that were sent (Python values: Decimal amount, date)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class StageChange(BaseModel):
    """Body of ``POST /v1/deals/{id}/stage``."""

    model_config = MODEL_CONFIG

    stage: StageId
    lost_reason: Reason = None
    probability: Probability | None = None


# --------------------------------------------------------------------------- targets


class TargetIn(BaseModel):
    """Body of ``PUT /v1/targets/{owner_id}/{period}``: the amount to win in the period."""

    model_config = MODEL_CONFIG

    amount: Amount
    currency: Currency = DEFAULT_CURRENCY
