"""Who is calling: a user with an access token, or an integration with an API key.

Users' tokens are verified with the gateway's own keys and forwarded unchanged. An API
key is looked up (hashed) and swapped for a short-lived token with the ``integration``
role and the key's scopes, so services only ever verify one kind of credential.
Every caller then takes a token from its own rate-limit bucket.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from fastapi import Request

from crm_shared.auth import Principal, TokenVerifier
from crm_shared.errors import TooManyRequests, Unauthorized
from gateway.apikeys.domain import KEY_PREFIX
from gateway.apikeys.repository import ApiKeys
from gateway.auth.tokens import TokenIssuer
from gateway.edge.rate_limits import TokenBuckets

_MINTED_CACHE_SIZE = 10_000


@dataclass(frozen=True)
class Caller:
    """The verified principal and the Authorization header to send upstream."""

    principal: Principal
    upstream_authorization: str


class Authenticator:
    """Turns a request's credentials into a :class:`Caller`."""

    def __init__(
        self,
        *,
        verifier: TokenVerifier,
        api_keys: ApiKeys,
        issuer: TokenIssuer,
        buckets: TokenBuckets,
        upstream_ttl_s: int,
    ) -> None:
        self.verifier = verifier
        self.api_keys = api_keys
        self.issuer = issuer
        self.buckets = buckets
        self.upstream_ttl_s = upstream_ttl_s
        self._minted: dict[str, tuple[float, Caller]] = {}
        """Key id -> the caller built for it (its upstream token signed once, not per request)."""

    async def authenticate(self, request: Request) -> Caller:
        """The caller of ``request``; 401 without valid credentials, 429 over its limit."""
        scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
        bearer = bearer.strip() if scheme.lower() == "bearer" else ""
        api_key = request.headers.get("x-api-key", "").strip()
        if bearer.startswith(KEY_PREFIX) and not api_key:
            api_key, bearer = bearer, ""
        if api_key:
            caller = await self._from_api_key(api_key)
        elif bearer:
            principal = await self.verifier.verify(bearer)
            caller = Caller(principal, f"Bearer {bearer}")
        else:
            raise Unauthorized(
                "send an access token (Authorization: Bearer <token>) or an API key (X-API-Key)"
            )
        wait = self.buckets.take(f"{caller.principal.tenant_id}:{caller.principal.sub}")
        if wait:
            raise TooManyRequests("request rate limit reached for this caller", retry_after=wait)
        return caller

    async def _from_api_key(self, key: str) -> Caller:
        record = await self.api_keys.verify(key)
        if record is None:
            raise Unauthorized("the API key is not valid or was revoked")
        cached = self._minted.get(record["_id"])
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        principal = Principal(
            sub=record["_id"],
            tenant_id=record["tenant_id"],
            roles=frozenset({"integration"}),
            scopes=frozenset(record["scopes"]),
            name=record["name"],
        )
        token = self.issuer.issue(
            sub=principal.sub,
            tenant_id=principal.tenant_id,
            roles=["integration"],
            scopes=principal.scopes,
            name=principal.name,
            ttl_s=self.upstream_ttl_s,
        )
        caller = Caller(principal, f"Bearer {token}")
        if len(self._minted) >= _MINTED_CACHE_SIZE:
            self._minted.clear()
        # reused for half its lifetime, so a forwarded token always has time left
        self._minted[record["_id"]] = (time.monotonic() + self.upstream_ttl_s / 2, caller)
        return caller
