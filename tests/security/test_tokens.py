"""Tokens: forged, tampered, stale and garbled credentials at the gateway and at a service,
other tenants' ids, and refresh tokens used more than once."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crm_devstack.testing import unique_name

from .conftest import Platform, Tenant

JsonObject = dict[str, Any]
"""A token's claims, a request body."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _segment(value: object) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def _hs256(secret: bytes, claims: JsonObject) -> str:
    """An HMAC-signed token, built by hand (PyJWT refuses a PEM as an HMAC secret)."""
    signed = f"{_segment({'alg': 'HS256', 'typ': 'JWT'})}.{_segment(claims)}"
    return f"{signed}.{_b64(hmac.new(secret, signed.encode(), hashlib.sha256).digest())}"


def _forgeries(platform: Platform, tenant: str) -> dict[str, str]:
    """Tokens that must not get anyone in, by what is wrong with them."""
    now = int(time.time())
    good: JsonObject = {
        "iss": "crm-gateway",
        "aud": "crm",
        "sub": "user_forger",
        "tid": tenant,
        "roles": ["admin"],
        "iat": now,
        "exp": now + 600,
    }
    key = platform.minter.private_pem

    def signed(**changes: Any) -> str:
        claims = {k: v for k, v in {**good, **changes}.items() if v is not None}
        return jwt.encode(claims, key, algorithm="EdDSA")

    genuine = signed(roles=["viewer"])
    head, _, signature = genuine.split(".")
    other_key = Ed25519PrivateKey.generate()
    return {
        "alg none": f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(good)}.",
        "HS256 keyed with the public key": _hs256(platform.minter.public_pem.encode(), good),
        "another Ed25519 key": jwt.encode(good, other_key, algorithm="EdDSA"),
        "roles raised after signing": f"{head}.{_segment(good)}.{signature}",
        "expired": signed(iat=now - 3600, exp=now - 600),
        "not yet valid": signed(nbf=now + 3600),
        "wrong audience": signed(aud="another-api"),
        "wrong issuer": signed(iss="https://evil.example"),
        "no tenant": signed(tid=None),
        "no expiry": signed(exp=None),
        "tenant not a string": jwt.encode({**good, "tid": [tenant]}, key, algorithm="EdDSA"),
        "unknown key id, wrong key": jwt.encode(
            good, other_key, algorithm="EdDSA", headers={"kid": "../../dev/null"}
        ),
        "key URL in the header": jwt.encode(
            good, other_key, algorithm="EdDSA", headers={"jku": "https://evil.example/jwks"}
        ),
        "garbage": "eyJhbGciOiJFZERTQSJ9.!!!.???",
    }


GARBLED_AUTHORIZATION = (
    b"Bearer",
    b"Basic dXNlcjpwYXNzd29yZA==",
    b"Bearer a.b.c",
    b"Bearer crm_key_not-a-key",
    b"Token abc",
    b"Bearer \xc3\xa9\xc3\xa9.\xc3\xa9.\xff",
)


async def _refused(response: httpx.Response, what: str) -> None:
    assert response.status_code == 401, (what, response.status_code, response.text)
    assert response.headers["content-type"] == "application/problem+json", what
    assert "items" not in response.text


async def test_forged_and_stale_tokens_are_refused_at_the_gateway_and_a_service(
    tenant: Tenant, platform: Platform
) -> None:
    created = await tenant.gateway.post(
        "/api/v1/leads", json={"last_name": "Rahasia"}, headers=tenant.auth()
    )
    assert created.status_code == 201, created.text
    forgeries = _forgeries(platform, tenant.name)
    async with tenant.service("leads") as leads:
        for client, path in ((tenant.gateway, "/api/v1/leads"), (leads, "/v1/leads")):
            for what, token in forgeries.items():
                response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
                await _refused(response, f"{path}: {what}")
            for header in GARBLED_AUTHORIZATION:
                response = await client.get(path, headers=[(b"authorization", header)])
                await _refused(response, f"{path}: {header!r}")
            await _refused(await client.get(path), f"{path}: no credentials")
            genuine = tenant.auth()["Authorization"].replace("Bearer", "bearer")
            accepted = await client.get(path, headers={"Authorization": genuine})
            assert accepted.status_code == 200 and len(accepted.json()["items"]) == 1
    for key in (b"crm_key_not-a-key", b"", b"\xc3\xa9"):
        response = await tenant.gateway.get("/api/v1/leads", headers=[(b"x-api-key", key)])
        await _refused(response, f"X-API-Key {key!r}")


