"""Routes: API keys for integrations (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from crm_shared.access import Action
from gateway.apikeys import service
from gateway.apikeys.schemas import ApiKey, ApiKeyCreate, ApiKeyCreated, ApiKeyList
from gateway.apikeys.views import public_key
from gateway.auth.callers import Caller
from gateway.deps import State, caller_allowed

router = APIRouter(prefix="/api/v1/api-keys", tags=["api keys"])
Reader = Annotated[Caller, caller_allowed("api_keys", Action.READ)]
Writer = Annotated[Caller, caller_allowed("api_keys", Action.WRITE)]


@router.post("", response_model=ApiKeyCreated, status_code=201)
async def create(body: ApiKeyCreate, caller: Writer, state: State) -> ApiKeyCreated:
    """Create a key; the response holds the key itself, which is never shown again."""
    doc, key = await service.create_key(
        state.api_keys,
        tenant_id=caller.principal.tenant_id,
        name=body.name,
        scopes=body.scopes,
        created_by=caller.principal.sub,
    )
    return ApiKeyCreated(**public_key(doc), key=key)


@router.get("", response_model=ApiKeyList)
async def list_keys(caller: Reader, state: State) -> ApiKeyList:
    """The tenant's keys (never the secrets)."""
    docs = await service.list_keys(state.api_keys, caller.principal.tenant_id)
    return ApiKeyList(items=[ApiKey(**public_key(d)) for d in docs])


@router.delete("/{key_id}", response_model=ApiKey)
async def revoke(key_id: str, caller: Writer, state: State) -> ApiKey:
    """Revoke a key: requests with it fail from now on."""
    doc = await service.revoke_key(state.api_keys, caller.principal.tenant_id, key_id)
    return ApiKey(**public_key(doc))
