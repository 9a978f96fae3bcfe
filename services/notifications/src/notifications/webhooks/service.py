"""Use cases on webhook subscriptions: create (the secret is shown once), change, rotate the
secret, delete. API-key callers (own scope) only ever see and touch their own subscriptions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError

from crm_shared.auth import Access
from crm_shared.errors import Conflict, Unprocessable
from crm_shared.idempotency import IdempotencyStore, request_fingerprint
from crm_shared.ids import utcnow
from crm_shared.mongo.pagination import fingerprint
from crm_shared.mongo.scoped import Document
from crm_shared.ownership import list_owner, visible
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx
from crm_shared.url_safety import UnsafeUrl
from notifications.webhooks.cache import SubscriptionCache
from notifications.webhooks.domain import InvalidSubscription, validate_patterns
from notifications.webhooks.repository import SubscriptionRepository, new_subscription
from notifications.webhooks.schemas import WebhookCreate, WebhookUpdate
from notifications.webhooks.signing import new_secret
from notifications.webhooks.targets import AllowList, check_target
from notifications.webhooks.views import subscription_view

KIND = "webhook"


@dataclass(frozen=True)
class SubscriptionRules:
    """What the subscription use cases need besides the database."""

    cache: SubscriptionCache
    allow: AllowList
    secret_grace: timedelta
    """How long the secret replaced by a rotation keeps signing too."""


async def _checked_url(url: str, allow: AllowList) -> str:
    try:
        await check_target(url, allow)
    except UnsafeUrl as exc:
        raise Unprocessable(f"url: {exc}", field="url") from exc
    return url


def _checked_patterns(patterns: list[str]) -> list[str]:
    try:
        return validate_patterns(patterns)
    except InvalidSubscription as exc:
        raise Unprocessable(f"event_types: {exc}", field="event_types") from exc


async def create_subscription(
    rt: Runtime,
    access: Access,
    data: WebhookCreate,
    *,
    rules: SubscriptionRules,
    idempotency_key: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Create a subscription owned by the caller; returns (view with the secret, replayed)."""
    doc = new_subscription(
        owner_id=access.principal.sub,
        url=await _checked_url(data.url, rules.allow),
        event_types=_checked_patterns(data.event_types),
        description=data.description,
        active=data.active,
        secret=new_secret(),
    )
    keys = IdempotencyStore(rt.db, access.tenant_id)
    body_hash = request_fingerprint(data.model_dump(mode="json"))

    async def work(tx: Tx) -> tuple[dict[str, Any], bool]:
        if idempotency_key:
            stored = await keys.replay(idempotency_key, body_hash, session=tx.session)
            if stored is not None:
                return stored, True
        await SubscriptionRepository(tx.db, access.tenant_id).insert(doc, session=tx.session)
        view = {**subscription_view(doc), "secret": doc["secret"]}
        if idempotency_key:
            await keys.remember(idempotency_key, body_hash, view, session=tx.session)
        return view, False

    try:
        result = await rt.uow.run(work)
    except DuplicateKeyError as exc:
        raise Conflict("a request with this Idempotency-Key is in progress") from exc
    rules.cache.invalidate(access.tenant_id)
    return result


async def get_subscription(rt: Runtime, access: Access, sub_id: str) -> Document:
    """One subscription the caller may see (404 for another owner's, to an own-scope caller)."""
    doc = await SubscriptionRepository(rt.db, access.tenant_id).get(sub_id)
    return visible(access, doc, KIND)


async def list_subscriptions(
    rt: Runtime, access: Access, *, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """A page of the subscriptions the caller may see, oldest first."""
    owner = list_owner(access, None, KIND)
    return await SubscriptionRepository(rt.db, access.tenant_id).page(
        owner_id=owner,
        limit=limit,
        cursor=cursor,
        query_fingerprint=fingerprint(access.tenant_id, "webhooks", owner),
    )


async def update_subscription(
    rt: Runtime,
    access: Access,
    sub_id: str,
    patch: WebhookUpdate,
    *,
    if_match: int | None,
    rules: SubscriptionRules,
) -> Document:
    """Change url, event types, description or the active flag (on again: the failure run
    and the reason it was switched off are cleared)."""
    given = patch.model_fields_set
    fields: Document = {}
    if patch.url is not None:
        fields["url"] = await _checked_url(patch.url, rules.allow)
    if patch.event_types is not None:
        fields["event_types"] = _checked_patterns(patch.event_types)
    if "description" in given:
        fields["description"] = patch.description
    if patch.active is not None:
        fields["active"] = patch.active
        if patch.active:
            fields.update(consecutive_failures=0, disabled_reason=None)
    current = await get_subscription(rt, access, sub_id)
    version = if_match if if_match is not None else current["version"]
    repo = SubscriptionRepository(rt.db, access.tenant_id)
    doc = await repo.update(sub_id, version, fields)
    rules.cache.invalidate(access.tenant_id)
    return doc


async def rotate_secret(
    rt: Runtime, access: Access, sub_id: str, *, if_match: int | None, rules: SubscriptionRules
) -> dict[str, Any]:
    """Give the subscription a new secret, returned this once; the old one keeps signing
    too (a second signature) for the grace period so receivers can switch without a gap."""
    current = await get_subscription(rt, access, sub_id)
    version = if_match if if_match is not None else current["version"]
    secret = new_secret()
    doc = await SubscriptionRepository(rt.db, access.tenant_id).update(
        sub_id,
        version,
        {
            "secret": secret,
            "previous_secret": current["secret"],
            "previous_secret_until": utcnow() + rules.secret_grace,
        },
    )
    rules.cache.invalidate(access.tenant_id)
    return {**subscription_view(doc), "secret": secret}


async def delete_subscription(
    rt: Runtime, access: Access, sub_id: str, *, if_match: int | None, rules: SubscriptionRules
) -> None:
    """Delete a subscription; its pending deliveries are dropped when they come due."""
    current = await get_subscription(rt, access, sub_id)
    version = if_match if if_match is not None else current["version"]
    await SubscriptionRepository(rt.db, access.tenant_id).delete(sub_id, version)
    rules.cache.invalidate(access.tenant_id)
