"""A service's answer relayed as the gateway's: the headers a client may see, paths under
``/api``, and event streams passed on chunk by chunk."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from gateway.proxy.upstreams import Upstream

RETURNED_HEADERS = (
    "content-type",
    "content-disposition",
    "etag",
    "location",
    "retry-after",
    "deprecation",
    "link",
    "cache-control",
    "preference-applied",
)


def as_sent(headers: dict[str, str]) -> httpx.Headers:
    """``headers`` encoded back to the bytes the caller sent: Starlette decodes values as
    Latin-1, and HTTP allows any octet above 0x7F in one, which httpx would not encode."""
    return httpx.Headers(headers, encoding="latin-1")


def _returned_headers(response: httpx.Response) -> dict[str, str]:
    """The service's headers a client may see, with ``Location`` as a gateway path."""
    returned = {h: v for h in RETURNED_HEADERS if (v := response.headers.get(h)) is not None}
    if "location" in returned and returned["location"].startswith("/v1/"):
        returned["location"] = "/api" + returned["location"]
    return returned


def relayed(response: httpx.Response, content: bytes) -> Response:
    """A service's whole answer as the gateway's (problem ``instance`` a gateway path)."""
    returned = _returned_headers(response)
    if returned.get("content-type", "").startswith("application/problem+json"):
        content = _gateway_instance(content)
    return Response(content=content, status_code=response.status_code, headers=returned)


async def relay_stream(
    upstream: Upstream,
    path: str,
    params: httpx.QueryParams,
    headers: httpx.Headers,
    *,
    idle_timeout: float,
) -> Response:
    """Relay a Server-Sent Events stream chunk by chunk until either side closes it."""
    response = await upstream.open_stream(
        path, params=params, headers=headers, idle_timeout=idle_timeout
    )
    if response.status_code != 200:
        content = await response.aread()
        await response.aclose()
        return relayed(response, content)
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
