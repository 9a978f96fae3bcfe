"""The leads service app: ``uvicorn leads.main:create_app --factory``."""

from __future__ import annotations

from fastapi import FastAPI

from crm_shared.http.app import ServiceDefinition, create_service_app
from crm_shared.import_jobs.runner import ImportKind
from crm_shared.kafka.consumer import ConsumerSpec, Handler
from crm_shared.runtime import Runtime
from crm_shared.settings import ServiceSettings
from leads.imports import api as imports_api
from leads.imports.service import LEADS_IMPORT, lead_importer
from leads.leads import api as leads_api
from leads.leads.handlers import on_contact_from_conversion, on_deal_stage_changed
from leads.leads.repository import INDEXES
from leads.scoring import api as scoring_api
from leads.scoring.rescoring import Rescorer
from leads.settings import LeadsSettings, get_settings


def consumer_specs(settings: ServiceSettings) -> list[ConsumerSpec]:
    """The leads service's consumer group: contacts made from converted leads, and their
    deals' progress (the deal's id is chosen by the conversion itself)."""
    handlers: dict[str, Handler] = {
        "ContactCreated": on_contact_from_conversion,
        "ContactUpdated": on_contact_from_conversion,
        "DealStageChanged": on_deal_stage_changed,
    }
    return [
        ConsumerSpec(
            group=settings.service_name,
            topics=[settings.topic("contacts"), settings.topic("deals")],
            handlers=handlers,
            # setting the ids of what a conversion produced is the same write every time
            idempotent=frozenset({"ContactCreated", "ContactUpdated"}),
        )
    ]


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
            # configuration first, and the CSV routes before /v1/leads/{lead_id}
            routers=[
                scoring_api.config_router,
                leads_api.router,
                imports_api.router,
                leads_api.lead_router,
            ],
            indexes=INDEXES,
            consumers=consumer_specs(settings),
            body_limits={"/v1/leads/import": settings.import_max_bytes},
            imports=[
                ImportKind(
                    LEADS_IMPORT,
                    lead_importer,
                    max_rows=settings.import_max_rows,
                    batch_size=settings.import_batch_size,
                )
            ],
            on_startup=[start_rescorer],
            on_shutdown=[stop_rescorer],
        )
    )
