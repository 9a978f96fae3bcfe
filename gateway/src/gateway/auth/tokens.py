"""Access tokens: short-lived EdDSA JWTs the gateway signs and every service verifies."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable

import jwt

from gateway.auth.keys import SigningKeys


class TokenIssuer:
    """Signs access tokens with the current key (its ``kid`` in the header)."""

    def __init__(self, keys: SigningKeys, *, issuer: str, audience: str) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self._pem = keys.private_pem()

    def issue(
        self,
        *,
        sub: str,
        tenant_id: str,
        roles: Iterable[str],
        ttl_s: int,
        name: str | None = None,
        scopes: Iterable[str] = (),
    ) -> str:
        """A signed token with the claims the services check (``tid``, ``roles``...)."""
        now = int(time.time())
        claims: dict[str, object] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": sub,
            "tid": tenant_id,
            "roles": sorted(set(roles)),
            "iat": now,
            "nbf": now,
            "exp": now + ttl_s,
            "jti": uuid.uuid4().hex,
        }
        if name:
            claims["name"] = name
        if scopes:
            claims["scopes"] = sorted(set(scopes))
        return jwt.encode(claims, self._pem, algorithm="EdDSA", headers={"kid": self.keys.kid})
