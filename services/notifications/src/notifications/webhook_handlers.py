"""Fan-out: every event of every domain topic becomes one queued delivery per matching
active subscription of the event's own tenant.

The consumer group applies events without its own transaction and inbox key (``idempotent``
in the consumer spec): most events match no subscription and then cost no database work at
all; those that match are queued in one transaction, and the delivery ids (derived from
subscription and event) make a redelivered event a no-op."""

from __future__ import annotations

from collections.abc import Sequence

from crm_shared.events.catalogue import EventData, WebhookDeliveryFailed, all_models
from crm_shared.events.envelope import CloudEvent
from crm_shared.kafka.consumer import ConsumerSpec, Handler
from crm_shared.mongo.scoped import Document
from notifications.settings import NotificationsSettings
from notifications.webhook_deliveries import delivery_job
from notifications.webhook_domain import EventFacts, known_types, receives


def webhook_consumer(settings: NotificationsSettings, handler: Handler) -> ConsumerSpec:
    """The ``<service>-webhooks`` consumer group: every catalogue type on every owner's topic
    (a group of its own, so webhooks never hold up e-mail or in-app handling)."""
    owners = sorted({model.owner for model in all_models()})
    return ConsumerSpec(
        group=f"{settings.service_name}-webhooks",
        topics=[settings.topic(owner) for owner in owners],
        handlers=dict.fromkeys(known_types(), handler),
        idempotent=frozenset(known_types()),
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
