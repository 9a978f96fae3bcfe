"""The proxy in front of a real leads process; contacts and deals are down."""

from __future__ import annotations

import asyncio

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from crm_devstack.launcher import Launched
from crm_devstack.testing import Backend, TokenMinter, running_app, served, unique_name
from gateway.main import create_app

from .conftest import Gateway, gateway_settings

SLOW_PATHS = ("/v1/leads", "/v1/leads/import", "/v1/leads/export.csv")
LEAD = {"first_name": "Budi", "last_name": "Santoso", "email": "budi@maju.co.id", "source": "web"}


async def test_requests_reach_the_service_with_the_callers_identity(gw: Gateway) -> None:
    admin = await gw.auth("admin")
    created = await gw.client.post(
        "/api/v1/leads", json=LEAD, headers={**admin, "X-Request-ID": "req-gw-1"}
    )
    assert created.status_code == 201, created.text
    assert created.headers["x-request-id"] == "req-gw-1"
    assert created.headers["location"].startswith("/api/v1/leads/")
    lead = created.json()
    fetched = await gw.client.get(created.headers["location"], headers=admin)
    assert fetched.status_code == 200 and fetched.json()["id"] == lead["id"]
    assert fetched.headers.get("etag")
    listed = await gw.client.get("/api/v1/leads", params={"limit": 5}, headers=admin)
    assert [item["id"] for item in listed.json()["items"]] == [lead["id"]]


async def test_sales_see_only_their_own_leads_through_the_gateway(gw: Gateway) -> None:
    admin, sales = await gw.auth("admin"), await gw.auth("sales")
    assert (await gw.client.post("/api/v1/leads", json=LEAD, headers=admin)).status_code == 201
    mine = await gw.client.post("/api/v1/leads", json={**LEAD, "email": "s@x.co"}, headers=sales)
    assert mine.status_code == 201
    listed = (await gw.client.get("/api/v1/leads", headers=sales)).json()["items"]
    assert [item["id"] for item in listed] == [mine.json()["id"]]


async def test_another_tenants_lead_is_not_found(gw: Gateway) -> None:
    admin = await gw.auth("admin")
    lead = (await gw.client.post("/api/v1/leads", json=LEAD, headers=admin)).json()
    other = Gateway(gw.app, gw.client, gw.tenant + "_b", "")
    stranger = await other.auth("admin")
    for method in ("GET", "PATCH", "DELETE"):
        response = await gw.client.request(
            method,
            f"/api/v1/leads/{lead['id']}",
            json={} if method == "PATCH" else None,
            headers={**stranger, "If-Match": str(lead["version"])},
        )
        assert response.status_code == 404, (method, response.text)


async def test_roles_are_checked_at_the_gateway_too(gw: Gateway) -> None:
    viewer = await gw.auth("viewer")
    assert (await gw.client.get("/api/v1/leads", headers=viewer)).status_code == 200
    lead = await gw.client.get("/api/v1/leads/lead_missing", headers=viewer)
    assert lead.status_code == 404 and lead.json()["instance"] == "/api/v1/leads/lead_missing"
    refused = await gw.client.post("/api/v1/leads", json=LEAD, headers=viewer)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    marketing = await gw.auth("marketing")
    rules = await gw.client.put("/api/v1/leads/config/scoring", json={}, headers=marketing)
    assert rules.status_code == 403


async def test_without_credentials_or_on_unknown_paths_the_answer_is_a_problem(
    gw: Gateway,
) -> None:
    anonymous = await gw.client.get("/api/v1/leads")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    admin = await gw.auth("admin")
    unknown = await gw.client.get("/api/v1/nothing-here", headers=admin)
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"


async def test_a_service_that_is_down_is_a_503_naming_it_and_its_circuit_opens(
    gw: Gateway,
) -> None:
    admin = await gw.auth("admin")
    statuses = []
    for _ in range(4):  # the test gateway opens a circuit after 3 failures
        response = await gw.client.get("/api/v1/deals", headers=admin)
        statuses.append(response.status_code)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["service"] == "deals"
    assert statuses == [503] * 4
    assert "circuit" in response.json()["detail"]
    assert int(response.headers["retry-after"]) >= 1
    assert (await gw.client.get("/api/v1/leads", headers=admin)).status_code == 200


