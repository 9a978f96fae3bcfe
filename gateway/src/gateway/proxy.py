"""Route: ``/api/v1/<resource>/...`` forwarded to the service that owns the resource."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from urllib.parse import quote

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from crm_shared.errors import Forbidden, NotFound
from crm_shared.logs import request_id_var
from gateway.deps import GatewayState, allowed
from gateway.routing import (
    PUBLIC_RESOURCES,
    SERVICE_OF,
    access_of,
    has_dot_segment,
    is_event_stream,
)
from gateway.upstreams import Upstream, UpstreamUnavailable

FORWARDED_REQUEST_HEADERS = (
    "accept",
    "content-type",
    "if-match",
    "if-none-match",
    "idempotency-key",
)
"""Besides Authorization (the caller's token, or the one minted for an API key),
``X-Request-ID`` (the caller's, or the one the gateway gave the request) and
``traceparent`` (set by the httpx instrumentation from the gateway's own span)."""
RETURNED_HEADERS = (
    "content-type",
    "content-disposition",
    "etag",
    "location",
    "retry-after",
    "deprecation",
    "link",
    "cache-control",
)
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
        return await _relay_stream(state, upstream, path, params, _as_sent(headers))
    upstream_response = await upstream.send(
        request.method,
        path,
        params=params,
        headers=_as_sent(headers),
        content=await request.body(),
        timeout=state.settings.upstream_bulk_timeout_s if is_bulk(rest) else None,
    )
    if upstream_response.status_code == 503 and "problem" not in upstream_response.headers.get(
        "content-type", ""
    ):
        raise UpstreamUnavailable(upstream.name, "it answered 503")
    return _relayed(upstream_response, upstream_response.content)


BULK_ENDPOINTS = frozenset({"import", "export.csv"})
"""The last path segments of CSV imports and exports (they get the bulk read timeout)."""


def is_bulk(rest: str) -> bool:
    """Whether ``/api/v1/<resource>/<rest>`` is a CSV import or export."""
    return rest.rsplit("/", 1)[-1] in BULK_ENDPOINTS


def _as_sent(headers: dict[str, str]) -> httpx.Headers:
    """``headers`` encoded back to the bytes the caller sent: Starlette decodes values as
    Latin-1, and HTTP allows any octet above 0x7F in one, which httpx would not encode."""
    return httpx.Headers(headers, encoding="latin-1")


def upstream_path(resource: str, rest: str) -> str:
    """The service path of ``/api/v1/<resource>/<rest>``, percent-encoded again: the
    decoded path must not turn an encoded ``?``, ``#`` or control character into URL
    syntax (dot segments were refused before, see :func:`has_dot_segment`)."""
    segments = [resource, *rest.split("/")] if rest else [resource]
    return "/v1/" + "/".join(quote(segment, safe="") for segment in segments)


def _returned_headers(response: httpx.Response) -> dict[str, str]:
    """The service's headers a client may see, with ``Location`` as a gateway path."""
    returned = {h: v for h in RETURNED_HEADERS if (v := response.headers.get(h)) is not None}
    if "location" in returned and returned["location"].startswith("/v1/"):
        returned["location"] = "/api" + returned["location"]
    return returned


def _relayed(response: httpx.Response, content: bytes) -> Response:
    """A service's whole answer as the gateway's (problem ``instance`` a gateway path)."""
    returned = _returned_headers(response)
    if returned.get("content-type", "").startswith("application/problem+json"):
        content = _gateway_instance(content)
    return Response(content=content, status_code=response.status_code, headers=returned)


async def _relay_stream(
    state: GatewayState,
    upstream: Upstream,
    path: str,
    params: httpx.QueryParams,
    headers: httpx.Headers,
) -> Response:
    """Relay a Server-Sent Events stream chunk by chunk until either side closes it."""
    response = await upstream.open_stream(
        path, params=params, headers=headers, idle_timeout=state.settings.stream_idle_timeout_s
    )
    if response.status_code != 200:
        content = await response.aread()
        await response.aclose()
        return _relayed(response, content)
    return StreamingResponse(
        _chunks(response),
        status_code=200,
        headers={**_returned_headers(response), "x-accel-buffering": "no"},
        background=BackgroundTask(response.aclose),
    )


async def _chunks(response: httpx.Response) -> AsyncIterator[bytes]:
    """The upstream body as it arrives; a broken upstream just ends the stream (the
    client reconnects with Last-Event-ID)."""
    try:
        async for chunk in response.aiter_raw():
            yield chunk
    except httpx.HTTPError:
        return


def _gateway_instance(body: bytes) -> bytes:
    """A service's problem body with ``instance`` as the gateway path the client called."""
    try:
        problem = json.loads(body)
    except ValueError:
        return body
    instance = problem.get("instance") if isinstance(problem, dict) else None
    if not (isinstance(instance, str) and instance.startswith("/v1/")):
        return body
    problem["instance"] = "/api" + instance
    return json.dumps(problem, separators=(",", ":")).encode()
