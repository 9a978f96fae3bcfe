"""Use cases of API keys: create one (its scopes checked), list them, revoke one."""

from __future__ import annotations

from crm_shared.errors import Unprocessable
from crm_shared.mongo.scoped import Document
from gateway.apikeys.domain import KNOWN_SCOPES, unknown_scopes
from gateway.apikeys.repository import ApiKeys

LIST_LIMIT = 500


async def create_key(
    keys: ApiKeys, *, tenant_id: str, name: str, scopes: list[str], created_by: str
) -> tuple[Document, str]:
    """A new key of the tenant and the key itself (shown this once); 422 naming the
    scopes that do not exist."""
    unknown = unknown_scopes(scopes)
    if unknown:
        raise Unprocessable(
            f"unknown scopes: {', '.join(unknown)}", known_scopes=sorted(KNOWN_SCOPES)
        )
    return await keys.of(tenant_id).create(name=name, scopes=scopes, created_by=created_by)


async def list_keys(keys: ApiKeys, tenant_id: str) -> list[Document]:
    """The tenant's keys, oldest first (``LIST_LIMIT`` at most)."""
    return await keys.of(tenant_id).oldest_first(limit=LIST_LIMIT)


async def revoke_key(keys: ApiKeys, tenant_id: str, key_id: str) -> Document:
    """Revoke one of the tenant's keys (idempotent); 404 when the tenant has no such key."""
    doc = await keys.of(tenant_id).revoke(key_id)
    keys.forget_verified()
    return doc
