"""Prometheus metrics of one app, served on ``GET /metrics`` (text format).

Each app has its own registry (several apps can share a test process). It holds the HTTP
request counter and latency histogram, labelled by method, route *template* (never the
raw path: ``/v1/leads/{lead_id}``, or ``unmatched`` when no route matches the path) and
status; and the process collector. Named *sources* add what the app's parts know at
scrape time (consumer lag, outbox backlog, ...). A source that fails or does not answer
within ``SOURCE_TIMEOUT_S`` is left out of that scrape and reported as
``crm_metrics_source_up{source=...} 0``: the scrape itself never fails.

``/metrics``, ``/healthz`` and ``/readyz`` are not counted: scrapers and probes call them
every few seconds and would drown the API's own rates and latencies. ``/metrics`` is
unauthenticated, like the health routes (it is scraped inside the network; the gateway
serves only its own and never forwards a service's).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

Source = Callable[[Any], Awaitable[Iterable[Metric]]]
"""Reads metric families at scrape time from the app (its ``state``)."""

METRICS_PATH = "/metrics"
NOT_COUNTED = frozenset({METRICS_PATH, "/healthz", "/readyz"})
UNMATCHED_ROUTE = "unmatched"
"""Route label of requests whose path no route matches (404s)."""
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Method labels kept as sent; any other method is labelled ``other``."""
SOURCE_TIMEOUT_S = 1.5


class AppMetrics:
    """One app's registry, its HTTP instruments and its scrape-time sources."""

    def __init__(self, sources: Mapping[str, Source]) -> None:
        self.registry = CollectorRegistry()
        labels = ["method", "route", "status"]
        self.requests = Counter(
            "crm_http_requests",
            "HTTP requests answered, by method, route template and status",
            labels,
            registry=self.registry,
        )
        self.duration = Histogram(
            "crm_http_request_duration_seconds",
            "Time until the response started (headers sent), by method, route and status",
            labels,
            registry=self.registry,
        )
        ProcessCollector(registry=self.registry)
        self._sources = dict(sources)

    def observe(self, scope: Scope, status: int, seconds: float) -> None:
        """Count one answered request of ``scope``."""
        method = scope["method"] if scope["method"] in METHODS else "other"
        labels = (method, route_template(scope), str(status))
        self.requests.labels(*labels).inc()
        self.duration.labels(*labels).observe(seconds)

    async def exposition(self, app: Any) -> bytes:
        """The registry and every source's families, in the Prometheus text format."""
        names = list(self._sources)
        read = await asyncio.gather(*(self._read(name, app) for name in names))
        up = GaugeMetricFamily(
            "crm_metrics_source_up",
            "1 when the source answered this scrape, 0 when it failed or timed out",
            labels=["source"],
        )
        families: list[Metric] = [*self.registry.collect(), up]
        for name, found in zip(names, read, strict=True):
            up.add_metric([name], 0 if found is None else 1)
            families += found or []
        return generate_latest(_Families(families))

    async def _read(self, name: str, app: Any) -> list[Metric] | None:
        try:
            return list(await asyncio.wait_for(self._sources[name](app), SOURCE_TIMEOUT_S))
        except Exception as exc:
            log.warning("metrics source %s failed: %s", name, exc or type(exc).__name__)
            return None


def route_template(scope: Scope) -> str:
    """The path template of the route that took the request (``UNMATCHED_ROUTE`` if none).

    FastAPI's own routes mark the scope with themselves; plain Starlette routes in a
    FastAPI app (the gateway's proxy) do not, nor do answers given before routing (413,
    429), so those are matched again here."""
    route = scope.get("route") or _matching_route(scope)
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED_ROUTE


def _matching_route(scope: Scope) -> BaseRoute | None:
    """The app's route with a path matching ``scope`` fully, else the first partial match
    (a 405). Included routers are skipped: their FastAPI routes mark the scope already."""
    partial = None
    routes: list[BaseRoute] = getattr(scope.get("app"), "routes", [])
    for route in routes:
        if not isinstance(getattr(route, "path", None), str):
            continue
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route
        if match is Match.PARTIAL and partial is None:
            partial = route
    return partial


class _Families:
    """Already collected families, as the collector ``generate_latest`` reads."""

    def __init__(self, families: list[Metric]) -> None:
        self._families = families

    def collect(self) -> Iterable[Metric]:
        return self._families


class HttpMetricsMiddleware:
    """Counts every answered request (but ``NOT_COUNTED`` paths) when its response starts;
    a request that raised before answering counts as a 500."""

    def __init__(self, app: ASGIApp, *, metrics: AppMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in NOT_COUNTED:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answered = False

        async def send_observed(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start" and not answered:
                answered = True
                self.metrics.observe(scope, message["status"], time.perf_counter() - started)
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        except Exception:
            if not answered:
                self.metrics.observe(scope, 500, time.perf_counter() - started)
            raise


def install_metrics(app: Starlette, sources: Mapping[str, Source]) -> AppMetrics:
    """Count ``app``'s requests and serve ``GET /metrics``; call after the app's other
    middleware, so that its answers (413, 429, 500) are counted too."""
    metrics = AppMetrics(sources)
    app.state.metrics = metrics
    app.add_middleware(HttpMetricsMiddleware, metrics=metrics)

    async def scrape(request: Request) -> Response:
        body = await metrics.exposition(request.app)
        return Response(body, media_type=CONTENT_TYPE_PLAIN_0_0_4)

    app.add_route(METRICS_PATH, scrape, methods=["GET"], include_in_schema=False)
    return metrics
