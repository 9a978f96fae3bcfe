"""Routes: log-in, refresh, log-out, service tokens, and the JWKS services verify tokens
with."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from gateway.auth import service
from gateway.auth.schemas import (
    LoginRequest,
    RefreshRequest,
    ServiceTokenRequest,
    ServiceTokenResponse,
    TokenResponse,
)
from gateway.deps import State

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
REFUSED: dict[int | str, dict[str, Any]] = {
    401: {"description": "The credentials are wrong, expired or revoked"}
}
jwks_router = APIRouter(tags=["auth"])


def client_ip(request: Request) -> str:
    """The peer address (a trusted proxy in front must be configured in uvicorn)."""
    return request.client.host if request.client else "unknown"


@router.post("/token", response_model=TokenResponse, responses=REFUSED)
async def log_in(body: LoginRequest, request: Request, state: State) -> TokenResponse:
    """Exchange e-mail and password for an access token and a refresh token."""
    return await state.identity.login(str(body.email), body.password, ip=client_ip(request))


@router.post("/refresh", response_model=TokenResponse, responses=REFUSED)
async def refresh(body: RefreshRequest, state: State) -> TokenResponse:
    """Exchange a refresh token for new tokens; the one presented stops working."""
    return await state.identity.refresh(body.refresh_token)


@router.post("/logout", status_code=204)
async def log_out(body: RefreshRequest, state: State) -> Response:
    """End the session of a refresh token (its access tokens expire on their own)."""
    await state.identity.logout(body.refresh_token)
    return Response(status_code=204)


@router.post("/service-token", response_model=ServiceTokenResponse, responses=REFUSED)
async def service_token(body: ServiceTokenRequest, state: State) -> ServiceTokenResponse:
    """Exchange a platform service's secret for a short-lived token in one tenant."""
    return service.service_token(
        state.issuer,
        body,
        secrets=state.settings.service_secrets,
        ttl_s=state.settings.service_token_ttl_s,
    )


@jwks_router.get("/.well-known/jwks.json")
async def jwks(state: State, response: Response) -> dict[str, Any]:
    """The public keys that verify the gateway's tokens (current and retired)."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return state.keys.jwks