RECORDS: list[tuple[str, JsonObject, JsonObject]] = [
    ("leads", {"last_name": "Milik A"}, {"title": "B"}),
    ("contacts", {"last_name": "Milik A"}, {"title": "B"}),
    ("accounts", {"name": "PT Milik A"}, {"industry": "B"}),
    ("deals", {"name": "Milik A", "amount": "1000"}, {"name": "B"}),
    ("campaigns", {"name": "Milik A"}, {"name": "B"}),
    ("segments", {"name": "Milik A", "kind": "static"}, {"name": "B"}),
    (
        "webhooks",
        {"url": "https://127.0.0.1:9/hook", "event_types": ["DealWon"]},
        {"active": False},
    ),
]
"""A record of each kind: resource, body that creates it, body that changes it."""


async def test_another_tenants_ids_are_not_found(tenant: Tenant, platform: Platform) -> None:
    """A genuine admin of one tenant gets 404 for another tenant's records, reading or
    writing, exactly as for ids that do not exist (a 403 would confirm they do)."""
    admin = tenant.auth()
    made: dict[str, tuple[str, JsonObject]] = {}
    for resource, body, change in RECORDS:
        response = await tenant.gateway.post(f"/api/v1/{resource}", json=body, headers=admin)
        assert response.status_code == 201, (resource, response.text)
        made[resource] = (response.json()["id"], change)
    stranger = Tenant(platform, unique_name("tenant_"), tenant.gateway).auth()
    for resource, (record_id, change) in made.items():
        for method, sent in (("GET", None), ("PATCH", change), ("DELETE", None)):
            theirs = await tenant.gateway.request(
                method, f"/api/v1/{resource}/{record_id}", json=sent, headers=stranger
            )
            missing = await tenant.gateway.request(
                method, f"/api/v1/{resource}/{record_id[:-4]}zzzz", json=sent, headers=stranger
            )
            assert theirs.status_code == missing.status_code == 404, (
                resource,
                method,
                theirs.text,
                missing.text,
            )
            assert theirs.headers["content-type"] == "application/problem+json"
        mine = await tenant.gateway.get(f"/api/v1/{resource}/{record_id}", headers=admin)
        assert mine.status_code == 200 and mine.json()["version"] == 1, (resource, mine.text)


PASSWORD = "kata sandi yang cukup panjang"
RACES = 10
"""Log-ins whose refresh token is used four times at once (the race is lost now and then,
not every time)."""


async def _log_in(tenant: Tenant) -> dict[str, Any]:
    """A new user of the tenant, logged in: the token response."""
    email = f"{unique_name('u')}@{tenant.name.replace('_', '-')}.co.id"
    user = {"email": email, "roles": ["sales"], "password": PASSWORD}
    created = await tenant.gateway.post("/api/v1/users", json=user, headers=tenant.auth())
    assert created.status_code == 201, created.text
    login = await tenant.gateway.post(
        "/api/v1/auth/token", json={"email": email, "password": PASSWORD}
    )
    assert login.status_code == 200, login.text
    tokens: dict[str, Any] = login.json()
    return tokens


async def _refresh(tenant: Tenant, token: str) -> httpx.Response:
    return await tenant.gateway.post("/api/v1/auth/refresh", json={"refresh_token": token})


async def test_a_refresh_token_replayed_at_the_same_moment_ends_the_session(
    tenant: Tenant,
) -> None:
    """Used twice at once (a thief racing the user), one use may win the race, but the
    reuse revokes the whole session: the token the winner got must not work either."""
    for _ in range(RACES):
        stolen = (await _log_in(tenant))["refresh_token"]
        answers = await asyncio.gather(*(_refresh(tenant, stolen) for _ in range(4)))
        statuses = sorted(a.status_code for a in answers)
        assert statuses in ([200, 401, 401, 401], [401] * 4), statuses
        for answer in answers:
            if answer.status_code == 200:
                after = await _refresh(tenant, answer.json()["refresh_token"])
                assert after.status_code == 401, "the family was revoked by the reuse"
            else:
                assert answer.headers["content-type"] == "application/problem+json"
