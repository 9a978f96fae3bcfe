"""Injection: URL syntax smuggled through path segments, and MongoDB operators smuggled
through bodies and query strings, against the running platform."""

from __future__ import annotations

from .conftest import Tenant

LEAD = {"last_name": "Aman", "email": "aman@contoh.co.id"}


async def test_encoded_url_syntax_in_an_id_stays_part_of_the_id(tenant: Tenant) -> None:
    """``%3F`` and ``%23`` in an id reach the service as characters of the id (not a
    query or a fragment), control characters are a 404 rather than a 500, and encoded
    dot segments never lead out of ``/v1/<resource>``."""
    admin = tenant.auth()
    created = await tenant.gateway.post("/api/v1/leads", json=LEAD, headers=admin)
    assert created.status_code == 201, created.text
    lead_id = created.json()["id"]
    smuggled = {
        f"/api/v1/leads/{lead_id}%3Flimit=1": f"{lead_id}?limit=1",
        f"/api/v1/leads/{lead_id}%23top": f"{lead_id}#top",
        "/api/v1/leads/%08%F4%88%AF%8E": "\b\U00108bce",
    }
    for path, id_seen in smuggled.items():
        response = await tenant.gateway.get(path, headers=admin)
        assert response.status_code == 404, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert id_seen in response.json()["detail"], (path, response.json())
    for path in (
        "/api/v1/leads/x%0D%0AX-Injected:%201",
        "/api/v1/leads/%2E%2E/%2E%2E/openapi.json",
        f"/api/v1/leads/{lead_id}/%2E%2E",
        "/api/v1/leads/x/..%2F..%2F..%2Fopenapi.json",
    ):
        response = await tenant.gateway.get(path, headers=admin)
        assert response.status_code == 404, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert "x-injected" not in response.headers
