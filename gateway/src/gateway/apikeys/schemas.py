"""Request and response bodies of the API-key routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApiKeyCreate(_Strict):
    """A new integration key: a name and its scopes (``<resource>:read``, ``webhooks``)."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    scopes: list[Annotated[str, StringConstraints(max_length=40)]] = Field(
        min_length=1, max_length=20
    )


class ApiKey(BaseModel):
    """An API key as lists show it."""

    id: str
    name: str
    prefix: str
    scopes: list[str]
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None = None


class ApiKeyCreated(ApiKey):
    """The new key, with the secret shown this once."""

    key: str


class ApiKeyList(BaseModel):
    """The tenant's API keys."""

    items: list[ApiKey]
