"""The deals service app: ``uvicorn deals.main:create_app --factory``."""

from __future__ import annotations

from fastapi import FastAPI

from crm_shared.http.app import ServiceDefinition, create_service_app
from deals import contact_repository, deal_repository, pipeline_repository, report_repository
from deals.api_deals import router as deals_router
from deals.api_pipelines import router as pipelines_router
from deals.api_reports import reports, targets
from deals.handlers import consumer_specs
from deals.settings import DealsSettings, get_settings

INDEXES = [
    *deal_repository.INDEXES,
    *pipeline_repository.INDEXES,
    *report_repository.INDEXES,
    *contact_repository.INDEXES,
]


def create_app(settings: DealsSettings | None = None) -> FastAPI:
    """Build the deals service (settings from the environment unless given)."""
    settings = settings or get_settings()
    return create_service_app(
        ServiceDefinition(
            settings=settings,
            title="CRM deals service",
            description="Pipelines, deals, stage moves, board, forecast and sales reports.",
            routers=[pipelines_router, deals_router, reports, targets],
            indexes=INDEXES,
            consumers=consumer_specs(settings),
        )
    )
