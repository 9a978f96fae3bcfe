"""Signed tracking tokens: open pixel, link click and unsubscribe links.

A token is ``base64url(json claims).base64url(HMAC-SHA256(kind + claims))``. It carries
the tenant, campaign and contact (and, for clicks, the target URL), so a recipient can
reach the public routes without credentials but cannot forge another contact's
unsubscribe or turn the click route into an open redirect: only a URL the token signs is
ever followed. The key is ``tracking_secret``; when that is empty a random key is made
per process (links then stop working after a restart).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Final
from urllib.parse import quote

_PROCESS_KEY: Final = secrets.token_bytes(32)
TOKEN_MAX_LENGTH: Final = 4096


class LinkKind(StrEnum):
    """What a token opens; signed, so one kind cannot be replayed as another."""

    OPEN = "o"
    CLICK = "c"
    UNSUBSCRIBE = "u"


class InvalidToken(ValueError):
    """The token is malformed, of another kind, or its signature does not match."""


@dataclass(frozen=True)
class Claims:
    """Who a tracking link belongs to."""

    tenant_id: str
    campaign_id: str
    contact_id: str
    url: str | None = None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TrackingSigner:
    """Signs and verifies tracking tokens with one HMAC key."""

    def __init__(self, secret: str) -> None:
        self._key = secret.encode() if secret else _PROCESS_KEY

    def _mac(self, kind: LinkKind, body: str) -> str:
        digest = hmac.new(self._key, f"{kind.value}.{body}".encode(), hashlib.sha256).digest()
        return _b64(digest)

    def sign(self, kind: LinkKind, claims: Claims) -> str:
        """A token of ``kind`` for ``claims``."""
        payload = {"t": claims.tenant_id, "c": claims.campaign_id, "m": claims.contact_id}
        if claims.url is not None:
            payload["u"] = claims.url
        body = _b64(json.dumps(payload, separators=(",", ":")).encode())
        return f"{body}.{self._mac(kind, body)}"

    def verify(self, kind: LinkKind, token: str) -> Claims:
        """The claims of a genuine token of ``kind``, else :class:`InvalidToken`."""
        body, _, mac = token.partition(".")
        if not body or not mac or len(token) > TOKEN_MAX_LENGTH:
            raise InvalidToken("malformed token")
        if not hmac.compare_digest(mac, self._mac(kind, body)):
            raise InvalidToken("bad signature")
        try:
            payload = json.loads(_unb64(body))
            claims = Claims(
                tenant_id=str(payload["t"]),
                campaign_id=str(payload["c"]),
                contact_id=str(payload["m"]),
                url=str(payload["u"]) if "u" in payload else None,
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise InvalidToken("malformed token") from exc
        if (kind is LinkKind.CLICK) != (claims.url is not None):
            raise InvalidToken("malformed token")
        return claims


@dataclass(frozen=True)
class LinkBuilder:
    """Public URLs of a member's tracking links (under the gateway's ``/api``)."""

    signer: TrackingSigner
    base_url: str

    def _url(self, path: str, kind: LinkKind, claims: Claims) -> str:
        token = quote(self.signer.sign(kind, claims), safe="")
        return f"{self.base_url.rstrip('/')}/v1/{path}/{token}"

    def open_url(self, claims: Claims) -> str:
        """The 1x1 pixel URL."""
        return self._url("track/open", LinkKind.OPEN, claims)

    def click_url(self, claims: Claims, target: str) -> str:
        """A redirect through the click route to ``target``."""
        return self._url(
            "track/click",
            LinkKind.CLICK,
            Claims(claims.tenant_id, claims.campaign_id, claims.contact_id, target),
        )

    def unsubscribe_url(self, claims: Claims) -> str:
        """The unsubscribe page (GET) and one-click endpoint (POST)."""
        return self._url("unsubscribe", LinkKind.UNSUBSCRIBE, claims)
