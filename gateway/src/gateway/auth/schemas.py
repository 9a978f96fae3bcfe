"""Request and response bodies of log-in, token refresh, log-out and service tokens."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

Secret = Annotated[str, StringConstraints(min_length=1, max_length=512)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoginRequest(_Strict):
    """E-mail and password."""

    email: EmailStr
    password: Annotated[str, StringConstraints(min_length=1, max_length=256)]


class RefreshRequest(_Strict):
    """A refresh token from the log-in or the last refresh."""

    refresh_token: Secret


class TokenResponse(BaseModel):
    """An access token (JWT) and the refresh token that replaces it when it expires."""

    access_token: str
    token_type: str = "Bearer"  # noqa: S105 (the scheme name, not a secret)
    expires_in: int
    refresh_token: str


class ServiceTokenRequest(_Strict):
    """A platform service asking for a token to act in one tenant."""

    service: str = Field(min_length=1, max_length=64)
    secret: str = Field(min_length=1, max_length=256)
    tenant_id: str = Field(min_length=1, max_length=64)


class ServiceTokenResponse(BaseModel):
    """A short-lived access token of a service account (no refresh token)."""

    access_token: str
    token_type: str = "Bearer"  # noqa: S105 (the scheme name, not a secret)
    expires_in: int
