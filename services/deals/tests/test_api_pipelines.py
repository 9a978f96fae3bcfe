"""Pipelines API: the default pipeline, editing stages, and who may write."""

from __future__ import annotations

import asyncio
from typing import Any

from .conftest import DealsHarness

CUSTOM = [
    {"name": "Discovery", "probability": 15},
    {"name": "Demo", "probability": 50},
    {"name": "Won", "probability": 100, "kind": "won"},
    {"name": "Lost", "probability": 0, "kind": "lost"},
]


async def _pipelines(deals: DealsHarness) -> list[dict[str, Any]]:
    response = await deals.client.get("/v1/pipelines", headers=deals.auth("sales"))
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def test_default_pipeline_is_created_once_on_first_use(deals: DealsHarness) -> None:
    results = await asyncio.gather(*(_pipelines(deals) for _ in range(4)))
    assert all(len(items) == 1 for items in results)
    assert len({items[0]["id"] for items in results}) == 1
    default = results[0][0]
    assert default["is_default"] is True and default["name"] == "Sales pipeline"
    assert [s["id"] for s in default["stages"]][:2] == ["prospecting", "qualification"]
    assert default["stages"][-2] == {
        "id": "closed_won",
        "name": "Closed Won",
        "probability": 100,
        "kind": "won",
    }
    other = await deals.client.get("/v1/pipelines", headers=deals.auth(tenant="tenant_other_x"))
    assert other.json()["items"][0]["id"] != default["id"]


async def test_create_edit_and_delete_a_pipeline(deals: DealsHarness) -> None:
    created = await deals.client.post(
        "/v1/pipelines", json={"name": "Partners", "stages": CUSTOM}, headers=deals.auth()
    )
    assert created.status_code == 201, created.text
    pipe = created.json()
    assert [s["id"] for s in pipe["stages"]] == ["discovery", "demo", "won", "lost"]
    assert pipe["is_default"] is False
    assert len(await _pipelines(deals)) == 2

    url = f"/v1/pipelines/{pipe['id']}"
    stages = [
        {"id": "demo", "name": "Product demo", "probability": 55},
        {"id": "discovery", "name": "Discovery", "probability": 15},
        {"name": "Trial", "probability": 70},
        *pipe["stages"][2:],
    ]
    edited = await deals.client.patch(
        url, json={"name": "Partner deals", "stages": stages}, headers=deals.auth("sales_manager")
    )
    assert edited.status_code == 200, edited.text
    body = edited.json()
    assert body["name"] == "Partner deals" and body["version"] == 2
    assert [(s["id"], s["probability"]) for s in body["stages"]][:3] == [
        ("demo", 55),
        ("discovery", 15),
        ("trial", 70),
    ]
    stale = await deals.client.patch(
        url, json={"name": "x"}, headers={**deals.auth(), "If-Match": '"1"'}
    )
    assert stale.status_code == 409

    # a stage holding a deal cannot be removed; an empty one can
    deal = await deals.create(pipeline_id=pipe["id"], stage="trial")
    without_trial = [s for s in body["stages"] if s["id"] != "trial"]
    blocked = await deals.client.patch(url, json={"stages": without_trial}, headers=deals.auth())
    assert blocked.status_code == 409
    assert blocked.json()["stage"] == "trial"
    without_demo = [s for s in body["stages"] if s["id"] != "demo"]
    removed = await deals.client.patch(url, json={"stages": without_demo}, headers=deals.auth())
    assert removed.status_code == 200, removed.text

    in_use = await deals.client.delete(url, headers=deals.auth())
    assert in_use.status_code == 409
    gone = await deals.client.delete(f"/v1/deals/{deal['id']}", headers=deals.auth())
    assert gone.status_code == 204
    assert (await deals.client.delete(url, headers=deals.auth())).status_code == 204
    default = (await _pipelines(deals))[0]
    undeletable = await deals.client.delete(f"/v1/pipelines/{default['id']}", headers=deals.auth())
    assert undeletable.status_code == 409


async def test_invalid_pipelines_are_422(deals: DealsHarness) -> None:
    post = deals.client.post
    two_won = [*CUSTOM, {"name": "Won too", "probability": 100, "kind": "won"}]
    for stages in (two_won, CUSTOM[:1] * 3, [{**CUSTOM[0], "probability": 101}, *CUSTOM[1:]]):
        response = await post(
            "/v1/pipelines", json={"name": "Bad", "stages": stages}, headers=deals.auth()
        )
        assert response.status_code == 422, stages
        assert response.headers["content-type"] == "application/problem+json"
    extra = await post("/v1/pipelines", json={"name": "X", "tenant_id": "t"}, headers=deals.auth())
    assert extra.status_code == 422
    default = (await _pipelines(deals))[0]
    flipped = [
        {**s, "kind": "open", "probability": 50} if s["id"] == "closed_won" else s
        for s in default["stages"]
    ]
    response = await deals.client.patch(
        f"/v1/pipelines/{default['id']}", json={"stages": flipped}, headers=deals.auth()
    )
    assert response.status_code == 422
    assert "kind cannot change" in response.json()["detail"]


async def test_only_admins_and_managers_write_pipelines(deals: DealsHarness) -> None:
    for role in ("sales", "viewer", "marketing"):
        response = await deals.client.post(
            "/v1/pipelines", json={"name": "Mine"}, headers=deals.auth(role)
        )
        assert response.status_code == 403, role
    ok = await deals.client.post(
        "/v1/pipelines", json={"name": "Mine"}, headers=deals.auth("sales_manager")
    )
    assert ok.status_code == 201
    assert len(ok.json()["stages"]) == 9
    unauthenticated = await deals.client.get("/v1/pipelines")
    assert unauthenticated.status_code == 401
