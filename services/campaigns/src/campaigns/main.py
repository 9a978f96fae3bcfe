"""The campaigns service app (``uvicorn campaigns.main:create_app --factory``) and its
consumer group."""

from __future__ import annotations

from fastapi import FastAPI

from campaigns.audience import repository as audience_repository
from campaigns.audience.handlers import (
    on_account_created,
    on_contact_created,
    on_contact_deleted,
    on_contact_updated,
)
from campaigns.automations import assign as automations_assign
from campaigns.automations import repository as automations_repository
from campaigns.automations.api import router as automations_router
from campaigns.automations.engine import AutomationEngine
from campaigns.campaigns import repository as campaigns_repository
from campaigns.campaigns.api import router as campaigns_router
from campaigns.campaigns.sender import Sender
from campaigns.metrics import repository as metrics_repository
from campaigns.metrics.handlers import (
    on_deal_won,
    on_lead_converted,
    on_lead_created,
    on_notification,
)
from campaigns.segments import repository as segments_repository
from campaigns.segments.api import router as segments_router
from campaigns.settings import CampaignsSettings, get_settings
from campaigns.tracking.api import router as tracking_router
from crm_shared.http.app import ServiceDefinition, create_service_app
from crm_shared.kafka.consumer import ConsumerSpec, Handler
from crm_shared.runtime import Runtime
from crm_shared.settings import ServiceSettings

INDEXES = [
    *campaigns_repository.INDEXES,
    *metrics_repository.INDEXES,
    *segments_repository.INDEXES,
    *audience_repository.INDEXES,
    *automations_repository.INDEXES,
    *automations_assign.INDEXES,
]


def consumer_specs(settings: ServiceSettings) -> list[ConsumerSpec]:
    """The campaigns service's consumer group."""
    handlers: dict[str, Handler] = {
        "ContactCreated": on_contact_created,
        "ContactUpdated": on_contact_updated,
        "ContactDeleted": on_contact_deleted,
        "AccountCreated": on_account_created,
        "LeadCreated": on_lead_created,
        "LeadConverted": on_lead_converted,
        "DealWon": on_deal_won,
        "NotificationSent": on_notification,
        "NotificationFailed": on_notification,
    }
    return [
        ConsumerSpec(
            group=settings.service_name,
            topics=[settings.topic(t) for t in ("leads", "contacts", "deals", "notifications")],
            handlers=handlers,
            # the projection's writes are guarded by the snapshot's version or are plain
            # sets: a redelivery writes nothing new (automations may still want them)
            idempotent=frozenset({"ContactCreated", "ContactUpdated", "AccountCreated"}),
        )
    ]


def create_app(settings: CampaignsSettings | None = None) -> FastAPI:
    """Build the campaigns service (settings from the environment unless given)."""
    settings = settings or get_settings()
    automations = AutomationEngine(settings)

    async def start_sender(app: FastAPI, runtime: Runtime) -> None:
        app.state.sender = Sender(runtime, settings)
        app.state.sender.start()

    async def stop_sender(app: FastAPI, runtime: Runtime) -> None:
        await app.state.sender.stop()

    return create_service_app(
        ServiceDefinition(
            settings=settings,
            title="CRM campaigns service",
            description="Campaigns, segments over a contact projection, launches, tracking, "
            "metrics, automations.",
            routers=[campaigns_router, segments_router, tracking_router, automations_router],
            indexes=INDEXES,
            consumers=automations.consumers(consumer_specs(settings)),
            on_startup=[start_sender, automations.start],
            on_shutdown=[automations.stop, stop_sender],
        )
    )
