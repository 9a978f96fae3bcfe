"""Recording a batch of delivery outcomes in one transaction: the queue jobs (the delivery
log), the subscriptions' failure runs (a success resets it, enough failures switch the
subscription off) and a ``WebhookDeliveryFailed`` event for each delivery given up."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from functools import partial

from crm_shared.delivery_queue import DeliveryQueue, Job, Outcome
from crm_shared.events.catalogue import WebhookDeliveryFailed
from crm_shared.ids import utcnow
from crm_shared.uow import Tx, UnitOfWork
from notifications.webhooks.cache import SubscriptionCache
from notifications.webhooks.repository import SubscriptionRepository


class OutcomeRecorder:
    """The dispatcher's ``settle``: one transaction per batch of outcomes."""

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
        """Record ``outcomes`` (and the events they cause) in one transaction."""
        await self._uow.run(lambda tx: self._record(tx, outcomes))

    async def _record(self, tx: Tx, outcomes: Sequence[Outcome]) -> None:
        applied = await self._queue.finish(outcomes, session=tx.session)
        for tenant_id, sub_ids in (await self._runs_to_clear(applied)).items():
            await SubscriptionRepository(tx.db, tenant_id).clear_failures(
                sub_ids, session=tx.session
            )
            tx.after_commit(partial(self._cache.invalidate, tenant_id))
        for outcome in applied:
            if outcome.status == "failed" and not outcome.fields.get("cancelled"):
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
        now = utcnow()
        await self._queue.finish([Outcome.retry(job, due_at=now) for job in jobs])
