"""Pydantic HTTP models of contacts, and the pieces every feature's models share (field
types, ``Address``, ``Patch``, ``Stored``, ``Paging``).

Field types and their normalisation come from ``crm_shared.fields``. Request bodies forbid
unknown keys, so server fields (tenant, version, stats, RFM segment) cannot be set.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
)

from contacts.contacts.domain import MAX_EMAILS, MAX_PHONES, AccountRole, LifecycleStage
from contacts.purchases.domain import RfmSegment
from crm_shared.fields import (
    MODEL_CONFIG,
    Custom,
    LastName,
    OptEmail,
    OptId,
    OptName,
    OptNotes,
    Patch,
    Tags,
    blank_to_none,
    lower,
    normalize_phone,
    not_null,
)

# --------------------------------------------------------------------------- field types

Email = Annotated[EmailStr, AfterValidator(lower)]
Phone = Annotated[str, StringConstraints(max_length=50), AfterValidator(normalize_phone)]
Emails = Annotated[list[Email], Field(max_length=MAX_EMAILS)]
Phones = Annotated[list[Phone], Field(max_length=MAX_PHONES)]
Subject = Annotated[str, StringConstraints(min_length=1, max_length=200)]
OptText = Annotated[
    Annotated[str, StringConstraints(max_length=200)] | None, BeforeValidator(blank_to_none)
]


class Address(BaseModel):
    """A postal address."""

    model_config = MODEL_CONFIG

    street: OptText = None
    city: OptName = None
    region: OptName = None
    postal_code: Annotated[
        Annotated[str, StringConstraints(max_length=20)] | None, BeforeValidator(blank_to_none)
    ] = None
    country: Annotated[
        Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None,
        BeforeValidator(lambda v: v.upper() if isinstance(v, str) and v.strip() else None),
    ] = None


class Stored(BaseModel):
    """Server fields every response carries."""

    id: str
    tenant_id: str
    version: int
    created_at: AwareDatetime
    updated_at: AwareDatetime


class Paging(BaseModel):
    """The page window of list endpoints."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(default=None, max_length=1024)


# --------------------------------------------------------------------------- contacts


class ContactCreate(BaseModel):
    """Body of ``POST /v1/contacts``. ``email`` is the primary e-mail, ``emails`` the others."""

    model_config = MODEL_CONFIG

    first_name: OptName = None
    last_name: LastName
    email: OptEmail = None
    emails: Emails = Field(default_factory=list)
    phones: Phones = Field(default_factory=list)
    title: OptName = None
    account_id: OptId = None
    account_role: AccountRole | None = None
    address: Address | None = None
    tags: Tags = Field(default_factory=list)
    custom: Custom = Field(default_factory=dict)
    lifecycle_stage: LifecycleStage = LifecycleStage.LEAD
    do_not_contact: bool = False
    notes: OptNotes = None
    owner_id: OptId = None


class ContactUpdate(Patch):
    """Body of ``PATCH /v1/contacts/{id}``; ``null`` clears an optional field. Sending
    ``emails`` replaces the e-mail list (the primary ``email`` stays first)."""

    first_name: OptName = None
    last_name: LastName | None = None
    email: OptEmail = None
    emails: Emails | None = None
    phones: Phones | None = None
    title: OptName = None
    account_id: OptId = None
    account_role: AccountRole | None = None
    address: Address | None = None
    tags: Tags | None = None
    custom: Custom | None = None
    lifecycle_stage: LifecycleStage | None = None
    do_not_contact: bool | None = None
    notes: OptNotes = None
    owner_id: OptId = None

    _required = field_validator(
        "last_name",
        "emails",
        "phones",
        "tags",
        "custom",
        "lifecycle_stage",
        "do_not_contact",
    )(not_null)


class MergeRequest(BaseModel):
    """Body of ``POST /v1/contacts/{id}/merge``: the contact merged into the path contact."""

    model_config = MODEL_CONFIG

    source_contact_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


# --------------------------------------------------------------------------- responses


class ContactOut(ContactCreate, Stored):
    """A contact as returned by the API (purchase stats and RFM segment are server-set)."""

    source_lead_id: str | None = None
    purchase_count: int = 0
    purchase_totals: dict[str, str] = Field(default_factory=dict)
    purchase_total: str = "0"
    first_purchase_at: AwareDatetime | None = None
    last_purchase_at: AwareDatetime | None = None
    lost_deals: int = 0
    rfm_segment: str | None = None


class ContactPage(BaseModel):
    """One page of contacts."""

    items: list[ContactOut]
    next_cursor: str | None = None


class ContactQuery(BaseModel):
    """List and export filters (combined with AND)."""

    model_config = ConfigDict(extra="forbid")

    owner_id: str | None = Field(default=None, max_length=64)
    account_id: str | None = Field(default=None, max_length=64)
    lifecycle_stage: LifecycleStage | None = None
    tag: str | None = Field(default=None, max_length=50)
    rfm_segment: RfmSegment | None = None
    do_not_contact: bool | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = Field(default=None, max_length=100)
    sort: Literal["-created_at", "created_at", "-updated_at", "name"] = "-created_at"


class ContactListQuery(ContactQuery, Paging):
    """List filters plus the page window."""
