"""The campaigns service app: ``uvicorn campaigns.main:create_app --factory``."""

from __future__ import annotations

from fastapi import FastAPI

from campaigns import (
    automation_assign,
    automation_repository,
    campaign_repository,
    member_repository,
    metrics_repository,
)
from campaigns.api_automations import router as automations_router
from campaigns.api_campaigns import router as campaigns_router
from campaigns.audience import repository as audience_repository
from campaigns.automation_engine import AutomationEngine
from campaigns.handlers import consumer_specs
from campaigns.segments import repository as segments_repository
from campaigns.segments.api import router as segments_router
from campaigns.sender import Sender
from campaigns.settings import CampaignsSettings, get_settings
from campaigns.tracking.api import router as tracking_router
from crm_shared.http.app import ServiceDefinition, create_service_app
from crm_shared.runtime import Runtime

INDEXES = [
    *campaign_repository.INDEXES,
    *member_repository.INDEXES,
    *metrics_repository.INDEXES,
    *segments_repository.INDEXES,
    *audience_repository.INDEXES,
    *automation_repository.INDEXES,
    *automation_assign.INDEXES,
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
