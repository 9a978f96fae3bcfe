"""Gzip at the gateway: large JSON answers and console files are compressed for clients
that accept it; small bodies and the live event stream are not. Through a real server on a
free port (the in-process transport would hide how bodies are streamed)."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crm_devstack.testing import Backend, TokenMinter, served, serving_app, unique_name
from gateway.edge.compression import MINIMUM_SIZE
from gateway.main import create_app

from .conftest import Gateway, gateway_settings

LEADS = [
    {"id": f"lead_{n:05d}", "name": f"Lead {n}", "status": "new", "rating": "warm", "tags": []}
    for n in range(500)
]
SCRIPT = "export function f(a){return a+1}\n" * 2000
GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}


async def leads(request: Request) -> Response:
    """A page of leads: all of them, or one (a body below the compression threshold)."""
    items = LEADS[:1] if request.query_params.get("limit") == "1" else LEADS
    return JSONResponse({"items": items, "next_cursor": None})


@pytest.fixture
async def gateway(
    backend: Backend, minter: TokenMinter, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """The gateway serving a console build from ``tmp_path``, leads from a stand-in; its
    client and a sales user's Authorization header."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "index-abc123.js").write_text(SCRIPT)
    (tmp_path / "index.html").write_text("<!doctype html><title>CRM</title>")
    async with served(Starlette(routes=[Route("/v1/leads", leads)])) as url:
        app = create_app(gateway_settings(backend, minter, url, console_dir=tmp_path))
        async with serving_app(app) as client:
            auth = await Gateway(app, client, unique_name("tenant_"), "").auth("sales")
            yield client, auth


async def test_a_large_json_list_comes_gzipped_to_a_client_that_accepts_it(
    gateway: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    client, auth = gateway
    plain = await client.get("/api/v1/leads", headers={**auth, **IDENTITY})
    zipped = await client.get("/api/v1/leads", headers={**auth, **GZIP})
    assert plain.status_code == zipped.status_code == 200, zipped.text
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in zipped.headers["vary"].lower()
    assert zipped.json() == plain.json() == {"items": LEADS, "next_cursor": None}
    assert zipped.num_bytes_downloaded * 5 < plain.num_bytes_downloaded


async def test_a_small_body_is_sent_as_it_is(
    gateway: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    client, auth = gateway
    small = await client.get("/api/v1/leads", params={"limit": "1"}, headers={**auth, **GZIP})
    assert small.status_code == 200
    assert len(small.content) < MINIMUM_SIZE
    assert "content-encoding" not in small.headers


async def test_console_scripts_come_gzipped_and_keep_their_cache_headers(
    gateway: tuple[httpx.AsyncClient, dict[str, str]],
) -> None:
    client, _ = gateway
    async with client.stream("GET", "/assets/index-abc123.js", headers=GZIP) as response:
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert "immutable" in response.headers["cache-control"]
    assert gzip.decompress(raw).decode() == SCRIPT
    assert len(raw) * 20 < len(SCRIPT)
