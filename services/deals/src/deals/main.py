"""The deals service app: ``uvicorn deals.main:create_app --factory``."""

from __future__ import annotations

from fastapi import FastAPI

from crm_shared.http.app import ServiceDefinition, create_service_app
from crm_shared.kafka.consumer import ConsumerSpec, Handler
from crm_shared.settings import ServiceSettings
from deals.contacts import repository as contacts_repository
from deals.contacts.handlers import on_contact_changed, on_contact_deleted
from deals.deals import api as deals_api
from deals.deals import repository as deals_repository
from deals.deals.handlers import on_lead_converted
from deals.pipelines import api as pipelines_api
from deals.pipelines import repository as pipelines_repository
from deals.reports import api as reports_api
from deals.reports import repository as reports_repository
from deals.settings import DealsSettings, get_settings
from deals.targets import api as targets_api
from deals.targets import repository as targets_repository

INDEXES = [
    *deals_repository.INDEXES,
    *pipelines_repository.INDEXES,
    *reports_repository.INDEXES,
    *targets_repository.INDEXES,
    *contacts_repository.INDEXES,
]


def consumer_specs(settings: ServiceSettings) -> list[ConsumerSpec]:
    """The deals service's consumer group: lead conversions and contact changes."""
    handlers: dict[str, Handler] = {
        "LeadConverted": on_lead_converted,
        "ContactCreated": on_contact_changed,
        "ContactUpdated": on_contact_changed,
        "ContactDeleted": on_contact_deleted,
    }
    return [
        ConsumerSpec(
            group=settings.service_name,
            topics=[settings.topic("leads"), settings.topic("contacts")],
            handlers=handlers,
            # the projection's upsert and the deal's link write the same values again
            idempotent=frozenset({"ContactCreated", "ContactUpdated"}),
        )
    ]


def create_app(settings: DealsSettings | None = None) -> FastAPI:
    """Build the deals service (settings from the environment unless given)."""
    settings = settings or get_settings()
    return create_service_app(
        ServiceDefinition(
            settings=settings,
            title="CRM deals service",
            description="Pipelines, deals, stage moves, board, forecast and sales reports.",
            routers=[
                pipelines_api.router,
                deals_api.router,
                reports_api.router,
                targets_api.router,
            ],
            indexes=INDEXES,
            consumers=consumer_specs(settings),
        )
    )
