"""Use cases of webhooks: subscriptions (create, with the secret shown once; change; rotate
the secret; delete), their delivery log (read, replay, a test ping), and the recording of
each batch of delivery outcomes. API-key callers (own scope) only ever see and touch their
own subscriptions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from crm_shared.auth import Access
from crm_shared.delivery_queue import DeliveryQueue, Job, Outcome
from crm_shared.errors import Conflict, Unprocessable
from crm_shared.events.catalogue import WebhookDeliveryFailed
from crm_shared.events.envelope import new_envelope
from crm_shared.idempotency import create_once
from crm_shared.ids import utcnow
from crm_shared.mongo.pagination import fingerprint
from crm_shared.mongo.repository import expected_version
from crm_shared.mongo.scoped import Document
from crm_shared.ownership import list_owner, visible
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx, UnitOfWork
from crm_shared.url_safety import UnsafeUrl
from notifications.webhooks.cache import SubscriptionCache
from notifications.webhooks.domain import InvalidSubscription, validate_patterns
from notifications.webhooks.repository import (
    DeliveryRepository,
    SubscriptionRepository,
    delivery_job,
    new_subscription,
)
from notifications.webhooks.schemas import WebhookCreate, WebhookUpdate
from notifications.webhooks.signing import new_secret
from notifications.webhooks.targets import AllowList, check_target
from notifications.webhooks.views import subscription_view

KIND = "webhook"
TEST_EVENT_TYPE = "WebhookTest"
"""The type of the ping ``POST /v1/webhooks/{id}/test`` sends (not a catalogue event)."""


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

    async def work(tx: Tx) -> dict[str, Any]:
        await SubscriptionRepository(tx.db, access.tenant_id).insert(doc, session=tx.session)
        return {**subscription_view(doc), "secret": doc["secret"]}

    result = await create_once(
        rt.uow,
        access.tenant_id,
        data.model_dump(mode="json"),
        work,
        idempotency_key=idempotency_key,
    )
    rules.cache.invalidate(access.tenant_id)  # committed (or replayed): re-read subscriptions
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
    return await SubscriptionRepository(rt.db, access.tenant_id).page_by_owner(
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
    version = expected_version(current, if_match)

    async def work(tx: Tx) -> Document:
        repo = SubscriptionRepository(tx.db, access.tenant_id)
        return await repo.update(sub_id, version, {"$set": fields}, session=tx.session)

    doc = await rt.uow.run(work)
    rules.cache.invalidate(access.tenant_id)
    return doc


async def rotate_secret(
    rt: Runtime, access: Access, sub_id: str, *, if_match: int | None, rules: SubscriptionRules
) -> dict[str, Any]:
    """Give the subscription a new secret, returned this once; the old one keeps signing
    too (a second signature) for the grace period so receivers can switch without a gap."""
    current = await get_subscription(rt, access, sub_id)
    version = expected_version(current, if_match)
    secret = new_secret()
    change = {
        "secret": secret,
        "previous_secret": current["secret"],
        "previous_secret_until": utcnow() + rules.secret_grace,
    }

    async def work(tx: Tx) -> Document:
        repo = SubscriptionRepository(tx.db, access.tenant_id)
        return await repo.update(sub_id, version, {"$set": change}, session=tx.session)

    doc = await rt.uow.run(work)
    rules.cache.invalidate(access.tenant_id)
    return {**subscription_view(doc), "secret": secret}


async def delete_subscription(
    rt: Runtime, access: Access, sub_id: str, *, if_match: int | None, rules: SubscriptionRules
) -> None:
    """Delete a subscription; its pending deliveries are dropped when they come due."""
    current = await get_subscription(rt, access, sub_id)
    version = expected_version(current, if_match)

    async def work(tx: Tx) -> None:
        repo = SubscriptionRepository(tx.db, access.tenant_id)
        await repo.delete(sub_id, version, session=tx.session)

    await rt.uow.run(work)
    rules.cache.invalidate(access.tenant_id)


# --------------------------------------------------------------------------- deliveries


async def list_deliveries(
    rt: Runtime, access: Access, sub_id: str, *, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """A page of a subscription's deliveries, newest first."""
    await get_subscription(rt, access, sub_id)
    return await DeliveryRepository(rt.db, access.tenant_id).page_of_subscription(
        sub_id,
        limit=limit,
        cursor=cursor,
        query_fingerprint=fingerprint(access.tenant_id, "webhook-deliveries", sub_id),
        windowed=rt.settings.list_windowing,
    )


async def get_delivery(rt: Runtime, access: Access, sub_id: str, delivery_id: str) -> Document:
    """One delivery of a subscription the caller may see."""
    await get_subscription(rt, access, sub_id)
    return await DeliveryRepository(rt.db, access.tenant_id).of_subscription(sub_id, delivery_id)


