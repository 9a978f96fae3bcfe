"""Request and response bodies of user management."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from crm_shared.auth import KNOWN_ROLES

Role = Annotated[str, StringConstraints(pattern="^(" + "|".join(sorted(KNOWN_ROLES)) + ")$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserCreate(_Strict):
    """A new user of the caller's tenant."""

    email: EmailStr
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    roles: list[Role] = Field(min_length=1, max_length=7)
    password: Annotated[str, StringConstraints(max_length=256)]


class UserUpdate(_Strict):
    """Fields an admin may change; ``active: false`` deactivates."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    roles: list[Role] | None = Field(default=None, min_length=1, max_length=7)
    active: bool | None = None


class User(BaseModel):
    """A user as the API shows it."""

    id: str
    email: str
    name: str | None
    roles: list[str]
    active: bool
    tenant_id: str
    created_at: datetime
    updated_at: datetime
    version: int


class UserPage(BaseModel):
    """A page of users by e-mail."""

    items: list[User]
    next_cursor: str | None
