"""Unit tests of JWT verification and the per-route role check (no servers)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from jwt.algorithms import OKPAlgorithm

from crm_shared.access import Action, Scope
from crm_shared.auth import Access, Principal, TokenVerifier, require
from crm_shared.errors import Unauthorized
from crm_shared.http.problems import install_problem_handlers
from crm_shared.settings import ServiceSettings

ISSUER = "crm-gateway"
AUDIENCE = "crm"


def _pem(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _settings(public_key: str) -> ServiceSettings:
    return ServiceSettings(
        jwt_public_key=public_key, jwt_jwks_url="", jwt_issuer=ISSUER, jwt_audience=AUDIENCE
    )


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "user_1",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 300,
        "tid": "tenant-a",
        "roles": ["sales"],
        "name": "Siti",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    head = _b64(json.dumps(header).encode())
    body = _b64(json.dumps(claims).encode())
    return f"{head}.{body}.{_b64(signature)}"


def _hs256(secret: bytes, claims: dict[str, Any]) -> str:
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(claims).encode())
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(mac)}"


@pytest.fixture(scope="module")
def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def verifier(private_key: Ed25519PrivateKey) -> TokenVerifier:
    return TokenVerifier(_settings(_pem(private_key)))


def _sign(key: Ed25519PrivateKey, claims: dict[str, Any], kid: str | None = None) -> str:
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims, key, algorithm="EdDSA", headers=headers)


# --------------------------------------------------------------------------- valid tokens


async def test_valid_token_gives_a_principal(
    verifier: TokenVerifier, private_key: Ed25519PrivateKey
) -> None:
    principal = await verifier.verify(_sign(private_key, _claims()))
    assert principal == Principal(
        sub="user_1", tenant_id="tenant-a", roles=frozenset({"sales"}), name="Siti"
    )
    assert not principal.is_integration


async def test_several_roles_and_scopes(
    verifier: TokenVerifier, private_key: Ed25519PrivateKey
) -> None:
    claims = _claims(roles=["integration"], scopes=["leads:read", 5, None], name=7)
    principal = await verifier.verify(_sign(private_key, claims))
    assert principal.roles == frozenset({"integration"})
    assert principal.scopes == frozenset({"leads:read"})
    assert principal.is_integration
    assert principal.name is None


async def test_unknown_roles_are_dropped(
    verifier: TokenVerifier, private_key: Ed25519PrivateKey
) -> None:
    claims = _claims(roles=["viewer", "superuser", "root", "Admin", "sales_manager"])
    principal = await verifier.verify(_sign(private_key, claims))
    assert principal.roles == frozenset({"viewer", "sales_manager"})


async def test_only_unknown_roles_leaves_no_roles(
    verifier: TokenVerifier, private_key: Ed25519PrivateKey
) -> None:
    principal = await verifier.verify(_sign(private_key, _claims(roles=["superuser"])))
    assert principal.roles == frozenset()


async def test_small_clock_skew_is_tolerated(
    verifier: TokenVerifier, private_key: Ed25519PrivateKey
) -> None:
    now = int(time.time())
    token = _sign(private_key, _claims(iat=now - 600, exp=now - 2))
    assert (await verifier.verify(token)).sub == "user_1"


# --------------------------------------------------------------------------- rejected tokens


async def _rejects(verifier: TokenVerifier, token: str, match: str | None = None) -> None:
    with pytest.raises(Unauthorized, match=match) as info:
        await verifier.verify(token)
    assert info.value.status == 401


async def test_expired_token(verifier: TokenVerifier, private_key: Ed25519PrivateKey) -> None:
    now = int(time.time())
    token = _sign(private_key, _claims(iat=now - 3600, exp=now - 60))
    await _rejects(verifier, token, "expired")


async def test_wrong_issuer(verifier: TokenVerifier, private_key: Ed25519PrivateKey) -> None:
    await _rejects(verifier, _sign(private_key, _claims(iss="someone-else")), "invalid token")


async def test_wrong_audience(verifier: TokenVerifier, private_key: Ed25519PrivateKey) -> None:
    await _rejects(verifier, _sign(private_key, _claims(aud="billing")), "invalid token")


async def test_wrong_key(verifier: TokenVerifier) -> None:
    other = Ed25519PrivateKey.generate()
    await _rejects(verifier, _sign(other, _claims()), "invalid token")


async def test_tampered_claims(verifier: TokenVerifier, private_key: Ed25519PrivateKey) -> None:
    head, _, signature = _sign(private_key, _claims()).split(".")
    forged = _b64(json.dumps(_claims(roles=["admin"])).encode())
    await _rejects(verifier, f"{head}.{forged}.{signature}", "invalid token")


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
async def test_alg_none_token(verifier: TokenVerifier, alg: str) -> None:
    token = _unsigned({"alg": alg, "typ": "JWT"}, _claims(roles=["admin"]))
    await _rejects(verifier, token, "algorithm")


async def test_hs256_signed_with_the_public_key_pem(
    verifier: TokenVerifier, private_key: Ed25519PrivateKey
) -> None:
    """Algorithm confusion: an HMAC token keyed with the (public) verification key."""
    token = _hs256(_pem(private_key).encode(), _claims(roles=["admin"]))
    await _rejects(verifier, token, "algorithm")


async def test_hs256_signed_with_the_raw_public_key(
    verifier: TokenVerifier, private_key: Ed25519PrivateKey
) -> None:
    raw = private_key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    await _rejects(verifier, _hs256(raw, _claims(roles=["admin"])), "algorithm")


async def test_eddsa_header_with_an_hmac_signature(
    verifier: TokenVerifier, private_key: Ed25519PrivateKey
) -> None:
    hs = _hs256(_pem(private_key).encode(), _claims())
    _, body, signature = hs.split(".")
    head = _b64(json.dumps({"alg": "EdDSA", "typ": "JWT"}).encode())
    await _rejects(verifier, f"{head}.{body}.{signature}", "invalid token")


async def test_es256_token(verifier: TokenVerifier) -> None:
    other = ec.generate_private_key(ec.SECP256R1())
    token = jwt.encode(_claims(), other, algorithm="ES256")
    await _rejects(verifier, token, "algorithm")


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        pytest.param({"tid": None}, "tenant", id="missing-tid"),
        pytest.param({"tid": ""}, "tenant", id="empty-tid"),
        pytest.param({"tid": 5}, "tenant", id="tid-not-string"),
        pytest.param({"tid": ["tenant-a"]}, "tenant", id="tid-list"),
        pytest.param({"roles": None}, "roles", id="missing-roles"),
        pytest.param({"roles": "admin"}, "roles", id="roles-string"),
        pytest.param({"roles": [1, 2]}, "roles", id="roles-not-strings"),
        pytest.param({"roles": {"admin": True}}, "roles", id="roles-object"),
        pytest.param({"sub": None}, "invalid token", id="missing-sub"),
        pytest.param({"exp": None}, "invalid token", id="missing-exp"),
        pytest.param({"iat": None}, "invalid token", id="missing-iat"),
        pytest.param({"iss": None}, "invalid token", id="missing-iss"),
        pytest.param({"aud": None}, "invalid token", id="missing-aud"),
        pytest.param({"nbf": int(time.time()) + 3600}, "invalid token", id="not-yet-valid"),
    ],
)
async def test_bad_claims(
    verifier: TokenVerifier,
    private_key: Ed25519PrivateKey,
    overrides: dict[str, Any],
    match: str,
) -> None:
    claims = _claims()
    for key, value in overrides.items():
        if value is None:
            claims.pop(key, None)
        else:
            claims[key] = value
    await _rejects(verifier, _sign(private_key, claims), match)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "a.b.c",
        "a.b",
        "....",
        "eyJhbGciOiJFZERTQSJ9",
        "eyJhbGciOiJFZERTQSJ9.!!!.???",
        _unsigned({"alg": "EdDSA", "kid": ["k1"]}, {"sub": "x"}),
        _b64(b"[1,2]") + "." + _b64(b"{}") + ".",
        "\u00e9\u00e9.\u00e9\u00e9.\u00e9\u00e9",
    ],
)
async def test_garbage_tokens(verifier: TokenVerifier, token: str) -> None:
    await _rejects(verifier, token)


async def test_no_key_configured() -> None:
    verifier = TokenVerifier(_settings(""))
    token = _sign(Ed25519PrivateKey.generate(), _claims())
    await _rejects(verifier, token, "no token key")


def test_non_ed25519_pem_is_refused_at_start_up() -> None:
    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    with pytest.raises(ValueError, match="not an Ed25519 key"):
        TokenVerifier(_settings(ec_pem))


# --------------------------------------------------------------------------- JWKS


def _jwk(key: Ed25519PrivateKey, kid: str | None) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(OKPAlgorithm.to_jwk(key.public_key()))
    if kid:
        jwk["kid"] = kid
    return jwk


async def test_jwks_with_kid_works_and_picks_the_right_key() -> None:
    first, second = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    jwks = {"keys": [_jwk(first, "k1"), _jwk(second, "k2")]}
    verifier = TokenVerifier(_settings(json.dumps(jwks)))
    assert (await verifier.verify(_sign(first, _claims(sub="a"), kid="k1"))).sub == "a"
    assert (await verifier.verify(_sign(second, _claims(sub="b"), kid="k2"))).sub == "b"
    await _rejects(verifier, _sign(first, _claims(), kid="k2"), "invalid token")


async def test_jwks_unknown_kid_fails() -> None:
    key = Ed25519PrivateKey.generate()
    verifier = TokenVerifier(_settings(json.dumps({"keys": [_jwk(key, "k1")]})))
    await _rejects(verifier, _sign(key, _claims(), kid="rotated-away"), "unknown key")
    await _rejects(verifier, _sign(key, _claims()), "unknown key")


async def test_single_jwk_document_is_accepted() -> None:
    key = Ed25519PrivateKey.generate()
    verifier = TokenVerifier(_settings(json.dumps(_jwk(key, "only"))))
    assert (await verifier.verify(_sign(key, _claims(), kid="only"))).tenant_id == "tenant-a"


def test_jwks_without_ed25519_keys_is_refused() -> None:
    with pytest.raises(ValueError, match="no Ed25519 keys"):
        TokenVerifier(_settings(json.dumps({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]})))


# --------------------------------------------------------------------------- route checks


@pytest.fixture
async def client(verifier: TokenVerifier) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.token_verifier = verifier

    @app.get("/leads")
    async def read_leads(access: Annotated[Access, require("leads", Action.READ)]) -> Any:
        return {"scope": access.scope.value, "tenant": access.tenant_id, "own": access.own_only}

    @app.post("/leads")
    async def write_leads(access: Annotated[Access, require("leads", Action.WRITE)]) -> Any:
        return {"scope": access.scope.value}

    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic dXNlcjpwdw=="}, {"Authorization": "Bearer "}],
)
async def test_route_without_bearer_is_401(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    response = await client.get("/leads", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/unauthorized"


async def test_route_with_bad_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/leads", headers=_bearer("garbage"))
    assert response.status_code == 401


async def test_route_grants_own_scope_to_sales(
    client: httpx.AsyncClient, private_key: Ed25519PrivateKey
) -> None:
    response = await client.get("/leads", headers=_bearer(_sign(private_key, _claims())))
    assert response.status_code == 200
    assert response.json() == {"scope": Scope.OWN.value, "tenant": "tenant-a", "own": True}


async def test_route_forbids_viewer_writes(
    client: httpx.AsyncClient, private_key: Ed25519PrivateKey
) -> None:
    token = _sign(private_key, _claims(roles=["viewer"]))
    assert (await client.get("/leads", headers=_bearer(token))).json()["scope"] == "all"
    response = await client.post("/leads", headers=_bearer(token))
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/forbidden"


async def test_route_uses_scopes_for_api_keys(
    client: httpx.AsyncClient, private_key: Ed25519PrivateKey
) -> None:
    with_scope = _sign(private_key, _claims(roles=["integration"], scopes=["leads:read"]))
    without = _sign(private_key, _claims(roles=["integration", "admin"], scopes=[]))
    assert (await client.get("/leads", headers=_bearer(with_scope))).status_code == 200
    assert (await client.post("/leads", headers=_bearer(with_scope))).status_code == 403
    assert (await client.get("/leads", headers=_bearer(without))).status_code == 403
