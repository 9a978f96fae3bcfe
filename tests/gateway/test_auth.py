"""Log-in, refresh rotation, log-out, throttling, JWKS: the gateway on the real database."""

from __future__ import annotations

import json

import jwt
from pydantic import SecretStr

from crm_devstack.launcher import Launched
from crm_devstack.testing import Backend, TokenMinter, running_app, unique_name
from crm_shared.auth import TokenVerifier
from crm_shared.settings import ServiceSettings
from gateway.deps import GatewayState
from gateway.main import create_app

from .conftest import PASSWORD, Gateway, gateway_settings


async def test_login_issues_a_short_lived_token_services_verify_with_the_jwks(
    gw: Gateway,
) -> None:
    tokens = await gw.login(gw.admin_email)
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 900
    assert tokens["refresh_token"].startswith("crm_rt_")
    jwks = (await gw.client.get("/.well-known/jwks.json")).json()
    header = jwt.get_unverified_header(tokens["access_token"])
    assert header["alg"] == "EdDSA"
    assert header["kid"] in {k["kid"] for k in jwks["keys"]}
    verifier = TokenVerifier(ServiceSettings(jwt_public_key=json.dumps(jwks)))
    principal = await verifier.verify(tokens["access_token"])
    assert principal.tenant_id == gw.tenant and principal.roles == {"admin"}
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 900


async def test_unknown_email_and_wrong_password_get_the_same_answer(gw: Gateway) -> None:
    wrong = await gw.client.post(
        "/api/v1/auth/token", json={"email": gw.admin_email, "password": "not the password"}
    )
    unknown = await gw.client.post(
        "/api/v1/auth/token", json={"email": "nobody@nowhere.example.com", "password": PASSWORD}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_failed_logins_are_throttled_per_account_even_with_the_right_password(
    gw: Gateway,
) -> None:
    email = await gw.add_user("sales")
    for _ in range(3):  # the test gateway allows 3 failures per account
        bad = await gw.client.post("/api/v1/auth/token", json={"email": email, "password": "x"})
        assert bad.status_code == 401
    blocked = await gw.client.post(
        "/api/v1/auth/token", json={"email": email, "password": PASSWORD}
    )
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) >= 1
    assert (await gw.login(gw.admin_email))["access_token"], "other accounts still log in"


async def test_refresh_rotates_and_a_replayed_token_revokes_the_session(gw: Gateway) -> None:
    first = await gw.login(gw.admin_email)
    rotated = await gw.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    replay = await gw.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert replay.status_code == 401
    after_replay = await gw.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": second["refresh_token"]}
    )
    assert after_replay.status_code == 401, "reuse of an old token ends the whole session"


async def test_logout_ends_the_session(gw: Gateway) -> None:
    tokens = await gw.login(gw.admin_email)
    out = await gw.client.post(
        "/api/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]}
    )
    assert out.status_code == 204
    again = await gw.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert again.status_code == 401


async def test_a_deactivated_user_cannot_refresh_or_log_in(gw: Gateway) -> None:
    admin = await gw.auth("admin")
    email = await gw.add_user("sales")
    tokens = await gw.login(email)
    users = (await gw.client.get("/api/v1/users", headers=admin)).json()["items"]
    user_id = next(u["id"] for u in users if u["email"] == email)
    off = await gw.client.patch(f"/api/v1/users/{user_id}", json={"active": False}, headers=admin)
    assert off.status_code == 200 and off.json()["active"] is False
    refresh = await gw.client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refresh.status_code == 401
    login = await gw.client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    assert login.status_code == 401


async def test_tokens_signed_by_another_key_or_algorithm_are_refused(gw: Gateway) -> None:
    forged = jwt.encode(
        {"sub": "x", "tid": gw.tenant, "roles": ["admin"], "iss": "crm-gateway", "aud": "crm"},
        "a shared secret the gateway never uses, 32+ bytes",
        algorithm="HS256",
    )
    response = await gw.client.get("/api/v1/users", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


async def test_bad_login_bodies_are_422_problems(gw: Gateway) -> None:
    for body in ({"email": "not-an-email", "password": "x"}, {"email": gw.admin_email}, {}):
        response = await gw.client.post("/api/v1/auth/token", json=body)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"


async def test_first_start_creates_the_admin_from_settings_and_only_then(
    backend: Backend, minter: TokenMinter, leads_process: Launched
) -> None:
    db = unique_name("t_gw_boot_")
    first = gateway_settings(
        backend,
        minter,
        leads_process.base_url,
        mongo_db=db,
        bootstrap_admin_email="pertama@contoh.co.id",
        bootstrap_admin_password="kata sandi yang panjang",
        bootstrap_admin_tenant="acme",
    )
    async with running_app(create_app(first)) as client:
        body = {"email": "pertama@contoh.co.id", "password": "kata sandi yang panjang"}
        assert (await client.post("/api/v1/auth/token", json=body)).status_code == 200
    later = first.model_copy(update={"bootstrap_admin_email": "kedua@contoh.co.id"})
    async with running_app(create_app(later)) as client:
        body = {"email": "kedua@contoh.co.id", "password": "kata sandi yang panjang"}
        assert (await client.post("/api/v1/auth/token", json=body)).status_code == 401
    bare = first.model_copy(update={"mongo_db": unique_name("t_gw_bare_")})
    bare = bare.model_copy(update={"bootstrap_admin_password": SecretStr("")})
    app = create_app(bare)
    async with running_app(app):
        state: GatewayState = app.state.gateway
        assert not await state.users.any_exists(), "no password set: no user, no default"