async def test_bodies_over_the_limit_are_refused_before_forwarding(gw: Gateway) -> None:
    admin = await gw.auth("admin")
    huge = {**LEAD, "notes": "x" * 2_000_000}
    response = await gw.client.post("/api/v1/leads", json=huge, headers=admin)
    assert response.status_code == 413


async def test_security_headers_on_every_answer(gw: Gateway) -> None:
    response = await gw.client.get("/api/v1/leads")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


async def test_callers_and_addresses_are_rate_limited(
    backend: Backend, minter: TokenMinter, leads_process: Launched
) -> None:
    settings = gateway_settings(
        backend,
        minter,
        leads_process.base_url,
        rate_limit_per_principal=0.01,  # refills too slowly to matter during the test
        rate_limit_principal_burst=2,
        rate_limit_per_ip=0.01,
        rate_limit_ip_burst=6,
    )
    app = create_app(settings)
    async with running_app(app) as client:
        gw = Gateway(app, client, unique_name("tenant_"), "")
        admin = await gw.auth("admin")  # one log-in: one IP token
        codes = [(await client.get("/api/v1/leads", headers=admin)).status_code for _ in range(3)]
        assert codes[:2] == [200, 200] and codes[2] == 429
        limited = await client.get("/api/v1/leads", headers=admin)
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        by_ip = [(await client.get("/api/v1/leads")).status_code for _ in range(3)]
        assert by_ip[-1] == 429, "the address ran out of its burst as well"


async def test_token_trace_and_request_id_reach_the_service(
    backend: Backend, minter: TokenMinter, leads_process: Launched
) -> None:
    """A real HTTP server on a free port stands in for a service and echoes what it got."""

    async def echo(request: Request) -> JSONResponse:
        return JSONResponse(dict(request.headers))

    upstream = Starlette(routes=[Route("/v1/leads", echo)])
    async with served(upstream) as upstream_url:
        settings = gateway_settings(backend, minter, upstream_url)
        app = create_app(settings)
        async with running_app(app) as client:
            gw = Gateway(app, client, unique_name("tenant_"), "")
            auth = await gw.auth("viewer")
            trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
            sent = {**auth, "traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"}
            seen = (await client.get("/api/v1/leads", headers=sent)).json()
            assert seen["authorization"] == auth["Authorization"]
            assert seen["traceparent"].split("-")[1] == trace_id, "same trace, gateway's span"
            assert seen["traceparent"].split("-")[2] != "00f067aa0ba902b7"
            assert seen["x-forwarded-for"] == "127.0.0.1"
            with_id = await client.get("/api/v1/leads", headers={**auth, "X-Request-ID": "r-42"})
            assert with_id.json()["x-request-id"] == "r-42"
            generated = await client.get("/api/v1/leads", headers=auth)
            assert generated.json()["x-request-id"] == generated.headers["x-request-id"]


async def test_csv_imports_and_exports_may_take_longer_than_other_calls(
    backend: Backend, minter: TokenMinter
) -> None:
    """A stand-in service that needs 0.8 s for every answer, behind a 0.3 s read timeout."""

    async def slow(request: Request) -> JSONResponse:
        await asyncio.sleep(0.8)  # the work of a big import, export or listing
        return JSONResponse({"path": request.url.path})

    routes = [Route(path, slow, methods=["GET", "POST"]) for path in SLOW_PATHS]
    async with served(Starlette(routes=routes)) as upstream_url:
        settings = gateway_settings(backend, minter, upstream_url, upstream_read_timeout_s=0.3)
        app = create_app(settings)
        async with running_app(app) as client:
            auth = await Gateway(app, client, unique_name("tenant_"), "").auth("admin")
            imported = await client.post(
                "/api/v1/leads/import", content=b"last_name\nWijaya\n", headers=auth
            )
            assert imported.status_code == 200, imported.text
            exported = await client.get("/api/v1/leads/export.csv", headers=auth)
            assert exported.status_code == 200, exported.text
            listed = await client.get("/api/v1/leads", headers=auth)
            assert listed.status_code == 503
            assert "did not answer in time" in listed.json()["detail"]
