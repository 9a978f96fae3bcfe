"""Headers: what callers send reaches the services unchanged, and nothing a caller sends
can split or add a response header."""

from __future__ import annotations

import asyncio
import re

from campaigns.tracking.signing import Claims, LinkKind, TrackingSigner

from .conftest import TRACKING_SECRET, Platform, Tenant

LEAD = {"last_name": "Kepala", "email": "kepala@contoh.co.id"}


def _with_raw(headers: dict[str, str], name: str, value: bytes) -> dict[bytes, bytes]:
    """``headers`` plus ``name`` with a value of raw octets."""
    return {**{k.encode(): v.encode() for k, v in headers.items()}, name.encode(): value}


async def test_an_empty_if_match_is_refused_not_dropped(tenant: Tenant) -> None:
    """An empty ``If-Match`` (a script's unset variable) must not turn a conditional
    update into an unconditional one at the gateway; the same for ``Idempotency-Key``."""
    admin = tenant.auth()
    created = await tenant.gateway.post("/api/v1/leads", json=LEAD, headers=admin)
    assert created.status_code == 201, created.text
    path = f"/api/v1/leads/{created.json()['id']}"
    update = await tenant.gateway.patch(
        path, json={"title": "Direktur"}, headers={**admin, "If-Match": ""}
    )
    assert update.status_code == 400, update.text
    assert update.headers["content-type"] == "application/problem+json"
    assert (await tenant.gateway.get(path, headers=admin)).json()["version"] == 1
    keyed = await tenant.gateway.post(
        "/api/v1/leads",
        json={**LEAD, "email": "lain@contoh.co.id"},
        headers={**admin, "Idempotency-Key": ""},
    )
    assert keyed.status_code == 422, keyed.text


async def test_octets_above_ascii_in_headers_reach_the_service(tenant: Tenant) -> None:
    """HTTP allows any octet above 0x7F in a header value; the gateway forwards such a
    value as it came (it answered 500, unable to encode it) and the service judges it."""
    admin = tenant.auth()
    created = await tenant.gateway.post("/api/v1/leads", json=LEAD, headers=admin)
    assert created.status_code == 201, created.text
    path = f"/api/v1/leads/{created.json()['id']}"
    patched = await tenant.gateway.patch(
        path, json={"title": "CEO"}, headers=_with_raw(admin, "If-Match", b'"1\xff"')
    )
    assert patched.status_code == 400, patched.text
    keyed = await tenant.gateway.post(
        "/api/v1/leads",
        json={**LEAD, "email": "kunci@contoh.co.id"},
        headers=_with_raw(admin, "Idempotency-Key", b"kunci-\xe9"),
    )
    assert keyed.status_code == 422, keyed.text
    stream = await tenant.gateway.get(
        "/api/v1/notifications/stream", headers=_with_raw(admin, "Last-Event-ID", b"ntf_\xe9")
    )
    assert stream.status_code == 400, stream.text
    for response in (patched, keyed, stream):
        assert response.headers["content-type"] == "application/problem+json"
    listed = await tenant.gateway.get(
        "/api/v1/leads", headers=_with_raw(admin, "Accept", b"application/json, text/\xe9")
    )
    assert listed.status_code == 200, listed.text


async def test_a_signed_link_cannot_add_a_response_header(tenant: Tenant) -> None:
    """CR and LF in the URL an e-mail link redirects to are percent-encoded in Location,
    never a new header line."""
    target = "https://contoh.co.id/promo\r\nSet-Cookie: sesi=curian"
    claims = Claims(tenant.name, "cmp_01", "con_01", target)
    token = TrackingSigner(TRACKING_SECRET).sign(LinkKind.CLICK, claims)
    response = await tenant.gateway.get(f"/api/v1/track/click/{token}")
    assert response.status_code == 302, response.text
    assert (
        response.headers["location"] == "https://contoh.co.id/promo%0D%0ASet-Cookie:%20sesi=curian"
    )
    assert "set-cookie" not in response.headers


async def test_request_ids_are_echoed_only_when_plain(tenant: Tenant) -> None:
    """A plain X-Request-ID comes back and reaches the service; anything else (spaces,
    markup, over 128 characters) is replaced by a generated one, used end to end."""
    admin = tenant.auth()
    for sent, kept in (
        ("req-42.a:b_c", True),
        ("a b", False),
        ("<script>alert(1)</script>", False),
        ("x" * 129, False),
        ("req%0d%0aSet-Cookie:%20a=b", False),
    ):
        response = await tenant.gateway.get(
            "/api/v1/leads/lead_nothing", headers={**admin, "X-Request-ID": sent}
        )
        assert response.status_code == 404, response.text
        echoed = response.headers["x-request-id"]
        assert (echoed == sent) is kept, (sent, echoed)
        if not kept:
            assert re.fullmatch(r"[0-9a-f]{32}", echoed), echoed
        assert response.json()["request_id"] == echoed, "the service saw the same id"
        assert "set-cookie" not in response.headers


async def test_control_characters_in_a_header_are_refused_by_the_server(
    tenant: Tenant, platform: Platform
) -> None:
    """A raw request with a control character in a header value never reaches the app:
    the HTTP server answers 400 itself (clients such as httpx refuse to send one)."""
    host, port = platform.gateway_url.removeprefix("http://").split(":")
    for value in (b"abc\x01def", b"abc\rdef", b"a\x00b"):
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            writer.write(
                b"GET /api/v1/leads HTTP/1.1\r\nHost: gateway\r\nX-Request-ID: "
                + value
                + b"\r\nConnection: close\r\n\r\n"
            )
            await writer.drain()
            answer = await asyncio.wait_for(reader.read(), timeout=10)
        finally:
            writer.close()
            await writer.wait_closed()
        assert answer.startswith(b"HTTP/1.1 400 "), (value, answer[:200])
        assert b"abc" not in answer and b"x-request-id" not in answer.lower()
