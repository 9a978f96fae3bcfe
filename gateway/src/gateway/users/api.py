"""Routes: user management for admins (sales managers may read)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from crm_shared.access import Action
from gateway.auth.callers import Caller
from gateway.deps import State, caller_allowed
from gateway.users import service
from gateway.users.schemas import User, UserCreate, UserPage, UserUpdate
from gateway.users.views import public_user

router = APIRouter(prefix="/api/v1/users", tags=["users"])
Reader = Annotated[Caller, caller_allowed("users", Action.READ)]
Writer = Annotated[Caller, caller_allowed("users", Action.WRITE)]


@router.post("", response_model=User, status_code=201)
async def create(body: UserCreate, caller: Writer, state: State) -> User:
    """Add a user to the admin's tenant."""
    doc = await service.create_user(
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
    docs, next_cursor = await service.list_users(
        state.users, caller.principal.tenant_id, limit=limit, cursor=cursor
    )
    return UserPage(items=[User(**public_user(d)) for d in docs], next_cursor=next_cursor)


@router.get("/{user_id}", response_model=User)
async def get_user(user_id: str, caller: Reader, state: State) -> User:
    """One user of the tenant."""
    doc = await service.get_user(state.users, caller.principal.tenant_id, user_id)
    return User(**public_user(doc))


@router.patch("/{user_id}", response_model=User)
async def update_user(user_id: str, body: UserUpdate, caller: Writer, state: State) -> User:
    """Rename, change roles, or (de)activate. Deactivating ends the user's sessions: their
    refresh tokens stop working, and access tokens lapse within their short lifetime."""
    doc = await service.update_user(
        state.users,
        state.identity.refresh_tokens,
        tenant_id=caller.principal.tenant_id,
        actor_id=caller.principal.sub,
        user_id=user_id,
        fields=body.model_dump(exclude_unset=True, exclude_none=True),
    )
    return User(**public_user(doc))
