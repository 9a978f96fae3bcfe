"""The notifications service app: ``uvicorn notifications.main:create_app --factory``.

Each channel (e-mail, in-app, webhooks) contributes routers, indexes, its consumer group
and start/stop hooks; adding a channel is one line in each list below.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from crm_shared.http.app import Hook, ServiceDefinition, create_service_app
from crm_shared.mongo.indexes import CollectionIndexes
from notifications.email import repository as email_repository
from notifications.email.api import router as emails_router
from notifications.email.channel import EmailChannel
from notifications.inapp.api import router as inapp_router
from notifications.inapp.handlers import consumer_spec as inapp_consumer_spec
from notifications.inapp.hub import NotificationHub
from notifications.inapp.repository import INDEXES as INAPP_INDEXES
from notifications.settings import NotificationsSettings, get_settings
from notifications.webhooks import repository as webhook_repository
from notifications.webhooks.api import router as webhooks_router
from notifications.webhooks.channel import WebhookChannel

ROUTERS: list[APIRouter] = [emails_router, inapp_router, webhooks_router]
INDEXES: list[CollectionIndexes] = [*email_repository.INDEXES, *INAPP_INDEXES]
INDEXES += webhook_repository.INDEXES


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    """Build the notifications service (settings from the environment unless given)."""
    settings = settings or get_settings()
    email = EmailChannel(settings)
    inapp_hub = NotificationHub()
    webhooks = WebhookChannel(settings)
    consumers = [email.consumer_spec(), inapp_consumer_spec(settings), webhooks.consumer_spec()]
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
