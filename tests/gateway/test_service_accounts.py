"""Service accounts: a platform service exchanges its secret for a token in one tenant."""

from __future__ import annotations

import jwt

from .conftest import SERVICE_SECRET, Gateway

LEAD = {"last_name": "Wijaya", "email": "w@maju.co.id", "source": "web"}


async def test_a_service_gets_a_tenant_token_with_its_fixed_roles(gw: Gateway) -> None:
    body = {"service": "campaigns", "secret": SERVICE_SECRET, "tenant_id": gw.tenant}
    response = await gw.client.post("/api/v1/auth/service-token", json=body)
    assert response.status_code == 200, response.text
    token = response.json()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["sub"], claims["tid"], claims["roles"]) == (
        "service:campaigns",
        gw.tenant,
        ["sales_manager"],
    )
    service = {"Authorization": f"Bearer {token}"}
    lead = (await gw.client.post("/api/v1/leads", json=LEAD, headers=await gw.auth())).json()
    assigned = await gw.client.post(
        f"/api/v1/leads/{lead['id']}/assign", json={"owner_id": "user_siti"}, headers=service
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.json()["owner_id"] == "user_siti"
    users = await gw.client.get("/api/v1/users", headers=service)
    assert users.status_code == 200  # sales managers read users; nothing beyond that
    keys = await gw.client.get("/api/v1/api-keys", headers=service)
    assert keys.status_code == 403  # admin-only functions stay closed


async def test_wrong_secret_or_unknown_service_is_the_same_401(gw: Gateway) -> None:
    for service, secret in (("campaigns", "wrong"), ("leads", SERVICE_SECRET), ("x", "y")):
        body = {"service": service, "secret": secret, "tenant_id": gw.tenant}
        response = await gw.client.post("/api/v1/auth/service-token", json=body)
        assert response.status_code == 401
        assert response.json()["detail"] == "unknown service or wrong service secret"
    extra = {"service": "campaigns", "secret": SERVICE_SECRET, "tenant_id": "t", "roles": []}
    assert (await gw.client.post("/api/v1/auth/service-token", json=extra)).status_code == 422
