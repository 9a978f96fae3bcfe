"""Deals API: create, read, edit, delete, validation, roles and tenant isolation."""

from __future__ import annotations

from .conftest import DealsHarness


async def test_create_with_defaults_and_deal_created_event(deals: DealsHarness) -> None:
    response = await deals.client.post(
        "/v1/deals",
        json={
            "name": "Lisensi ERP PT Maju",
            "amount": "1.5E+7",
            "currency": "idr",
            "expected_close_date": "2025-06-30",
            "contacts": [{"contact_id": "contact_1", "role": "decision_maker"}],
            "account_id": "acct_1",
            "campaign_id": "camp_1",
        },
        headers=deals.auth(),
    )
    assert response.status_code == 201, response.text
    deal = response.json()
    assert response.headers["location"] == f"/v1/deals/{deal['id']}"
    assert response.headers["etag"] == '"1"'
    assert deal["id"].startswith("deal_")
    assert deal["stage"] == "prospecting" and deal["status"] == "open"
    assert deal["probability"] == 10
    assert deal["amount"] == "15000000" and deal["currency"] == "IDR"
    assert deal["owner_id"] == "user_admin"
    assert deal["contacts"] == [
        {"contact_id": "contact_1", "role": "decision_maker", "name": None, "email": None}
    ]
    assert deal["stage_history"][0]["to_stage"] == "prospecting"
    assert deal["tenant_id"] == deals.tenant
    assert not {"search", "search_text", "contact_ids", "_id"} & set(deal)

    fetched = await deals.client.get(f"/v1/deals/{deal['id']}", headers=deals.auth("viewer"))
    assert fetched.status_code == 200
    assert fetched.json() == deal

    [event] = await deals.wait_events(1, "DealCreated")
    assert event.subject == deal["id"]
    assert event.data["deal"]["amount"] == "15000000"
    assert event.data["deal"]["contact_ids"] == ["contact_1"]
    assert event.data["created_by"] == "user_admin"


