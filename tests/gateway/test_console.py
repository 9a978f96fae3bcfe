"""The gateway serves the built web console: caching, CSP, client-side routes, no build."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from crm_devstack.servers import free_port
from crm_devstack.testing import Backend, TokenMinter, running_app
from gateway.console.api import CONTENT_SECURITY_POLICY, IMMUTABLE
from gateway.main import create_app
from tests.gateway.conftest import gateway_settings

INDEX = '<!doctype html><html><script type="module" src="/assets/index-3f9a2c.js"></script></html>'
SCRIPT = "console.log('the console');"


@pytest.fixture
def build(tmp_path: Path) -> Path:
    """A tiny build directory shaped like Vite's output."""
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(INDEX)
    (dist / "assets" / "index-3f9a2c.js").write_text(SCRIPT)
    (dist / "assets" / "index-77aa01.css").write_text("body { color: #111; }")
    (tmp_path / "secret.txt").write_text("outside the build")
    return dist


async def gateway_with(
    backend: Backend, minter: TokenMinter, console_dir: Path | None
) -> AsyncIterator[httpx.AsyncClient]:
    settings = gateway_settings(
        backend, minter, f"http://127.0.0.1:{free_port()}", console_dir=console_dir
    )
    async with running_app(create_app(settings)) as client:
        yield client


@pytest.fixture
async def client(
    backend: Backend, minter: TokenMinter, build: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway serving the fake build."""
    async for client in gateway_with(backend, minter, build):
        yield client


@pytest.fixture
async def unbuilt(
    backend: Backend, minter: TokenMinter, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway pointed at a directory where nothing was built yet."""
    async for client in gateway_with(backend, minter, tmp_path / "missing"):
        yield client


async def test_index_is_revalidated_and_locked_down(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert response.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize("path", ["/login", "/leads", "/leads/lead_01M8/edit", "/settings?tab=1"])
async def test_client_side_routes_get_the_index(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.text == INDEX
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


async def test_hashed_assets_are_immutable(client: httpx.AsyncClient) -> None:
    script = await client.get("/assets/index-3f9a2c.js")
    assert script.status_code == 200
    assert script.text == SCRIPT
    assert script.headers["cache-control"] == IMMUTABLE
    assert "javascript" in script.headers["content-type"]
    style = await client.get("/assets/index-77aa01.css")
    assert style.headers["content-type"].startswith("text/css")
    assert style.headers["cache-control"] == IMMUTABLE


@pytest.mark.parametrize(
    "path",
    ["/assets/index-000000.js", "/assets/%2e%2e/index.html", "/assets/%2E%2E/%2E%2E/secret.txt"],
)
async def test_a_missing_or_escaping_asset_is_a_404_problem(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "outside the build" not in response.text
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "path", ["/api/nothing", "/v1/leads", "/.well-known/nothing", "/assets", "/metrics/x"]
)
async def test_server_prefixes_are_never_client_routes(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_api_and_server_routes_are_not_shadowed(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json()["status"] == "ok"
    assert (await client.get("/.well-known/jwks.json")).json()["keys"]
    assert (await client.get("/metrics")).text.startswith("#")
    refused = await client.get("/api/v1/leads")
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert (await client.get("/api/openapi.json")).json()["info"]["title"] == "CRM API"


async def test_other_methods_on_console_paths_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/leads", json={})
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"


async def test_without_a_build_the_root_says_how_to_build_it(unbuilt: httpx.AsyncClient) -> None:
    response = await unbuilt.get("/")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/console-not-built"
    assert "make up" in response.json()["detail"]
    assert (await unbuilt.get("/assets/index-3f9a2c.js")).status_code == 404
    assert (await unbuilt.get("/healthz")).status_code == 200


async def test_a_build_made_while_running_is_served(
    unbuilt: httpx.AsyncClient, tmp_path: Path
) -> None:
    assert (await unbuilt.get("/")).status_code == 404
    (tmp_path / "missing" / "assets").mkdir(parents=True)
    (tmp_path / "missing" / "index.html").write_text(INDEX)
    assert (await unbuilt.get("/")).text == INDEX
