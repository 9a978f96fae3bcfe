"""Campaign CRUD over HTTP: validation, roles, versions, lists and tenant isolation."""

from __future__ import annotations

from .conftest import CampaignsHarness


async def test_create_read_update_delete(campaigns: CampaignsHarness) -> None:
    created = await campaigns.create_campaign(type="email", start_date="2025-03-01")
    assert created["status"] == "planned"
    assert created["currency"] == "IDR" and created["budget"] == "1000000"
    assert created["owner_id"] == "user_admin" and created["version"] == 1
    url = f"/v1/campaigns/{created['id']}"
    got = await campaigns.client.get(url, headers=campaigns.auth("viewer"))
    assert got.status_code == 200 and got.headers["ETag"] == '"1"'

    patched = await campaigns.client.patch(
        url,
        json={"actual_cost": "250000", "end_date": "2025-04-01"},
        headers={**campaigns.auth("marketing"), "If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["actual_cost"] == "250000" and patched.json()["version"] == 2
    stale = await campaigns.client.patch(
        url, json={"name": "x"}, headers={**campaigns.auth(), "If-Match": '"1"'}
    )
    assert stale.status_code == 409
    deleted = await campaigns.client.delete(url, headers=campaigns.auth())
    assert deleted.status_code == 204
    assert (await campaigns.client.get(url, headers=campaigns.auth())).status_code == 404


async def test_validation_answers_problem_details(campaigns: CampaignsHarness) -> None:
    bad_template = {
        "name": "x",
        "template": {"subject": "Hi {{password}}", "body_text": "ok"},
    }
    response = await campaigns.client.post(
        "/v1/campaigns", json=bad_template, headers=campaigns.auth()
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "unknown token {{password}}" in response.text and "subject" in response.text
    for body in (
        {"name": "x", "type": "radio"},
        {"name": "x", "budget": "-1"},
        {"name": "x", "start_date": "2025-02-01", "end_date": "2025-01-01"},
        {"name": "x", "status": "active"},
        {"name": "x", "segment_ids": ["seg_unknown"]},
        {"name": ""},
    ):
        response = await campaigns.client.post("/v1/campaigns", json=body, headers=campaigns.auth())
        assert response.status_code == 422, body
    created = await campaigns.create_campaign()
    response = await campaigns.client.patch(
        f"/v1/campaigns/{created['id']}", json={"name": None}, headers=campaigns.auth()
    )
    assert response.status_code == 422


async def test_roles_and_tenants(campaigns: CampaignsHarness) -> None:
    created = await campaigns.create_campaign()
    body = {"name": "x"}
    assert (await campaigns.client.post("/v1/campaigns", json=body)).status_code == 401
    for role in ("viewer", "sales", "sales_manager", "support"):
        response = await campaigns.client.post(
            "/v1/campaigns", json=body, headers=campaigns.auth(role)
        )
        assert response.status_code == 403, role
        listed = await campaigns.client.get("/v1/campaigns", headers=campaigns.auth(role))
        assert listed.status_code == 200, role
    marketing = await campaigns.client.post(
        "/v1/campaigns", json=body, headers=campaigns.auth("marketing")
    )
    assert marketing.status_code == 201
    other = campaigns.auth(tenant="tenant_other")
    assert (
        await campaigns.client.get(f"/v1/campaigns/{created['id']}", headers=other)
    ).status_code == 404
    assert (await campaigns.client.get("/v1/campaigns", headers=other)).json()["items"] == []


async def test_lists_filter_and_paginate(campaigns: CampaignsHarness) -> None:
    ids = [
        (await campaigns.create_campaign(name=f"c{i}", type="email" if i % 2 else "event"))["id"]
        for i in range(5)
    ]
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (
            await campaigns.client.get("/v1/campaigns", params=params, headers=campaigns.auth())
        ).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(ids))
    events = await campaigns.client.get(
        "/v1/campaigns", params={"type": "event"}, headers=campaigns.auth()
    )
    assert {c["name"] for c in events.json()["items"]} == {"c0", "c2", "c4"}
    bad = await campaigns.client.get(
        "/v1/campaigns", params={"cursor": "garbage"}, headers=campaigns.auth()
    )
    assert bad.status_code == 400
    assert (
        await campaigns.client.get("/v1/campaigns", params={"limit": 0}, headers=campaigns.auth())
    ).status_code == 422


async def test_idempotent_create(campaigns: CampaignsHarness) -> None:
    headers = {**campaigns.auth(), "Idempotency-Key": "k-1"}
    first = await campaigns.client.post("/v1/campaigns", json={"name": "x"}, headers=headers)
    again = await campaigns.client.post("/v1/campaigns", json={"name": "x"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert (
        again.headers["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    )
