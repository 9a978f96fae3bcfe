"""The contacts service app and its consumers: ``uvicorn contacts.main:create_app --factory``."""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI

from contacts.accounts.api import router as accounts_router
from contacts.accounts.repository import ACCOUNT_INDEXES
from contacts.activities.api import router as activities_router
from contacts.activities.repository import ACTIVITY_INDEXES
from contacts.cases.api import router as cases_router
from contacts.cases.repository import CASE_INDEXES, backfill_priority_ranks
from contacts.contacts.api import router as contacts_router
from contacts.contacts.repository import CONTACT_INDEXES
from contacts.conversion.handlers import on_lead_converted
from contacts.imports.service import (
    ACCOUNTS_IMPORT,
    CONTACTS_IMPORT,
    account_importer,
    contact_importer,
)
from contacts.purchases.handlers import on_deal_lost, on_deal_stage_changed, on_deal_won
from contacts.purchases.refresher import RfmRefresher
from contacts.purchases.repository import PURCHASE_INDEXES
from contacts.settings import ContactsSettings, get_settings
from crm_shared.http.app import ServiceDefinition, create_service_app
from crm_shared.import_jobs.runner import ImportKind
from crm_shared.kafka.consumer import ConsumerSpec, Handler
from crm_shared.runtime import Runtime


def consumer_specs(settings: ContactsSettings) -> list[ConsumerSpec]:
    """LeadConverted from the leads topic; DealWon, DealLost, DealStageChanged from deals."""
    currency = settings.default_currency
    handlers: dict[str, Handler] = {
        "LeadConverted": on_lead_converted,
        "DealWon": partial(on_deal_won, currency=currency),
        "DealLost": partial(on_deal_lost, currency=currency),
        "DealStageChanged": partial(on_deal_stage_changed, currency=currency),
    }
    return [
        ConsumerSpec(
            group=settings.service_name,
            topics=[settings.topic("leads"), settings.topic("deals")],
            handlers=handlers,
        )
    ]


def create_app(settings: ContactsSettings | None = None) -> FastAPI:
    """Build the contacts service (settings from the environment unless given)."""
    settings = settings or get_settings()

    async def start_refresher(app: FastAPI, runtime: Runtime) -> None:
        app.state.rfm_refresher = RfmRefresher(runtime, settings)
        app.state.rfm_refresher.start()

    async def rank_old_cases(app: FastAPI, runtime: Runtime) -> None:
        # idempotent updates that emit nothing, so a plain session of the unit of work
        await runtime.uow.run_without_transaction(
            lambda tx: backfill_priority_ranks(tx.db, session=tx.session)
        )

    async def stop_refresher(app: FastAPI, runtime: Runtime) -> None:
        await app.state.rfm_refresher.stop()

    return create_service_app(
        ServiceDefinition(
            settings=settings,
            title="CRM contacts service",
            description="Contacts, accounts, activities, cases, purchase stats and RFM.",
            routers=[contacts_router, accounts_router, activities_router, cases_router],
            indexes=[
                CONTACT_INDEXES,
                ACCOUNT_INDEXES,
                ACTIVITY_INDEXES,
                CASE_INDEXES,
                PURCHASE_INDEXES,
            ],
            consumers=consumer_specs(settings),
            body_limits={
                "/v1/contacts/import": settings.import_max_bytes,
                "/v1/accounts/import": settings.import_max_bytes,
            },
            imports=[
                ImportKind(
                    CONTACTS_IMPORT,
                    contact_importer,
                    max_rows=settings.import_max_rows,
                    batch_size=settings.import_batch_size,
                ),
                ImportKind(
                    ACCOUNTS_IMPORT,
                    account_importer,
                    max_rows=settings.import_max_rows,
                    batch_size=settings.import_batch_size,
                ),
            ],
            on_startup=[rank_old_cases, start_refresher],
            on_shutdown=[stop_refresher],
        )
    )
