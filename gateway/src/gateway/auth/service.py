"""Use cases of log-in: log-in, token refresh and log-out (:class:`Identity`), and the
tokens of service accounts."""

from __future__ import annotations

from dataclasses import dataclass

from crm_shared.errors import Unauthorized
from crm_shared.mongo.scoped import Document
from gateway.auth.domain import service_roles
from gateway.auth.login_throttle import LoginThrottle
from gateway.auth.passwords import verify_password
from gateway.auth.repository import RefreshTokens
from gateway.auth.schemas import ServiceTokenRequest, ServiceTokenResponse, TokenResponse
from gateway.auth.tokens import TokenIssuer
from gateway.users.repository import Users

BAD_CREDENTIALS = "the e-mail or the password is wrong"
"""One answer for an unknown e-mail, a wrong password and a deactivated user."""


@dataclass(frozen=True)
class Identity:
    """What the identity routes need, built once per app."""

    users: Users
    refresh_tokens: RefreshTokens
    throttle: LoginThrottle
    issuer: TokenIssuer
    access_ttl_s: int

    async def _tokens_for(self, user: Document, family: str | None = None) -> TokenResponse:
        access = self.issuer.issue(
            sub=user["_id"],
            tenant_id=user["tenant_id"],
            roles=user["roles"],
            name=user.get("name") or user["email"],
            ttl_s=self.access_ttl_s,
        )
        refresh = await self.refresh_tokens.issue(user, family)
        return TokenResponse(
            access_token=access, expires_in=self.access_ttl_s, refresh_token=refresh
        )

    async def login(self, email: str, password: str, *, ip: str) -> TokenResponse:
        """Tokens for valid credentials; 401 (same text whatever was wrong) or 429."""
        await self.throttle.check(email, ip)
        user = await self.users.by_email(email)
        ok = await verify_password(user["password_hash"] if user else None, password)
        if user is None or not ok or not user.get("active"):
            await self.throttle.failed(email, ip)
            raise Unauthorized(BAD_CREDENTIALS)
        return await self._tokens_for(user)

    async def refresh(self, token: str) -> TokenResponse:
        """Rotate a refresh token; 401 if it is unknown, used, revoked or its user is
        no longer active, or if the token was used again meanwhile."""
        record = await self.refresh_tokens.consume(token)
        if record is None:
            raise Unauthorized("the refresh token is not valid; log in again")
        family = record["family"]
        user = await self.users.by_id(record["user_id"])
        if user is None or not user.get("active"):
            await self.refresh_tokens.revoke_family(family)
            raise Unauthorized("the refresh token is not valid; log in again")
        tokens = await self._tokens_for(user, family)
        # a reuse of the same token at the same moment revokes the family; if that ran
        # before the new token was stored, it missed it: revoke again, and refuse
        if await self.refresh_tokens.family_revoked(family):
            await self.refresh_tokens.revoke_family(family)
            raise Unauthorized("the refresh token is not valid; log in again")
        return tokens

    async def logout(self, token: str) -> None:
        """Revoke the session of ``token`` (unknown tokens are ignored: nothing to end)."""
        await self.refresh_tokens.revoke_token_family(token)


def service_token(
    issuer: TokenIssuer, body: ServiceTokenRequest, *, secrets: dict[str, str], ttl_s: int
) -> ServiceTokenResponse:
    """A token of the service account ``body.service`` in ``body.tenant_id``; 401 when the
    service is unknown or its secret wrong (one answer for both)."""
    roles = service_roles(body.service, body.secret, secrets)
    if not roles:
        raise Unauthorized("unknown service or wrong service secret")
    token = issuer.issue(
        sub=f"service:{body.service}",
        tenant_id=body.tenant_id,
        roles=roles,
        ttl_s=ttl_s,
        name=f"{body.service} service",
    )
    return ServiceTokenResponse(access_token=token, expires_in=ttl_s)
