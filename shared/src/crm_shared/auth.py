"""Verify the gateway's Ed25519-signed JWTs and check roles per route.

Services verify tokens themselves (defence in depth): signature (EdDSA only),
issuer, audience, expiry, and the ``tid`` (tenant) and ``roles`` claims. Public keys
come from settings: a PEM, a JWKS JSON document, or a JWKS URL fetched and cached.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jwt import PyJWK

from crm_shared.access import Action, Scope, grant, scope_for_api_key
from crm_shared.errors import Forbidden, Unauthorized
from crm_shared.settings import ServiceSettings

_JWKS_TTL_S = 300.0
_VERIFIED_CACHE_SIZE = 10_000
BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    bearerFormat="JWT",
    description="An access token the gateway issued",
)
"""The bearer-token scheme: routes that depend on it say so in the OpenAPI document."""
KNOWN_ROLES = frozenset(
    {"admin", "sales_manager", "sales", "marketing", "support", "viewer", "integration"}
)


@dataclass(frozen=True)
class Principal:
    """The verified caller: user (or API key) id, tenant, roles and key scopes."""

    sub: str
    tenant_id: str
    roles: frozenset[str]
    scopes: frozenset[str] = frozenset()
    name: str | None = None

    @property
    def is_integration(self) -> bool:
        """True for API-key principals (they act by scope, not by role)."""
        return "integration" in self.roles


@dataclass(frozen=True)
class Access:
    """A principal together with the scope it was granted on one resource."""

    principal: Principal
    scope: Scope

    @property
    def tenant_id(self) -> str:
        """The tenant every query of this request is restricted to."""
        return self.principal.tenant_id

    @property
    def own_only(self) -> bool:
        """True when the caller may only touch records it owns."""
        return self.scope is Scope.OWN


class TokenVerifier:
    """Holds the public keys and verifies bearer tokens."""

    def __init__(self, settings: ServiceSettings) -> None:
        self._settings = settings
        self._keys: dict[str | None, Any] = {}
        self._fetched_at = 0.0
        self._verified: dict[str, tuple[float, Principal]] = {}
        if settings.jwt_public_key.strip():
            self._keys = _parse_keys(settings.jwt_public_key.strip())

    async def _keys_for(self, kid: str | None) -> Any:
        url = self._settings.jwt_jwks_url
        stale = time.monotonic() - self._fetched_at > _JWKS_TTL_S
        if url and (stale or kid not in self._keys):
            try:
                async with httpx.AsyncClient(timeout=3.0) as client:
                    response = await client.get(url)
                    response.raise_for_status()
                self._keys = _parse_keys(response.text)
                self._fetched_at = time.monotonic()
            except (httpx.HTTPError, ValueError) as exc:
                if not self._keys:
                    raise Unauthorized("token keys are unavailable; try again shortly") from exc
        key = self._keys.get(kid, self._keys.get(None))
        if key is None:
            raise Unauthorized("token signed with an unknown key")
        return key

    async def verify(self, token: str) -> Principal:
        """Decode and check ``token``; :class:`Unauthorized` on any failure. A token seen
        before is answered from a small cache until it expires (a signature check costs
        more than the rest of a proxied request's own work)."""
        cached = self._verified.get(token)
        if cached is not None and cached[0] > time.time():
            return cached[1]
        principal, expires = await self._verify(token)
        if len(self._verified) >= _VERIFIED_CACHE_SIZE:
            self._verified.clear()
        self._verified[token] = (expires, principal)
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        if not self._keys and not self._settings.jwt_jwks_url:
            raise Unauthorized("this service has no token key configured")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("malformed token") from exc
        if header.get("alg") != "EdDSA":
            raise Unauthorized("token algorithm not accepted")
        key = await self._keys_for(header.get("kid"))
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=["EdDSA"],
                audience=self._settings.jwt_audience,
                issuer=self._settings.jwt_issuer,
                options={"require": ["exp", "iat", "sub", "iss", "aud"]},
                leeway=5,
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("token expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {exc}") from exc
        tenant = claims.get("tid")
        roles = claims.get("roles")
        if not isinstance(tenant, str) or not tenant:
            raise Unauthorized("token has no tenant")
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise Unauthorized("token has no roles")
        scopes = claims.get("scopes") or []
        if isinstance(scopes, str):
            scopes = scopes.split()
        principal = Principal(
            sub=str(claims["sub"]),
            tenant_id=tenant,
            roles=frozenset(r for r in roles if r in KNOWN_ROLES),
            scopes=frozenset(s for s in scopes if isinstance(s, str)),
            name=claims.get("name") if isinstance(claims.get("name"), str) else None,
        )
        return principal, float(claims["exp"])


def _parse_keys(text: str) -> dict[str | None, Any]:
    """Keys from a PEM public key or a JWKS document, by ``kid``."""
    if text.startswith("-----BEGIN"):
        key = load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("the configured public key is not an Ed25519 key")
        return {None: key}
    document = json.loads(text)
    keys = document.get("keys", [document]) if isinstance(document, dict) else []
    parsed: dict[str | None, Any] = {}
    for item in keys:
        if item.get("kty") == "OKP" and item.get("crv") == "Ed25519":
            parsed[item.get("kid")] = PyJWK(item, algorithm="EdDSA").key
    if not parsed:
        raise ValueError("no Ed25519 keys found")
    return parsed


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)],
) -> Principal:
    """FastAPI dependency: the verified principal of this request."""
    token = credentials.credentials.strip() if credentials else ""
    if not token:
        raise Unauthorized("send a bearer token: Authorization: Bearer <token>")
    verifier: TokenVerifier = request.app.state.token_verifier
    return await verifier.verify(token)


def require(resource: str, action: Action) -> Any:
    """FastAPI dependency factory: the caller must hold ``action`` on ``resource``."""

    async def dependency(
        principal: Annotated[Principal, Depends(current_principal)],
    ) -> Access:
        if principal.is_integration:
            scope = scope_for_api_key(principal.scopes, resource, action)
        else:
            scope = grant(principal.roles, resource, action)
        if scope is Scope.NONE:
            raise Forbidden(f"your roles do not allow {action.value} on {resource}")
        return Access(principal=principal, scope=scope)

    return Depends(dependency)