async def test_idempotency_key_replays_the_first_response(deals: DealsHarness) -> None:
    headers = {**deals.auth(), "Idempotency-Key": "create-1"}
    body = {"name": "Once", "amount": "10"}
    first = await deals.client.post("/v1/deals", json=body, headers=headers)
    again = await deals.client.post("/v1/deals", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    other = await deals.client.post("/v1/deals", json={**body, "amount": "11"}, headers=headers)
    assert other.status_code == 422
    assert len(await deals.deals()) == 1


async def test_bad_input_is_problem_json(deals: DealsHarness) -> None:
    post = deals.client.post
    bad_bodies = [
        {"amount": "1"},
        {"name": "X", "amount": "-1"},
        {"name": "X", "amount": "1.00001"},
        {"name": "X", "currency": "rupiah"},
        {"name": "X", "probability": 101},
        {"name": "X", "stage": "closed_won"},
        {"name": "X", "stage": "nowhere"},
        {"name": "X", "stage": "Bad Stage"},
        {"name": "X", "contacts": [{"contact_id": "c"}, {"contact_id": "c"}]},
        {"name": "X", "contacts": [{"contact_id": "c", "role": "boss"}]},
        {"name": "X", "tenant_id": "other"},
        {"name": "X", "version": 3},
        {"name": "X", "stage_history": []},
        {"name": "X", "source_lead_id": "lead_1"},
        {"name": "X", "status": "won"},
        {"name": "X", "custom": {"$where": "1"}},
    ]
    for body in bad_bodies:
        response = await post("/v1/deals", json=body, headers=deals.auth())
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    unknown_pipeline = await post(
        "/v1/deals", json={"name": "X", "pipeline_id": "pipe_nope"}, headers=deals.auth()
    )
    assert unknown_pipeline.status_code == 404
    deal = await deals.create()
    url = f"/v1/deals/{deal['id']}"
    for patch in ({"name": None}, {"amount": None}, {"stage": "qualification"}, {"version": 9}):
        response = await deals.client.patch(url, json=patch, headers=deals.auth())
        assert response.status_code == 422, patch
    bad_match = await deals.client.patch(
        url, json={"name": "Y"}, headers={**deals.auth(), "If-Match": "nope"}
    )
    assert bad_match.status_code == 400
    for query in ("limit=0", "status=maybe", "stage=prospecting", "cursor=garbage", "x=1"):
        listed = await deals.client.get(f"/v1/deals?{query}", headers=deals.auth())
        assert listed.status_code in (400, 422), query
    assert (
        await deals.client.get("/v1/deals/deal_nothere", headers=deals.auth())
    ).status_code == 404


async def test_patch_with_if_match_and_delete(deals: DealsHarness) -> None:
    deal = await deals.create(expected_close_date="2025-05-01")
    url = f"/v1/deals/{deal['id']}"
    patched = await deals.client.patch(
        url,
        json={
            "name": "Bigger",
            "amount": "2500000.5",
            "probability": 35,
            "expected_close_date": None,
        },
        headers={**deals.auth(), "If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["version"] == 2 and patched.headers["etag"] == '"2"'
    assert body["amount"] == "2500000.5" and body["probability"] == 35
    assert body["expected_close_date"] is None and body["stage"] == "prospecting"
    stale = await deals.client.patch(
        url, json={"name": "Lost update"}, headers={**deals.auth(), "If-Match": '"1"'}
    )
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    stale_delete = await deals.client.delete(url, headers={**deals.auth(), "If-Match": '"1"'})
    assert stale_delete.status_code == 409
    assert (await deals.client.delete(url, headers=deals.auth())).status_code == 204
    assert (await deals.client.get(url, headers=deals.auth())).status_code == 404


async def test_change_of_pipeline_moves_to_its_matching_stage(deals: DealsHarness) -> None:
    other = await deals.client.post("/v1/pipelines", json={"name": "B"}, headers=deals.auth())
    deal = await deals.create()
    await deals.move(deal["id"], "negotiation_review")
    moved = await deals.client.patch(
        f"/v1/deals/{deal['id']}", json={"pipeline_id": other.json()["id"]}, headers=deals.auth()
    )
    assert moved.status_code == 200, moved.text
    body = moved.json()
    assert body["pipeline_id"] == other.json()["id"]
    assert (body["stage"], body["probability"]) == ("prospecting", 10)
    assert body["stage_history"][-1]["from_stage"] == "negotiation_review"
    changes = await deals.wait_events(2, "DealStageChanged")
    assert changes[-1].data["pipeline_id"] == other.json()["id"]


async def test_sales_see_and_change_only_their_own_deals(deals: DealsHarness) -> None:
    andi = deals.auth("sales", sub="user_andi")
    budi = deals.auth("sales", sub="user_budi")
    mine = await deals.create(headers=andi)
    assert mine["owner_id"] == "user_andi"
    theirs = await deals.create(headers=budi)
    for_other = await deals.client.post(
        "/v1/deals", json={"name": "X", "owner_id": "user_budi"}, headers=andi
    )
    assert for_other.status_code == 403
    listed = await deals.client.get("/v1/deals", headers=andi)
    assert [d["id"] for d in listed.json()["items"]] == [mine["id"]]
    assert (await deals.client.get("/v1/deals?owner_id=user_budi", headers=andi)).status_code == 403
    url = f"/v1/deals/{theirs['id']}"
    assert (await deals.client.get(url, headers=andi)).status_code == 404
    assert (await deals.client.patch(url, json={"name": "Y"}, headers=andi)).status_code == 404
    stage = await deals.client.post(f"{url}/stage", json={"stage": "qualification"}, headers=andi)
    assert stage.status_code == 404
    give_away = await deals.client.patch(
        f"/v1/deals/{mine['id']}", json={"owner_id": "user_budi"}, headers=andi
    )
    assert give_away.status_code == 403
    viewer = await deals.client.post("/v1/deals", json={"name": "X"}, headers=deals.auth("viewer"))
    assert viewer.status_code == 403
    manager = await deals.client.patch(
        url, json={"owner_id": "user_andi"}, headers=deals.auth("sales_manager")
    )
    assert manager.status_code == 200
    assert (await deals.client.get(url, headers=andi)).status_code == 200


async def test_tenants_are_isolated(deals: DealsHarness) -> None:
    deal = await deals.create()
    other = deals.auth(tenant="tenant_elsewhere")
    url = f"/v1/deals/{deal['id']}"
    assert (await deals.client.get(url, headers=other)).status_code == 404
    assert (await deals.client.patch(url, json={"name": "x"}, headers=other)).status_code == 404
    assert (await deals.client.delete(url, headers=other)).status_code == 404
    listed = await deals.client.get("/v1/deals", headers=other)
    assert deal["id"] not in [d["id"] for d in listed.json()["items"]]
