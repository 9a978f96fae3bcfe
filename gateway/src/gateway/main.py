"""The gateway app: identity routes, the proxy, composed views, health."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from crm_shared.http.app import add_edge_middleware, instrument_app
from crm_shared.http.problems import install_problem_handlers
from crm_shared.logs import setup_logging
from crm_shared.metrics import install_metrics
from crm_shared.mongo.expiry import ExpiryPruner
from crm_shared.mongo.indexes import ensure_indexes
from crm_shared.telemetry import setup_tracing
from gateway.apikeys.api import router as apikeys_router
from gateway.apikeys.repository import API_KEY_INDEXES
from gateway.auth.api import jwks_router
from gateway.auth.api import router as auth_router
from gateway.auth.login_throttle import LOGIN_FAILURE_INDEXES
from gateway.auth.repository import REFRESH_INDEXES
from gateway.console.api import add_console_routes
from gateway.customer360.api import router as customer360_router
from gateway.dashboard.api import router as dashboard_router
from gateway.deps import GatewayState
from gateway.docs.api import router as docs_router
from gateway.edge.compression import add_compression
from gateway.edge.ip_limit import IpRateLimit
from gateway.health.api import router as health_router
from gateway.proxy.api import add_proxy_routes
from gateway.proxy.metrics import upstream_families
from gateway.settings import GatewaySettings, get_settings
from gateway.users.api import router as users_router
from gateway.users.repository import USER_INDEXES
from gateway.users.service import bootstrap_admin

log = logging.getLogger(__name__)
IMPORT_MAX_BYTES = 64 * 1024 * 1024
"""Bodies of the CSV import routes (the services cap them again)."""


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    """Build the gateway (``uvicorn gateway.main:create_app --factory``)."""
    settings = settings or get_settings()
    setup_logging(settings.service_name, settings.log_level)
    setup_tracing(settings.service_name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = GatewayState.build(settings)
        app.state.gateway = state
        declared = [USER_INDEXES, REFRESH_INDEXES, API_KEY_INDEXES, LOGIN_FAILURE_INDEXES]
        await ensure_indexes(state.db, declared)
        pruner = ExpiryPruner(state.db, declared, settings.expiry_interval_s)
        pruner.start()
        await bootstrap_admin(
            state.users,
            email=settings.bootstrap_admin_email,
            password=settings.bootstrap_admin_password.get_secret_value(),
            tenant=settings.bootstrap_admin_tenant,
        )
        try:
            yield
        finally:
            await pruner.stop()
            await state.upstreams.close()
            await state.client.close()

    app = FastAPI(
        title="CRM API",
        version="1.0.0",
        lifespan=lifespan,
        openapi_url=None,  # the merged document is served at /api/openapi.json
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    install_problem_handlers(app)
    app.include_router(health_router)
    app.include_router(jwks_router)
    app.include_router(auth_router)
    app.include_router(users_router)
    app.include_router(apikeys_router)
    app.include_router(customer360_router)
    app.include_router(dashboard_router)
    app.include_router(docs_router)
    add_proxy_routes(app)  # last: its catch-all must not shadow the routes above
    app.add_middleware(IpRateLimit)
    add_edge_middleware(
        app,
        settings,
        body_limits={
            f"/api/v1/{resource}/import": IMPORT_MAX_BYTES
            for resource in ("leads", "contacts", "accounts")
        },
        allow_headers=["X-API-Key"],
        expose_headers=["Retry-After"],
    )
    install_metrics(app, {"upstreams": upstream_families})
    add_compression(app)
    add_console_routes(app, settings.console_dir)  # last: its catch-all serves GETs
    instrument_app(app)
    return app
