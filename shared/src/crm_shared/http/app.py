"""The one FastAPI app factory every service uses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

from crm_shared.auth import TokenVerifier
from crm_shared.http.health import router as health_router
from crm_shared.http.middleware import RequestContextMiddleware
from crm_shared.http.openapi import document_problems
from crm_shared.http.problems import install_problem_handlers
from crm_shared.import_jobs.runner import ImportKind
from crm_shared.kafka.consumer import ConsumerSpec
from crm_shared.logs import setup_logging
from crm_shared.metrics import install_metrics
from crm_shared.mongo.indexes import CollectionIndexes
from crm_shared.runtime import Runtime
from crm_shared.runtime_metrics import SERVICE_SOURCES
from crm_shared.settings import ServiceSettings
from crm_shared.telemetry import setup_tracing

Hook = Callable[[FastAPI, Runtime], Awaitable[None]]


@dataclass(frozen=True)
class ServiceDefinition:
    """What makes one service: its routers, indexes, consumers and lifecycle hooks."""

    settings: ServiceSettings
    title: str
    routers: Sequence[APIRouter]
    indexes: Sequence[CollectionIndexes] = ()
    consumers: Sequence[ConsumerSpec] = ()
    body_limits: Mapping[str, int] = field(default_factory=dict)
    """Path prefix -> byte limit, for routes such as CSV import that take more."""
    on_startup: Sequence[Hook] = ()
    on_shutdown: Sequence[Hook] = ()
    description: str = ""
    imports: Sequence[ImportKind] = ()
    """The CSV imports this service runs as background jobs."""


def create_service_app(definition: ServiceDefinition) -> FastAPI:
    """Build the FastAPI app with problem details, limits, health, auth, metrics and
    tracing."""
    settings: ServiceSettings = definition.settings
    setup_logging(settings.service_name, settings.log_level)
    setup_tracing(settings.service_name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime(settings)
        app.state.runtime = runtime
        for kind in definition.imports:
            runtime.imports.register(kind)
        await runtime.start(indexes=definition.indexes, consumers=definition.consumers)
        for hook in definition.on_startup:
            await hook(app, runtime)
        try:
            yield
        finally:
            for hook in definition.on_shutdown:
                await hook(app, runtime)
            await runtime.stop()

    app = FastAPI(
        title=definition.title,
        description=definition.description,
        version="1.0.0",
        lifespan=lifespan,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.token_verifier = TokenVerifier(settings)
    install_problem_handlers(app)
    app.include_router(health_router)
    for router in definition.routers:
        app.include_router(router)
    add_edge_middleware(app, settings, body_limits=definition.body_limits)
    install_metrics(app, SERVICE_SOURCES)
    instrument_app(app)
    document_problems(app)
    return app


CORS_ALLOW_HEADERS = (
    "Authorization",
    "Content-Type",
    "If-Match",
    "Idempotency-Key",
    "Prefer",
    "X-Request-ID",
)
CORS_EXPOSE_HEADERS = ("ETag", "X-Request-ID", "Location", "Preference-Applied")


def add_edge_middleware(
    app: FastAPI,
    settings: ServiceSettings,
    *,
    body_limits: Mapping[str, int],
    allow_headers: Sequence[str] = (),
    expose_headers: Sequence[str] = (),
) -> None:
    """The outermost middleware: CORS for ``settings.cors_origins`` (none: no CORS), then
    request id, body limits and security headers. ``allow_headers`` and
    ``expose_headers`` add to the CORS defaults."""
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=[*CORS_ALLOW_HEADERS, *allow_headers],
            expose_headers=[*CORS_EXPOSE_HEADERS, *expose_headers],
        )
    app.add_middleware(
        RequestContextMiddleware, default_limit=settings.max_body_bytes, limits=body_limits
    )


def instrument_app(app: FastAPI) -> None:
    """Trace every request (one server span, not the per-message send/receive spans,
    which tripled the spans per request) and every outgoing httpx call."""
    FastAPIInstrumentor.instrument_app(
        app, excluded_urls="healthz,readyz", exclude_spans=["receive", "send"]
    )
    httpx_instrumentor = HTTPXClientInstrumentor()
    if not httpx_instrumentor.is_instrumented_by_opentelemetry:
        httpx_instrumentor.instrument()
