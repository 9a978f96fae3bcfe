"""Fan-out: every event of every domain topic becomes one queued delivery per matching
active subscription of the event's own tenant.

Each event is applied without a transaction or an inbox: its deliveries are one insert
(the delivery ids are derived from subscription and event, so a redelivered event queues
nothing again, and an event that matches no subscription writes nothing at all), inserted
claimed by this instance's dispatcher, which sends them at once: a delivery costs no claim
and no transaction unless its aggregate has an earlier delivery still pending (see
``crm_shared.delivery_queue``). Its partitions are handled side by side."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from pymongo.asynchronous.database import AsyncDatabase

from crm_shared.delivery_queue import EnqueueOnCommit
from crm_shared.events.catalogue import EventData, WebhookDeliveryFailed, all_models
from crm_shared.events.envelope import CloudEvent
from crm_shared.kafka.consumer import ConsumerSpec
from crm_shared.mongo.scoped import Document
from crm_shared.uow import Tx
from notifications.settings import NotificationsSettings
from notifications.webhooks.cache import SubscriptionCache
from notifications.webhooks.domain import EventFacts, known_types, receives
from notifications.webhooks.repository import delivery_job

CacheOf = Callable[[AsyncDatabase[Document]], SubscriptionCache]
"""The subscription cache on the service database (the channel makes it on first use)."""


def webhook_consumer(
    settings: NotificationsSettings, cache_of: CacheOf, enqueue: EnqueueOnCommit
) -> ConsumerSpec:
    """The ``<service>-webhooks`` consumer group: every catalogue type on every owner's topic
    (a group of its own, so webhooks never hold up e-mail or in-app handling)."""
    owners = sorted({model.owner for model in all_models()})
    return ConsumerSpec(
        group=f"{settings.service_name}-webhooks",
        topics=[settings.topic(owner) for owner in owners],
        handlers=dict.fromkeys(known_types(), partial(fan_out, cache_of, enqueue)),
        idempotent=frozenset(known_types()),
        inbox=False,
        partition_concurrency=0,
    )


def event_facts(envelope: CloudEvent, event: EventData) -> EventFacts:
    """What matching needs to know about one event."""
    if isinstance(event, WebhookDeliveryFailed):
        return EventFacts(envelope.type, event.subscription_id, event.event_type_delivered)
    return EventFacts(envelope.type)


def deliveries_for(
    envelope: CloudEvent, event: EventData, subscriptions: Sequence[Document]
) -> list[Document]:
    """The delivery jobs of ``event``: one per subscription that receives it."""
    facts = event_facts(envelope, event)
    targets = [s["_id"] for s in subscriptions if receives(s["_id"], s["event_types"], facts)]
    if not targets:
        return []
    body = envelope.to_bytes()
    return [delivery_job(target, envelope, body) for target in targets]


async def fan_out(
    cache_of: CacheOf, enqueue: EnqueueOnCommit, envelope: CloudEvent, event: EventData, tx: Tx
) -> None:
    """Any event: queue it for its tenant's matching subscriptions (written in one bulk
    once the handler returned)."""
    cache = cache_of(tx.db)
    jobs = deliveries_for(envelope, event, await cache.active(envelope.tenantid))
    if jobs:
        enqueue.add(tx, jobs)
