"""Fan-out: every event of every domain topic becomes one queued delivery per matching
active subscription of the event's own tenant.

The consumer group applies a batch of events in one transaction with one bulk enqueue of
the batch's deliveries (an event per transaction cost a commit each and could not keep up
with 50 events/s on the embedded server). It keeps no inbox: the delivery ids are derived
from subscription and event, so a redelivered event queues nothing again, and a batch
that matches no subscription writes nothing at all. Its partitions are
handled side by side (its transactions are two bulk writes), which took p50 at 50
events/s from 1.0 s to 0.5 s on the embedded stack."""

from __future__ import annotations

from collections.abc import Sequence

from crm_shared.events.catalogue import EventData, WebhookDeliveryFailed, all_models
from crm_shared.events.envelope import CloudEvent
from crm_shared.kafka.consumer import ConsumerSpec, Handler
from crm_shared.mongo.scoped import Document
from notifications.settings import NotificationsSettings
from notifications.webhooks.deliveries import delivery_job
from notifications.webhooks.domain import EventFacts, known_types, receives


def webhook_consumer(settings: NotificationsSettings, handler: Handler) -> ConsumerSpec:
    """The ``<service>-webhooks`` consumer group: every catalogue type on every owner's topic
    (a group of its own, so webhooks never hold up e-mail or in-app handling)."""
    owners = sorted({model.owner for model in all_models()})
    return ConsumerSpec(
        group=f"{settings.service_name}-webhooks",
        topics=[settings.topic(owner) for owner in owners],
        handlers=dict.fromkeys(known_types(), handler),
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
