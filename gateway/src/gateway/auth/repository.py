"""Refresh tokens: opaque, stored hashed, rotated on every use, revocable by family.

Each log-in starts a family; a refresh marks its token used and issues the next one of
the same family. Presenting a used token again means it leaked (or was replayed), so the
whole family is revoked: the thief and the user both have to log in again. A reuse that
races the legitimate refresh may revoke the family before the next token is stored, so a
refresh checks the family again after storing it (see ``Identity.refresh``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.ids import new_id, utcnow
from crm_shared.mongo.indexes import CollectionIndexes, Expiry, index
from gateway.auth.opaque_secrets import new_secret, secret_hash

Document = dict[str, Any]
REFRESH_TOKENS = "refresh_tokens"
REFRESH_PREFIX = "crm_rt_"
REFRESH_INDEXES = CollectionIndexes(
    REFRESH_TOKENS,
    [
        index([("family", ASCENDING)], name="family"),
        index([("user_id", ASCENDING)], name="user"),
        index([("expires_at", ASCENDING)], name="expires_at"),
    ],
    expire=Expiry("expires_at"),
    retired=("expiry_ttl",),
)


class RefreshTokens:
    """Issue, rotate and revoke refresh tokens."""

    def __init__(self, db: AsyncDatabase[Document], ttl_s: int) -> None:
        self.tokens = db[REFRESH_TOKENS]
        self.ttl = timedelta(seconds=ttl_s)

    async def issue(self, user: Document, family: str | None = None) -> str:
        """A new refresh token for ``user`` (a new family unless given)."""
        token = new_secret(REFRESH_PREFIX)
        now = utcnow()
        await self.tokens.insert_one(
            {
                "_id": secret_hash(token),
                "family": family or new_id("rtf"),
                "user_id": user["_id"],
                "tenant_id": user["tenant_id"],
                "issued_at": now,
                "expires_at": now + self.ttl,
                "used_at": None,
                "revoked": False,
            }
        )
        return token

    async def consume(self, token: str) -> Document | None:
        """Mark ``token`` used and return its record; None if it is unknown, expired,
        revoked or already used (a reuse revokes its whole family)."""
        now = utcnow()
        found = await self.tokens.find_one_and_update(
            {
                "_id": secret_hash(token),
                "used_at": None,
                "revoked": False,
                "expires_at": {"$gt": now},
            },
            {"$set": {"used_at": now}},
        )
        if found is not None:
            return found
        replayed = await self.tokens.find_one({"_id": secret_hash(token)}, {"family": 1})
        if replayed is not None:
            await self.revoke_family(replayed["family"])
        return None

    async def family_revoked(self, family: str) -> bool:
        """Whether a token of ``family`` was revoked (a reuse, a log-out)."""
        found = await self.tokens.find_one({"family": family, "revoked": True}, {"_id": 1})
        return found is not None

    async def revoke_family(self, family: str) -> None:
        """Revoke every token of a log-in session."""
        await self.tokens.update_many({"family": family}, {"$set": {"revoked": True}})

    async def revoke_token_family(self, token: str) -> bool:
        """Log-out: revoke the family of ``token``; False when the token is unknown."""
        found = await self.tokens.find_one({"_id": secret_hash(token)}, {"family": 1})
        if found is None:
            return False
        await self.revoke_family(found["family"])
        return True

    async def revoke_user(self, user_id: str) -> None:
        """Revoke every session of a user (deactivation)."""
        await self.tokens.update_many({"user_id": user_id}, {"$set": {"revoked": True}})
