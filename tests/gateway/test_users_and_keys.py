"""User management and API keys: admin-only writes, tenant isolation, no mass assignment."""

from __future__ import annotations

from .conftest import PASSWORD, Gateway


async def test_admin_creates_a_user_who_can_log_in(gw: Gateway) -> None:
    admin = await gw.auth("admin")
    email = f"dewi@{gw.tenant.replace('_', '-')}.example.com"
    created = await gw.client.post(
        "/api/v1/users",
        json={"email": email, "name": "Dewi", "roles": ["sales"], "password": PASSWORD},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["roles"] == ["sales"] and body["tenant_id"] == gw.tenant
    assert "password" not in body and "password_hash" not in body
    assert (await gw.login(email))["access_token"]
    again = await gw.client.post(
        "/api/v1/users",
        json={"email": email, "roles": ["sales"], "password": PASSWORD},
        headers=admin,
    )
    assert again.status_code == 409


async def test_weak_passwords_and_unknown_roles_are_refused(gw: Gateway) -> None:
    admin = await gw.auth("admin")
    base = {"email": f"x@{gw.tenant.replace('_', '-')}.example.com", "roles": ["sales"]}
    weak = await gw.client.post("/api/v1/users", json={**base, "password": "short"}, headers=admin)
    assert weak.status_code == 422
    bad_role = await gw.client.post(
        "/api/v1/users", json={**base, "roles": ["root"], "password": PASSWORD}, headers=admin
    )
    assert bad_role.status_code == 422


async def test_clients_cannot_set_server_owned_fields(gw: Gateway) -> None:
    admin = await gw.auth("admin")
    for extra in ({"tenant_id": "other"}, {"password_hash": "x"}, {"version": 7}, {"id": "u"}):
        response = await gw.client.post(
            "/api/v1/users",
            json={
                "email": f"m@{gw.tenant.replace('_', '-')}.example.com",
                "roles": ["sales"],
                "password": PASSWORD,
                **extra,
            },
            headers=admin,
        )
        assert response.status_code == 422, extra


async def test_only_admins_manage_users_and_managers_may_read(gw: Gateway) -> None:
    manager = await gw.auth("sales_manager")
    sales = await gw.auth("sales")
    assert (await gw.client.get("/api/v1/users", headers=manager)).status_code == 200
    assert (await gw.client.get("/api/v1/users", headers=sales)).status_code == 403
    body = {"email": "n@example.com", "roles": ["admin"], "password": PASSWORD}
    assert (await gw.client.post("/api/v1/users", json=body, headers=manager)).status_code == 403
    assert (await gw.client.get("/api/v1/api-keys", headers=manager)).status_code == 403


async def test_another_tenants_user_is_not_found(gw: Gateway) -> None:
    admin = await gw.auth("admin")
    users = (await gw.client.get("/api/v1/users", headers=admin)).json()["items"]
    mine = users[0]["id"]
    other = Gateway(gw.app, gw.client, gw.tenant + "_b", "")
    other_admin = await other.auth("admin")
    assert (await gw.client.get(f"/api/v1/users/{mine}", headers=other_admin)).status_code == 404
    patch = await gw.client.patch(
        f"/api/v1/users/{mine}", json={"roles": ["viewer"]}, headers=other_admin
    )
    assert patch.status_code == 404
    listed = (await gw.client.get("/api/v1/users", headers=other_admin)).json()["items"]
    assert all(u["tenant_id"] == other.tenant for u in listed)


async def test_admins_cannot_lock_themselves_out(gw: Gateway) -> None:
    tokens = await gw.login(gw.admin_email)
    admin = {"Authorization": f"Bearer {tokens['access_token']}"}
    users = (await gw.client.get("/api/v1/users", headers=admin)).json()["items"]
    me = next(u["id"] for u in users if u["email"] == gw.admin_email)
    response = await gw.client.patch(f"/api/v1/users/{me}", json={"active": False}, headers=admin)
    assert response.status_code == 422


async def test_api_key_is_shown_once_reads_by_scope_and_stops_when_revoked(gw: Gateway) -> None:
    admin = await gw.auth("admin")
    created = await gw.client.post(
        "/api/v1/api-keys", json={"name": "ERP sync", "scopes": ["leads:read"]}, headers=admin
    )
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    assert key.startswith("crm_key_")
    listed = (await gw.client.get("/api/v1/api-keys", headers=admin)).json()["items"]
    assert "key" not in listed[0] and "hash" not in listed[0]
    as_key = {"X-API-Key": key}
    read = await gw.client.get("/api/v1/leads", headers=as_key)
    assert read.status_code == 200, read.text
    bearer = await gw.client.get("/api/v1/leads", headers={"Authorization": f"Bearer {key}"})
    assert bearer.status_code == 200
    write = await gw.client.post("/api/v1/leads", json={"last_name": "X"}, headers=as_key)
    assert write.status_code == 403
    users = await gw.client.get("/api/v1/users", headers=as_key)
    assert users.status_code == 403
    assert (await gw.client.get("/api/v1/dashboard", headers=as_key)).status_code == 403
    revoked = await gw.client.delete(f"/api/v1/api-keys/{created.json()['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert (await gw.client.get("/api/v1/leads", headers=as_key)).status_code == 401


async def test_unknown_scopes_are_refused(gw: Gateway) -> None:
    admin = await gw.auth("admin")
    response = await gw.client.post(
        "/api/v1/api-keys", json={"name": "x", "scopes": ["users:write"]}, headers=admin
    )
    assert response.status_code == 422