async def replay_delivery(
    rt: Runtime,
    access: Access,
    sub_id: str,
    delivery_id: str,
    *,
    queue: DeliveryQueue,
    offer: Callable[[Iterable[str]], None],
) -> Document:
    """Send a finished (failed or delivered) delivery again, with the same ``webhook-id`` and
    a fresh retry window; 409 while it is still pending."""
    await get_delivery(rt, access, sub_id, delivery_id)
    reopened = await rt.uow.run_without_transaction(
        lambda tx: queue.reopen(
            access.tenant_id,
            delivery_id,
            fields={"first_attempt_at": None, "cancelled": False},
            statuses=("failed", "done"),
            session=tx.session,
        )
    )
    if reopened is None:  # neither failed nor delivered: still on its way
        raise Conflict(f"delivery {delivery_id} is still pending; wait for it to finish")
    offer([delivery_id])
    return reopened


async def send_test(
    rt: Runtime,
    access: Access,
    sub_id: str,
    *,
    queue: DeliveryQueue,
    offer: Callable[[Iterable[str]], None],
) -> Document:
    """Queue a ``WebhookTest`` ping to the subscription (signed like any delivery)."""
    await get_subscription(rt, access, sub_id)
    envelope = new_envelope(
        source=f"/services/{rt.settings.service_name}",
        type_=TEST_EVENT_TYPE,
        version=1,
        subject=sub_id,
        tenant_id=access.tenant_id,
        data={"subscription_id": sub_id, "message": "test delivery"},
    )
    job = delivery_job(sub_id, envelope, envelope.to_bytes())

    async def work(tx: Tx) -> None:
        tx.after_commit(partial(offer, await queue.enqueue(tx.session, [job])))

    await rt.uow.run(work)
    return job


# --------------------------------------------------------------------------- outcomes


class OutcomeRecorder:
    """The dispatcher's ``settle``: per batch of outcomes, the queue jobs (the delivery log),
    the subscriptions' failure runs (a success resets it, enough failures switch the
    subscription off) and a ``WebhookDeliveryFailed`` event for each delivery given up, in
    one transaction; a batch that changes no subscription and announces nothing (the usual
    one) is only the queue's writes, one per delivery, with no transaction."""

    def __init__(
        self,
        uow: UnitOfWork,
        queue: DeliveryQueue,
        cache: SubscriptionCache,
        *,
        disable_after: int,
    ) -> None:
        self._uow = uow
        self._queue = queue
        self._cache = cache
        self._disable_after = disable_after

    async def __call__(self, outcomes: list[Outcome]) -> None:
        """Record ``outcomes`` (and the changes and events they cause)."""
        if any(map(_given_up, outcomes)) or await self._runs_to_clear(outcomes):
            await self._uow.run(lambda tx: self._record(tx, outcomes))
        else:
            await self._queue.finish(outcomes)

    async def _record(self, tx: Tx, outcomes: Sequence[Outcome]) -> None:
        applied = await self._queue.finish(outcomes, session=tx.session)
        for tenant_id, sub_ids in (await self._runs_to_clear(applied)).items():
            await SubscriptionRepository(tx.db, tenant_id).clear_failures(
                sub_ids, session=tx.session
            )
            tx.after_commit(partial(self._cache.invalidate, tenant_id))
        for outcome in filter(_given_up, applied):
            await self._gave_up(tx, outcome)

    async def _runs_to_clear(self, applied: Sequence[Outcome]) -> dict[str, list[str]]:
        """Subscriptions, by tenant, whose failure run a delivery in ``applied`` ends: those
        the cache shows with a run (it is re-read after every failure counted here, so only
        another instance's failures of the last ``webhook_cache_ttl_s`` can be missed)."""
        found: dict[str, set[str]] = defaultdict(set)
        for outcome in applied:
            job = outcome.job
            if outcome.status != "done":
                continue
            subscription = await self._cache.get(job.tenant_id, job.doc["subscription_id"])
            if subscription is not None and subscription["consecutive_failures"] > 0:
                found[job.tenant_id].add(subscription["_id"])
        return {tenant_id: sorted(ids) for tenant_id, ids in found.items()}

    async def _gave_up(self, tx: Tx, outcome: Outcome) -> None:
        """Count the failure against the subscription and announce it."""
        job, fields = outcome.job, outcome.fields
        tenant_id = job.tenant_id
        disabled = await SubscriptionRepository(tx.db, tenant_id).count_failure(
            job.doc["subscription_id"], disable_after=self._disable_after, session=tx.session
        )
        tx.after_commit(partial(self._cache.invalidate, tenant_id))
        await tx.emit(
            WebhookDeliveryFailed(
                subscription_id=job.doc["subscription_id"],
                delivery_id=job.id,
                event_id=job.doc["event_id"],
                event_type_delivered=job.doc["event_type"],
                url=fields.get("url", ""),
                attempts=job.attempts,
                last_status=fields.get("last_status"),
                error=fields.get("last_error") or "failed",
                subscription_disabled=disabled,
            ),
            tenant_id=tenant_id,
        )

    async def expired(self, jobs: list[Job]) -> None:
        """Jobs whose dispatcher died mid-attempt: try them again now (the receiver may have
        got the attempt; the unchanged ``webhook-id`` lets it drop the repeat)."""
        if not jobs:
            return
        now = utcnow()
        await self._queue.finish([Outcome.retry(job, due_at=now) for job in jobs])


def _given_up(outcome: Outcome) -> bool:
    """Whether ``outcome`` is a delivery failed for good (not cancelled): it is announced."""
    return outcome.status == "failed" and not outcome.fields.get("cancelled")
