"""Pydantic HTTP models of accounts: create and edit bodies, responses, list query."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from contacts.accounts.domain import AccountType
from contacts.contacts.schemas import Address, Paging, Stored
from crm_shared.fields import (
    DEFAULT_CURRENCY,
    MODEL_CONFIG,
    Currency,
    Custom,
    Money,
    OptCompany,
    OptDomain,
    OptId,
    OptName,
    OptNotes,
    OptPhone,
    OptWebsite,
    Patch,
    Tags,
    not_null,
)

EmployeeCount = Annotated[int, Field(ge=0, le=10_000_000)]


class AccountCreate(BaseModel):
    """Body of ``POST /v1/accounts``. ``domain`` defaults to the website's host."""

    model_config = MODEL_CONFIG

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    domain: OptDomain = None
    website: OptWebsite = None
    industry: OptName = None
    employee_count: EmployeeCount | None = None
    annual_revenue: Money | None = None
    currency: Currency = DEFAULT_CURRENCY
    phone: OptPhone = None
    address: Address | None = None
    type: AccountType = AccountType.PROSPECT
    parent_account_id: OptId = None
    tags: Tags = Field(default_factory=list)
    custom: Custom = Field(default_factory=dict)
    notes: OptNotes = None
    owner_id: OptId = None


class AccountUpdate(Patch):
    """Body of ``PATCH /v1/accounts/{id}``."""

    name: OptCompany = None
    domain: OptDomain = None
    website: OptWebsite = None
    industry: OptName = None
    employee_count: EmployeeCount | None = None
    annual_revenue: Money | None = None
    currency: Currency | None = None
    phone: OptPhone = None
    address: Address | None = None
    type: AccountType | None = None
    parent_account_id: OptId = None
    tags: Tags | None = None
    custom: Custom | None = None
    notes: OptNotes = None
    owner_id: OptId = None

    _required = field_validator("name", "currency", "type", "tags", "custom")(not_null)


class AccountOut(AccountCreate, Stored):
    """An account as returned by the API."""

    source_lead_id: str | None = None


class AccountPage(BaseModel):
    """One page of accounts."""

    items: list[AccountOut]
    next_cursor: str | None = None


class AccountQuery(BaseModel):
    """List and export filters (combined with AND)."""

    model_config = ConfigDict(extra="forbid")

    owner_id: str | None = Field(default=None, max_length=64)
    type: AccountType | None = None
    tag: str | None = Field(default=None, max_length=50)
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = Field(default=None, max_length=100)
    sort: Literal["-created_at", "-updated_at", "name"] = "-created_at"


class AccountListQuery(AccountQuery, Paging):
    """List filters plus the page window."""
