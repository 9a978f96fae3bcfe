"""What the features' routes share: everything the gateway holds for its lifetime (built
in the app's lifespan), the authenticated caller of a request, and the coarse role-table
check."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.access import Action, Scope, grant, scope_for_api_key
from crm_shared.auth import BEARER, TokenVerifier
from crm_shared.errors import Forbidden
from crm_shared.mongo.client import make_client, service_database
from gateway.apikeys.repository import ApiKeys
from gateway.auth.callers import Authenticator, Caller
from gateway.auth.keys import SigningKeys
from gateway.auth.login_throttle import LoginThrottle
from gateway.auth.repository import RefreshTokens
from gateway.auth.service import Identity
from gateway.auth.tokens import TokenIssuer
from gateway.docs.openapi import MergedOpenApi
from gateway.edge.rate_limits import TokenBuckets
from gateway.proxy.upstreams import Upstreams
from gateway.settings import GatewaySettings
from gateway.users.repository import Users


@dataclass
class GatewayState:
    """The gateway's clients, stores and limiters."""

    settings: GatewaySettings
    keys: SigningKeys
    issuer: TokenIssuer
    client: AsyncMongoClient[dict[str, Any]]
    db: AsyncDatabase[dict[str, Any]]
    users: Users
    api_keys: ApiKeys
    identity: Identity
    authenticator: Authenticator
    upstreams: Upstreams
    openapi: MergedOpenApi
    ip_buckets: TokenBuckets

    @classmethod
    def build(cls, settings: GatewaySettings) -> GatewayState:
        """Wire the parts (no I/O yet: clients connect lazily)."""
        keys = SigningKeys.from_pem(
            settings.jwt_private_key.get_secret_value(), settings.jwt_retired_public_keys
        )
        issuer = TokenIssuer(keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience)
        client = make_client(settings)
        db = service_database(client, settings)
        users = Users(db)
        api_keys = ApiKeys(db)
        own_keys = {"jwt_public_key": json.dumps(keys.jwks), "jwt_jwks_url": ""}
        verifier = TokenVerifier(settings.model_copy(update=own_keys))
        identity = Identity(
            users=users,
            refresh_tokens=RefreshTokens(db, settings.refresh_token_ttl_s),
            throttle=LoginThrottle(
                db,
                per_account=settings.login_failures_per_account,
                per_ip=settings.login_failures_per_ip,
                window_s=settings.login_failure_window_s,
            ),
            issuer=issuer,
            access_ttl_s=settings.access_token_ttl_s,
        )
        authenticator = Authenticator(
            verifier=verifier,
            api_keys=api_keys,
            issuer=issuer,
            buckets=TokenBuckets(
                settings.rate_limit_per_principal, settings.rate_limit_principal_burst
            ),
            upstream_ttl_s=settings.upstream_token_ttl_s,
        )
        upstreams = Upstreams(settings)
        return cls(
            settings=settings,
            keys=keys,
            issuer=issuer,
            client=client,
            db=db,
            users=users,
            api_keys=api_keys,
            identity=identity,
            authenticator=authenticator,
            upstreams=upstreams,
            openapi=MergedOpenApi(upstreams),
            ip_buckets=TokenBuckets(settings.rate_limit_per_ip, settings.rate_limit_ip_burst),
        )


async def gateway_state(request: Request) -> GatewayState:
    """FastAPI dependency: the app's :class:`GatewayState`."""
    state: GatewayState = request.app.state.gateway
    return state


State = Annotated[GatewayState, Depends(gateway_state)]


API_KEY = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    scheme_name="apiKey",
    description="An API key an admin created (also accepted as a bearer token)",
)


async def current_caller(
    request: Request,
    state: State,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)],
    _api_key: Annotated[str | None, Security(API_KEY)],
) -> Caller:
    """FastAPI dependency: the authenticated caller of this request. The two schemes only
    declare the credentials in the OpenAPI document: :class:`Authenticator` reads them,
    the same way for these routes as for the proxied ones."""
    return await state.authenticator.authenticate(request)


CurrentCaller = Annotated[Caller, Depends(current_caller)]


def allowed(caller: Caller, resource: str, action: Action) -> bool:
    """Coarse role-table check: does the caller hold ``action`` on ``resource`` at all?"""
    principal = caller.principal
    if principal.is_integration:
        return scope_for_api_key(principal.scopes, resource, action) is not Scope.NONE
    return grant(principal.roles, resource, action) is not Scope.NONE


def caller_allowed(resource: str, action: Action) -> Any:
    """FastAPI dependency factory for the gateway's own routes: 403 unless allowed."""

    async def dependency(caller: CurrentCaller) -> Caller:
        if not allowed(caller, resource, action):
            raise Forbidden(f"your roles do not allow {action.value} on {resource}")
        return caller

    return Depends(dependency)
