"""Headers: what callers send reaches the services unchanged, and nothing a caller sends
can split or add a response header."""

from __future__ import annotations

from .conftest import Tenant

LEAD = {"last_name": "Kepala", "email": "kepala@contoh.co.id"}


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
