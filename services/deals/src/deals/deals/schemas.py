"""Pydantic v2 request models of deals (``extra="forbid"``, bounded sizes).

Responses are built from stored documents by ``deals.deals.views``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Final

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

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
from deals.pipelines.domain import StageKind
from deals.pipelines.schemas import Probability, StageId


def _plain(value: Decimal) -> Decimal:
    """``1E+3`` -> ``1000``: amounts are stored and shown without exponents."""
    return Decimal(format(value, "f"))


Amount = Annotated[Money, AfterValidator(_plain)]
DealName = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Reason = Annotated[
    Annotated[str, StringConstraints(max_length=500)] | None, BeforeValidator(blank_to_none)
]
OptQueryId = Annotated[str | None, Field(default=None, min_length=1, max_length=64)]


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


class DealUpdate(Patch):
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

    _required = field_validator(*_NOT_NULLABLE)(not_null)


class StageChange(BaseModel):
    """Body of ``POST /v1/deals/{id}/stage``."""

    model_config = MODEL_CONFIG

    stage: StageId
    lost_reason: Reason = None
    probability: Probability | None = None


class DealQuery(BaseModel):
    """List filters and the page window."""

    model_config = ConfigDict(extra="forbid")

    pipeline_id: OptQueryId = None
    stage: StageId | None = None
    owner_id: OptQueryId = None
    account_id: OptQueryId = None
    contact_id: OptQueryId = None
    status: StageKind | None = None
    lost_reason: Reason = None
    q: str | None = Field(default=None, max_length=100)
    close_from: date | None = None
    close_to: date | None = None
    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=1024)
