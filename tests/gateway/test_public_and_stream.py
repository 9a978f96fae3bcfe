"""Public e-mail links and the live event stream through the gateway, against a real HTTP
server on a free port standing in for the campaigns and notifications services."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from crm_devstack.testing import (
    Backend,
    TokenMinter,
    running_app,
    served,
    serving_app,
    unique_name,
)
from gateway.main import create_app

from .conftest import Gateway, gateway_settings

RELEASE = asyncio.Event()


async def track(request: Request) -> Response:
    return JSONResponse({"authorization": request.headers.get("authorization")})


async def stream(request: Request) -> Response:
    async def events() -> AsyncIterator[bytes]:
        last = request.headers.get("last-event-id", "")
        yield f'retry: 1000\n\nid: 1\nevent: notification\ndata: {{"after": "{last}"}}\n\n'.encode()
        await asyncio.wait_for(RELEASE.wait(), timeout=10)
        yield b"id: 2\nevent: notification\ndata: {}\n\n"

    return StreamingResponse(events(), media_type="text/event-stream")


def stand_in_service() -> contextlib.AbstractAsyncContextManager[str]:
    """A server with the routes the gateway forwards to; its base URL."""
    routes = [Route("/v1/track/open/{token}", track), Route("/v1/notifications/stream", stream)]
    return served(Starlette(routes=routes))


async def test_email_links_need_no_credentials_and_carry_none_upstream(
    backend: Backend, minter: TokenMinter
) -> None:
    async with stand_in_service() as url:
        settings = gateway_settings(backend, minter, url, upstreams={"campaigns": url})
        app = create_app(settings)
        async with running_app(app) as client:
            opened = await client.get("/api/v1/track/open/tok123")
            assert opened.status_code == 200, opened.text
            assert opened.json() == {"authorization": None}
            anonymous = await client.get("/api/v1/campaigns")
            assert anonymous.status_code == 401


async def test_the_notification_stream_is_relayed_as_it_arrives(
    backend: Backend, minter: TokenMinter
) -> None:
    RELEASE.clear()
    async with stand_in_service() as url:
        settings = gateway_settings(backend, minter, url, upstreams={"notifications": url})
        app = create_app(settings)
        async with serving_app(app) as client:
            gw = Gateway(app, client, unique_name("tenant_"), "")
            headers = {**await gw.auth("sales"), "Last-Event-ID": "0", "Accept-Encoding": "gzip"}
            async with client.stream(
                "GET", "/api/v1/notifications/stream", headers=headers
            ) as response:
                assert response.status_code == 200
                assert response.headers["content-type"].startswith("text/event-stream")
                assert "content-encoding" not in response.headers, "never gzipped (buffers)"
                received = ""
                chunks = response.aiter_text()
                while "id: 1" not in received:
                    received += await asyncio.wait_for(anext(chunks), timeout=10)
                assert '"after": "0"' in received, "Last-Event-ID reaches the service"
                assert "id: 2" not in received, "the first event came before the second exists"
                RELEASE.set()
                while "id: 2" not in received:
                    received += await asyncio.wait_for(anext(chunks), timeout=10)
            anonymous = await client.get("/api/v1/notifications/stream")
            assert anonymous.status_code == 401
