"""The one catalogue of integration events: one pydantic model per (type, version).

Changes inside a version are additive only; a breaking change is a new model with
``version = 2`` published beside the old one. Consumers ignore unknown fields
(``extra="ignore"``); producers build models in code, so they never send fields
outside the schema. JSON Schemas of every model are committed under ``docs/events``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict


class EventData(BaseModel):
    """Base of every event payload; subclasses set the class variables."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    version: ClassVar[int] = 1
    owner: ClassVar[str]
    """The service that publishes it; its topic is ``crm.<owner>``."""

    def subject(self) -> str:
        """The aggregate id: the Kafka key, so one aggregate's events stay in order."""
        raise NotImplementedError


_REGISTRY: dict[tuple[str, int], type[EventData]] = {}


def register(model: type[EventData]) -> type[EventData]:
    """Class decorator adding a model to the catalogue."""
    key = (model.event_type, model.version)
    if key in _REGISTRY:
        raise ValueError(f"event {key} registered twice")
    _REGISTRY[key] = model
    return model


def lookup(event_type: str, version: int) -> type[EventData] | None:
    """The model for ``event_type`` at ``version``, or None when the catalogue has none."""
    return _REGISTRY.get((event_type, version))


def is_known_type(event_type: str) -> bool:
    """True when any version of ``event_type`` is in the catalogue."""
    return any(t == event_type for t, _ in _REGISTRY)


def all_models() -> list[type[EventData]]:
    """Every registered model, sorted by type then version."""
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


# --- leads -----------------------------------------------------------------------------


class LeadSnapshot(BaseModel):
    """The lead fields other services may project."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    lead_id: str
    first_name: str | None = None
    last_name: str
    email: str | None = None
    phone: str | None = None
    company: str | None = None
    title: str | None = None
    website: str | None = None
    source: str
    campaign_id: str | None = None
    status: str
    rating: str
    score: int
    owner_id: str | None = None
    tags: list[str] = []
    custom: dict[str, Any] = {}
    version: int


class _LeadEvent(EventData):
    owner: ClassVar[str] = "leads"
    lead_id: str

    def subject(self) -> str:
        return self.lead_id


@register
class LeadCreated(_LeadEvent):
    """A lead was captured (API, import, web form)."""

    event_type: ClassVar[str] = "LeadCreated"
    lead: LeadSnapshot


@register
class LeadUpdated(_LeadEvent):
    """Lead fields changed (edit, unqualify, rescoring, merge of another lead into it)."""

    event_type: ClassVar[str] = "LeadUpdated"
    lead: LeadSnapshot
    changed_fields: list[str]


@register
class LeadAssigned(_LeadEvent):
    """A lead got a new owner."""

    event_type: ClassVar[str] = "LeadAssigned"
    owner_id: str
    previous_owner_id: str | None = None
    assigned_by: str
    method: str
    """``manual``, ``round_robin`` or ``auto`` (on creation)."""


@register
class LeadQualified(_LeadEvent):
    """A lead moved to status ``qualified``."""

    event_type: ClassVar[str] = "LeadQualified"
    lead: LeadSnapshot
    qualified_by: str


class ConvertedContact(BaseModel):
    """What the contacts service needs to create (or link) the contact."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    first_name: str | None = None
    last_name: str
    email: str | None = None
    phone: str | None = None
    title: str | None = None


class ConvertedAccount(BaseModel):
    """The account (company) to create or link by name / domain."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str
    website: str | None = None
    domain: str | None = None


class ConvertedDeal(BaseModel):
    """The deal to open in the default pipeline."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str
    amount: Decimal
    currency: str
    expected_close_date: date | None = None


@register
class LeadConverted(_LeadEvent):
    """A lead became a contact (with optional account and deal)."""

    event_type: ClassVar[str] = "LeadConverted"
    converted_by: str
    converted_at: datetime
    owner_id: str | None = None
    source: str
    campaign_id: str | None = None
    tags: list[str] = []
    contact: ConvertedContact
    account: ConvertedAccount | None = None
    deal: ConvertedDeal | None = None


@register
class LeadDeleted(_LeadEvent):
    """A lead was deleted, or merged into another lead (``merged_into``)."""

    event_type: ClassVar[str] = "LeadDeleted"
    merged_into: str | None = None
    deleted_by: str


# --- deals (consumed by leads; the deals service publishes them) ----------------------


class _DealEvent(EventData):
    owner: ClassVar[str] = "deals"
    deal_id: str

    def subject(self) -> str:
        return self.deal_id


@register
class DealStageChanged(_DealEvent):
    """A deal moved between pipeline stages."""

    event_type: ClassVar[str] = "DealStageChanged"
    pipeline_id: str
    from_stage: str | None = None
    to_stage: str
    amount: Decimal
    currency: str
    probability: int
    owner_id: str | None = None
    source_lead_id: str | None = None
    changed_by: str
    is_won: bool = False
    is_lost: bool = False
