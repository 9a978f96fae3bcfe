"""The notifications service app: ``uvicorn notifications.main:create_app --factory``.

Each channel (e-mail, in-app, webhooks) contributes routers, indexes, the events it
handles in the ``notifications`` consumer group (or consumer specs of its own) and
start/stop hooks; adding a channel is one line in each list below.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from fastapi import APIRouter, FastAPI

from crm_shared.http.app import Hook, ServiceDefinition, create_service_app
from crm_shared.kafka.consumer import ConsumerSpec, Handler
from crm_shared.mongo.indexes import CollectionIndexes
from notifications import email_repository, webhook_deliveries, webhook_repository
from notifications.api_emails import router as emails_router
from notifications.api_inapp import router as inapp_router
from notifications.api_webhooks import router as webhooks_router
from notifications.email_service import EmailChannel
from notifications.inapp_handlers import consumer_spec as inapp_consumer_spec
from notifications.inapp_hub import NotificationHub
from notifications.inapp_repository import INDEXES as INAPP_INDEXES
from notifications.settings import NotificationsSettings, get_settings
from notifications.webhook_channel import WebhookChannel


class Subscription(NamedTuple):
    """One event type the ``notifications`` consumer group handles."""

    owner: str
    """The publishing service, whose topic carries the event."""
    event_type: str
    handler: Handler


ROUTERS: list[APIRouter] = [emails_router, inapp_router, webhooks_router]
INDEXES: list[CollectionIndexes] = [*email_repository.INDEXES, *INAPP_INDEXES]
INDEXES += [*webhook_repository.INDEXES, *webhook_deliveries.INDEXES]


def notifications_consumer(
    settings: NotificationsSettings, subscriptions: Sequence[Subscription]
) -> ConsumerSpec:
    """The service's main consumer group: every subscribed event type, one handler each."""
    handlers: dict[str, Handler] = {}
    for sub in subscriptions:
        if sub.event_type in handlers:
            raise ValueError(f"{sub.event_type} is handled twice in the notifications group")
        handlers[sub.event_type] = sub.handler
    topics = sorted({settings.topic(sub.owner) for sub in subscriptions})
    return ConsumerSpec(group=settings.service_name, topics=topics, handlers=handlers)


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    """Build the notifications service (settings from the environment unless given)."""
    settings = settings or get_settings()
    email = EmailChannel(settings)
    inapp_hub = NotificationHub()
    webhooks = WebhookChannel(settings)
    subscriptions: list[Subscription] = [
        Subscription("campaigns", "EmailRequested", email.on_email_requested),
    ]
    consumers: list[ConsumerSpec] = [notifications_consumer(settings, subscriptions)]
    consumers.append(inapp_consumer_spec(settings))
    consumers.append(webhooks.consumer_spec())
    on_startup: list[Hook] = [email.start, inapp_hub.start, webhooks.start]
    on_shutdown: list[Hook] = [webhooks.stop, inapp_hub.stop, email.stop]
    return create_service_app(
        ServiceDefinition(
            settings=settings,
            title="CRM notifications service",
            description="E-mail over SMTP, in-app notifications with a live stream, "
            "signed webhooks.",
            routers=ROUTERS,
            indexes=INDEXES,
            consumers=consumers,
            on_startup=on_startup,
            on_shutdown=on_shutdown,
        )
    )
