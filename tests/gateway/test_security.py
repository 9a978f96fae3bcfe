"""OWASP API Security Top 10 (2023) checks that apply to the gateway and the leads service
behind it. Other risks are covered where they live: API1 object-level authorization by
the tenant tests in test_proxy.py and test_users_and_keys.py, API4 rate and body limits
in test_proxy.py, API7 SSRF by crm_shared.url_safety (shared/tests/test_url_safety.py)."""

from __future__ import annotations

import time

import jwt

from crm_devstack.launcher import Launched
from crm_devstack.testing import Backend, TokenMinter, running_app, unique_name
from gateway.main import create_app

from .conftest import Gateway, gateway_settings

LEAD = {"last_name": "Aman", "email": "aman@contoh.co.id"}


async def test_api2_expired_and_foreign_tokens_are_refused(
    gw: Gateway, minter: TokenMinter
) -> None:
    now = int(time.time())
    claims = {
        "iss": "crm-gateway",
        "aud": "crm",
        "sub": "u",
        "tid": gw.tenant,
        "roles": ["admin"],
        "iat": now - 3600,
        "exp": now - 600,
    }
    expired = jwt.encode(claims, minter.private_pem, algorithm="EdDSA")
    response = await gw.client.get("/api/v1/leads", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    other = TokenMinter()
    foreign = other.token(tenant=gw.tenant, roles=["admin"])
    response = await gw.client.get("/api/v1/leads", headers={"Authorization": f"Bearer {foreign}"})
    assert response.status_code == 401


async def test_api3_clients_cannot_set_server_owned_fields(gw: Gateway) -> None:
    admin = await gw.auth("admin")
    for field, value in (("tenant_id", "other"), ("version", 9), ("score", 100), ("id", "x")):
        response = await gw.client.post("/api/v1/leads", json={**LEAD, field: value}, headers=admin)
        assert response.status_code == 422, (field, response.text)
    sales = await gw.auth("sales")
    given_away = await gw.client.post(
        "/api/v1/leads", json={**LEAD, "owner_id": "user_someone_else"}, headers=sales
    )
    assert given_away.status_code == 403, "a sales user may only own leads themselves"
    users = await gw.client.get("/api/v1/users", headers=admin)
    assert all("password_hash" not in u for u in users.json()["items"])


async def test_api4_page_sizes_are_capped(gw: Gateway) -> None:
    admin = await gw.auth("admin")
    assert (await gw.client.get("/api/v1/users?limit=10000", headers=admin)).status_code == 422
    leads = await gw.client.get("/api/v1/leads?limit=10000", headers=admin)
    assert leads.status_code in (200, 422)
    if leads.status_code == 200:
        assert len(leads.json()["items"]) <= 200


async def test_api5_admin_functions_need_the_admin_role(gw: Gateway) -> None:
    for role in ("sales_manager", "sales", "marketing", "support", "viewer"):
        auth = await gw.auth(role)
        user = {
            "email": f"{unique_name('x')}@example.com",
            "roles": ["admin"],
            "password": "correct horse battery staple",
        }
        assert (await gw.client.post("/api/v1/users", json=user, headers=auth)).status_code == 403
        key = {"name": "k", "scopes": ["leads:read"]}
        assert (await gw.client.post("/api/v1/api-keys", json=key, headers=auth)).status_code == 403


async def test_api8_cors_allows_only_the_configured_origins(
    backend: Backend, minter: TokenMinter, leads_process: Launched
) -> None:
    settings = gateway_settings(
        backend, minter, leads_process.base_url, cors_origins=["https://app.contoh.co.id"]
    )
    async with running_app(create_app(settings)) as client:
        preflight = {"Access-Control-Request-Method": "POST"}
        good = await client.options(
            "/api/v1/leads", headers={"Origin": "https://app.contoh.co.id", **preflight}
        )
        assert good.headers.get("access-control-allow-origin") == "https://app.contoh.co.id"
        evil = await client.options(
            "/api/v1/leads", headers={"Origin": "https://evil.example", **preflight}
        )
        assert "access-control-allow-origin" not in evil.headers


async def test_api8_errors_never_show_internals(gw: Gateway) -> None:
    admin = await gw.auth("admin")
    broken = await gw.client.post(
        "/api/v1/leads",
        content=b'{"last_name": ',
        headers={**admin, "content-type": "application/json"},
    )
    assert broken.status_code in (400, 422)  # malformed JSON
    assert broken.headers["content-type"] == "application/problem+json"
    assert "Traceback" not in broken.text and 'File "' not in broken.text


async def test_api8_paths_leaving_the_resource_never_reach_a_services_internal_routes(
    gw: Gateway,
) -> None:
    admin = await gw.auth("admin")
    for path in (
        "/api/v1/metrics",
        "/api/v1/leads/..%2F..%2Fmetrics",
        "/api/v1/leads/%2E%2E/%2E%2E/metrics",
        "/api/v1/leads/..%2F..%2Fopenapi.json",
        "/api/v1/leads/x/..%2F..%2F..%2Fhealthz",
        "/api/v1/leads/.%2F",
    ):
        response = await gw.client.get(path, headers=admin)
        assert response.status_code == 404, (path, response.text[:200])
        assert response.headers["content-type"] == "application/problem+json", path
