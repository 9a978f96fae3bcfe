"""Routes: user management for admins (sales managers may read)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from crm_shared.access import Action
from crm_shared.errors import Unprocessable
from gateway.auth.callers import Caller
from gateway.auth.service import create_user
from gateway.deps import State, caller_allowed
from gateway.schemas import User, UserCreate, UserPage, UserUpdate
from gateway.users import public_user

router = APIRouter(prefix="/api/v1/users", tags=["users"])
Reader = Annotated[Caller, caller_allowed("users", Action.READ)]
Writer = Annotated[Caller, caller_allowed("users", Action.WRITE)]


@router.post("", response_model=User, status_code=201)
async def create(body: UserCreate, caller: Writer, state: State) -> User:
    """Add a user to the admin's tenant."""
    doc = await create_user(
        state.users,
        tenant_id=caller.principal.tenant_id,
        email=str(body.email),
        name=body.name,
        roles=body.roles,
        password=body.password,
    )
    return User(**public_user(doc))


@router.get("", response_model=UserPage)
async def list_users(
    caller: Reader,
    state: State,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=320)] = None,
) -> UserPage:
    """The tenant's users by e-mail; ``cursor`` is the last e-mail of the previous page."""
    docs = await state.users.page(caller.principal.tenant_id, limit=limit + 1, after=cursor)
    items = [User(**public_user(d)) for d in docs[:limit]]
    return UserPage(items=items, next_cursor=items[-1].email if len(docs) > limit else None)


@router.get("/{user_id}", response_model=User)
async def get_user(user_id: str, caller: Reader, state: State) -> User:
    """One user of the tenant."""
    return User(**public_user(await state.users.get(caller.principal.tenant_id, user_id)))


@router.patch("/{user_id}", response_model=User)
async def update_user(user_id: str, body: UserUpdate, caller: Writer, state: State) -> User:
    """Rename, change roles, or (de)activate. Deactivating ends the user's sessions: their
    refresh tokens stop working, and access tokens lapse within their short lifetime."""
    fields = body.model_dump(exclude_unset=True, exclude_none=True)
    if not fields:
        raise Unprocessable("nothing to change")
    if user_id == caller.principal.sub and (
        fields.get("active") is False or "admin" not in fields.get("roles", ["admin"])
    ):
        raise Unprocessable("admins cannot deactivate themselves or drop their own admin role")
    tenant = caller.principal.tenant_id
    doc = await state.users.update(tenant, user_id, fields)
    if fields.get("active") is False:
        await state.identity.refresh_tokens.revoke_user(user_id)
    return User(**public_user(doc))
