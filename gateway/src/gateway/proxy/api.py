"""Route: ``/api/v1/<resource>/...`` forwarded to the service that owns the resource."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from crm_shared.errors import Forbidden, NotFound
from crm_shared.logs import request_id_var
from gateway.deps import GatewayState, allowed
from gateway.proxy.relay import as_sent, relay_stream, relayed
from gateway.proxy.routing import (
    PUBLIC_RESOURCES,
    SERVICE_OF,
    access_of,
    has_dot_segment,
    is_bulk,
    is_event_stream,
    upstream_path,
)
from gateway.proxy.upstreams import UpstreamUnavailable

FORWARDED_REQUEST_HEADERS = (
    "accept",
    "content-type",
    "if-match",
    "if-none-match",
    "idempotency-key",
    "prefer",
)
"""Besides Authorization (the caller's token, or the one minted for an API key),
``X-Request-ID`` (the caller's, or the one the gateway gave the request) and
``traceparent`` (set by the httpx instrumentation from the gateway's own span)."""
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def add_proxy_routes(app: Starlette) -> None:
    """Route ``/api/v1/<resource>[/...]`` to :func:`forward`: plain Starlette routes, as
    FastAPI's parameter and dependency machinery cost more than the forwarding itself."""
    for path in ("/api/v1/{resource}", "/api/v1/{resource}/{rest:path}"):
        app.add_route(path, forward, methods=METHODS, include_in_schema=False)


async def forward(request: Request) -> Response:
    """Check the caller may touch the resource at all, then relay the request (public
    e-mail links go through without credentials; the event stream is relayed live)."""
    state: GatewayState = request.app.state.gateway
    resource = request.path_params["resource"]
    rest = request.path_params.get("rest", "")
    headers = {h: v for h in FORWARDED_REQUEST_HEADERS if (v := request.headers.get(h)) is not None}
    public = resource in PUBLIC_RESOURCES
    caller = None if public else await state.authenticator.authenticate(request)
    service = SERVICE_OF.get(resource)
    upstream = state.upstreams.get(service) if service else None
    if upstream is None or has_dot_segment(rest):
        raise NotFound(f"no API at /api/v1/{resource}" + (f"/{rest}" if rest else ""))
    if caller is not None:
        target, action = access_of(resource, request.method, rest)
        if not allowed(caller, target, action):
            raise Forbidden(f"your roles do not allow {action.value} on {target}")
        headers["authorization"] = caller.upstream_authorization
    headers["x-request-id"] = request_id_var.get() or ""
    headers["x-forwarded-for"] = request.client.host if request.client else ""
    path = upstream_path(resource, rest)
    params = httpx.QueryParams(request.url.query)
    if request.method == "GET" and is_event_stream(resource, rest):
        if last_event_id := request.headers.get("last-event-id"):
            headers["last-event-id"] = last_event_id
        return await relay_stream(
            upstream,
            path,
            params,
            as_sent(headers),
            idle_timeout=state.settings.stream_idle_timeout_s,
        )
    upstream_response = await upstream.send(
        request.method,
        path,
        params=params,
        headers=as_sent(headers),
        content=await request.body(),
        timeout=state.settings.upstream_bulk_timeout_s if is_bulk(rest) else None,
    )
    if upstream_response.status_code == 503 and "problem" not in upstream_response.headers.get(
        "content-type", ""
    ):
        raise UpstreamUnavailable(upstream.name, "it answered 503")
    return relayed(upstream_response, upstream_response.content)
