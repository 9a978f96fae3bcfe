"""Use cases of user management: create a user (and the first admin on start), list,
read, change; deactivating a user ends their sessions."""

from __future__ import annotations

import logging

from crm_shared.errors import Unprocessable
from crm_shared.mongo.scoped import Document
from gateway.auth.passwords import check_strength, hash_password
from gateway.auth.repository import RefreshTokens
from gateway.users.domain import locks_out_self
from gateway.users.repository import Users

log = logging.getLogger(__name__)


async def create_user(
    users: Users,
    *,
    tenant_id: str,
    email: str,
    name: str | None,
    roles: list[str],
    password: str,
) -> Document:
    """A new active user with an argon2id password hash; 422 for a weak password."""
    if problem := check_strength(password):
        raise Unprocessable(problem, errors=[{"field": "password", "message": problem}])
    return await users.of(tenant_id).create(
        email=email,
        name=name,
        roles=roles,
        pw_hash=await hash_password(password),
    )


async def bootstrap_admin(users: Users, *, email: str, password: str, tenant: str) -> bool:
    """Create the first admin from settings when no user exists yet; True if created."""
    if not (email and password and tenant) or await users.any_exists():
        return False
    await create_user(
        users, tenant_id=tenant, email=email, name=None, roles=["admin"], password=password
    )
    log.info("created the first admin %s of tenant %s", email, tenant)
    return True


async def list_users(
    users: Users, tenant_id: str, *, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """The tenant's users by e-mail, ``limit`` of them after the e-mail ``cursor``, and
    the next page's cursor (this page's last e-mail) when more follow."""
    docs = await users.of(tenant_id).page_by_email(limit=limit + 1, after=cursor)
    return docs[:limit], docs[limit - 1]["email"] if len(docs) > limit else None


async def get_user(users: Users, tenant_id: str, user_id: str) -> Document:
    """One user of the tenant; 404 otherwise."""
    return await users.of(tenant_id).get(user_id)


async def update_user(
    users: Users,
    sessions: RefreshTokens,
    *,
    tenant_id: str,
    actor_id: str,
    user_id: str,
    fields: Document,
) -> Document:
    """Set ``fields`` on the tenant's user; deactivating revokes their refresh tokens. 422
    when there is nothing to change or an admin would lock themselves out."""
    if not fields:
        raise Unprocessable("nothing to change")
    if locks_out_self(actor_id, user_id, fields):
        raise Unprocessable("admins cannot deactivate themselves or drop their own admin role")
    doc = await users.of(tenant_id).set_fields(user_id, fields)
    if fields.get("active") is False:
        await sessions.revoke_user(user_id)
    return doc
