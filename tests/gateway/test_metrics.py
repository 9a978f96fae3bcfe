"""The gateway's own ``/metrics``: proxied requests by route template, upstream failures and
circuit states (that a service's ``/metrics`` is not reachable through the public API is
checked in test_security.py)."""

from __future__ import annotations

from crm_devstack.launcher import Launched
from crm_devstack.observability import scrape
from crm_devstack.testing import Backend, TokenMinter, running_app, unique_name
from gateway.main import create_app

from .conftest import Gateway, gateway_settings

PROXIED = {"method": "GET", "route": "/api/v1/{resource}", "status": "200"}


async def test_the_gateway_counts_proxied_requests_by_route_template(gw: Gateway) -> None:
    admin = await gw.auth("admin")
    before = (await scrape(gw.client)).total("crm_http_requests_total", **PROXIED)
    for _ in range(2):
        assert (await gw.client.get("/api/v1/leads", headers=admin)).status_code == 200
    after = await scrape(gw.client)
    assert after.total("crm_http_requests_total", **PROXIED) == before + 2
    assert after.matching("crm_http_request_duration_seconds_bucket", **PROXIED)
    assert after.value("crm_gateway_circuit_state", upstream="leads", state="closed") == 1
    assert after.value("crm_outbox_backlog") is None, "the gateway's own exposition"


async def test_upstream_failures_and_circuit_states_are_reported(
    backend: Backend, minter: TokenMinter, leads_process: Launched
) -> None:
    settings = gateway_settings(backend, minter, leads_process.base_url, breaker_failures=3)
    auth = minter.headers(tenant=unique_name("tenant_"), roles=["admin"])
    async with running_app(create_app(settings)) as client:
        for _ in range(3):
            assert (await client.get("/api/v1/contacts", headers=auth)).status_code == 503
        assert (await client.get("/api/v1/leads", headers=auth)).status_code == 200
        found = await scrape(client)
    failures = "crm_gateway_upstream_failures_total"
    assert found.value(failures, upstream="contacts") == 3
    assert found.value(failures, upstream="leads") == 0
    circuit = "crm_gateway_circuit_state"
    assert found.value(circuit, upstream="contacts", state="open") == 1
    assert found.value(circuit, upstream="contacts", state="closed") == 0
    assert found.value(circuit, upstream="leads", state="closed") == 1
    assert found.value(circuit, upstream="deals", state="closed") == 1
    assert found.value("crm_http_requests_total", method="GET", status="503") == 3
