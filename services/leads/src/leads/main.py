"""The leads service app: ``uvicorn leads.main:create_app --factory``."""

from __future__ import annotations

from fastapi import FastAPI

from crm_shared.http.app import ServiceDefinition, create_service_app
from crm_shared.runtime import Runtime
from leads.api import config_router, router
from leads.handlers import consumer_specs
from leads.repository import INDEXES
from leads.rescoring import Rescorer
from leads.settings import LeadsSettings, get_settings


def create_app(settings: LeadsSettings | None = None) -> FastAPI:
    """Build the leads service (settings from the environment unless given)."""
    settings = settings or get_settings()

    async def start_rescorer(app: FastAPI, runtime: Runtime) -> None:
        app.state.rescorer = Rescorer(runtime, batch_size=settings.rescore_batch_size)
        await app.state.rescorer.resume_all()

    async def stop_rescorer(app: FastAPI, runtime: Runtime) -> None:
        await app.state.rescorer.stop()

    return create_service_app(
        ServiceDefinition(
            settings=settings,
            title="CRM leads service",
            description="Leads: capture, scoring, assignment, qualification, conversion, CSV.",
            routers=[config_router, router],
            indexes=INDEXES,
            consumers=consumer_specs(settings),
            body_limits={"/v1/leads/import": settings.import_max_bytes},
            on_startup=[start_rescorer],
            on_shutdown=[stop_rescorer],
        )
    )
