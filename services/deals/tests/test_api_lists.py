"""Deal lists (filters, search, cursor pages) and the kanban board."""

from __future__ import annotations

from .conftest import DealsHarness


async def _ids(deals: DealsHarness, **params: object) -> list[str]:
    return [d["id"] for d in await deals.deals(**params)]


async def test_filters_search_and_pages(deals: DealsHarness) -> None:
    a = await deals.create(
        name="Lisensi ERP Jakarta",
        owner_id="user_a",
        account_id="acct_1",
        contacts=[{"contact_id": "contact_1", "role": "champion"}],
        expected_close_date="2025-03-10",
    )
    b = await deals.create(
        name="Server Surabaya", owner_id="user_b", expected_close_date="2025-04-01"
    )
    c = await deals.create(name="ERP Bandung", owner_id="user_a", account_id="acct_2")
    lost = await deals.move(c["id"], "closed_lost", lost_reason="budget")
    assert lost.status_code == 200
    pipeline_id = a["pipeline_id"]

    assert await _ids(deals) == [c["id"], b["id"], a["id"]]
    assert await _ids(deals, owner_id="user_a") == [c["id"], a["id"]]
    assert await _ids(deals, account_id="acct_1") == [a["id"]]
    assert await _ids(deals, contact_id="contact_1") == [a["id"]]
    assert await _ids(deals, status="lost") == [c["id"]]
    assert await _ids(deals, lost_reason="budget") == [c["id"]]
    assert await _ids(deals, lost_reason="price") == []
    assert await _ids(deals, status="open") == [b["id"], a["id"]]
    assert await _ids(deals, pipeline_id=pipeline_id, stage="prospecting") == [b["id"], a["id"]]
    assert await _ids(deals, pipeline_id=pipeline_id) == [c["id"], b["id"], a["id"]]
    assert await _ids(deals, q="erp") == [c["id"], a["id"]]
    assert await _ids(deals, q="erp jak") == [a["id"]]
    assert await _ids(deals, close_from="2025-03-10", close_to="2025-03-31") == [a["id"]]
    assert await _ids(deals, close_from="2025-03-11") == [b["id"]]

    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await deals.client.get("/v1/deals", params=params, headers=deals.auth())
        assert page.status_code == 200
        seen += [d["id"] for d in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [c["id"], b["id"], a["id"]]
    foreign = await deals.client.get(
        "/v1/deals", params={"cursor": cursor or "x", "status": "open"}, headers=deals.auth()
    )
    assert foreign.status_code == 400


async def test_board_columns_totals_and_cursors(deals: DealsHarness) -> None:
    created = [
        await deals.create(name=f"Deal {i}", amount="1000", owner_id=owner)
        for i, owner in enumerate(["user_a", "user_a", "user_b", "user_a"])
    ]
    await deals.move(created[0]["id"], "qualification")
    await deals.create(name="Dollar deal", amount="10", currency="USD", owner_id="user_b")

    response = await deals.client.get("/v1/deals/board?per_stage=2", headers=deals.auth("viewer"))
    assert response.status_code == 200, response.text
    board = response.json()
    assert [s["id"] for s in board["stages"]][:2] == ["prospecting", "qualification"]
    column = board["stages"][0]
    assert column["count"] == 4
    assert column["totals"] == [
        {"currency": "IDR", "count": 3, "amount": "3000", "weighted": "300"},
        {"currency": "USD", "count": 1, "amount": "10", "weighted": "1"},
    ]
    assert len(column["deals"]) == 2 and column["next_cursor"]
    rest = await deals.client.get(
        "/v1/deals",
        params={
            "pipeline_id": board["pipeline_id"],
            "stage": "prospecting",
            "cursor": column["next_cursor"],
        },
        headers=deals.auth(),
    )
    assert rest.status_code == 200, rest.text
    shown = [d["id"] for d in column["deals"]] + [d["id"] for d in rest.json()["items"]]
    assert len(shown) == 4 and created[0]["id"] not in shown
    qualification = board["stages"][1]
    assert [d["id"] for d in qualification["deals"]] == [created[0]["id"]]
    assert qualification["totals"][0]["weighted"] == "200"
    assert board["stages"][2]["deals"] == [] and board["stages"][2]["totals"] == []

    mine = await deals.client.get("/v1/deals/board", headers=deals.auth("sales", sub="user_a"))
    first = mine.json()["stages"][0]
    assert first["count"] == 2
    assert {d["owner_id"] for d in first["deals"]} == {"user_a"}
