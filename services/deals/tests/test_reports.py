"""Reports from the incrementally kept read models, their rebuild, and sales targets."""

from __future__ import annotations

import asyncio
import os
import random
import sys
from decimal import Decimal
from typing import Any

from bson import Decimal128

from crm_shared.ids import utcnow
from deals.reports.domain import month_of
from deals.reports.repository import BUCKETS, ReportRepository

from .conftest import DealsHarness


async def test_decimal128_inc_is_exact_on_this_server(deals: DealsHarness) -> None:
    """The read models rely on ``$inc`` adding Decimal128 exactly (measured, not assumed)."""
    collection = deals.runtime.db[BUCKETS]
    key = {"_id": f"{deals.tenant}:probe", "tenant_id": deals.tenant}
    rng = random.Random(7)
    values = [Decimal(rng.randint(-(10**21), 10**21)) / 10**6 for _ in range(50)]
    for value in values:
        await collection.update_one(key, {"$inc": {"v": Decimal128(value)}}, upsert=True)
    doc = await collection.find_one(key)
    assert doc is not None and doc["v"].to_decimal() == sum(values)
    for value in values:
        await collection.update_one(key, {"$inc": {"v": Decimal128(-value)}})
    doc = await collection.find_one(key)
    assert doc is not None and doc["v"].to_decimal() == 0
    await collection.delete_one(key)


async def test_pipeline_forecast_and_win_loss_reports(deals: DealsHarness) -> None:
    a1 = await deals.create(amount="1000", owner_id="user_a", expected_close_date="2025-03-05")
    await deals.create(amount="3000", owner_id="user_b", expected_close_date="2025-03-20")
    a2 = await deals.create(amount="500.25", owner_id="user_a")
    a3 = await deals.create(amount="200", owner_id="user_a", expected_close_date="2025-04-01")
    await deals.move(a1["id"], "proposal_quote")
    await deals.move(a2["id"], "closed_won")
    await deals.move(a3["id"], "closed_lost", lost_reason="price")

    pipeline = (await deals.client.get("/v1/reports/pipeline", headers=deals.auth())).json()
    [pipe] = pipeline["pipelines"]
    stages = {s["id"]: s["totals"] for s in pipe["stages"]}
    assert stages["prospecting"] == [
        {"currency": "IDR", "count": 1, "amount": "3000", "weighted": "300"}
    ]
    assert stages["proposal_quote"] == [
        {"currency": "IDR", "count": 1, "amount": "1000", "weighted": "650"}
    ]
    assert stages["closed_won"][0]["amount"] == "500.25"
    assert pipe["totals"] == [
        {"currency": "IDR", "count": 4, "amount": "4700.25", "weighted": "1450.25"}
    ]

    forecast = (
        await deals.client.get("/v1/reports/forecast?from=2025-03&to=2025-03", headers=deals.auth())
    ).json()
    [march] = forecast["months"]
    assert march["month"] == "2025-03"
    assert march["totals"] == [
        {"currency": "IDR", "count": 2, "best_case": "4000", "weighted": "950"}
    ]
    assert [o["owner_id"] for o in march["owners"]] == ["user_a", "user_b"]
    everything = (await deals.client.get("/v1/reports/forecast", headers=deals.auth())).json()
    assert [m["month"] for m in everything["months"]] == ["2025-03"]  # closed deals left

    month = month_of(utcnow())
    win_loss = (
        await deals.client.get(
            f"/v1/reports/win-loss?from={month}&to={month}", headers=deals.auth()
        )
    ).json()
    assert (win_loss["won"], win_loss["lost"], win_loss["win_rate"]) == (1, 1, 0.5)
    assert win_loss["average_cycle_days"] is not None and win_loss["average_cycle_days"] < 1
    assert win_loss["won_amount"] == [{"currency": "IDR", "amount": "500.25"}]
    assert win_loss["lost_reasons"] == [{"reason": "price", "count": 1}]
    empty = (
        await deals.client.get("/v1/reports/win-loss?from=2020-01&to=2020-12", headers=deals.auth())
    ).json()
    assert empty["won"] == 0 and empty["win_rate"] is None

    sales = deals.auth("sales", sub="user_b")
    own = (await deals.client.get("/v1/reports/pipeline", headers=sales)).json()
    assert own["pipelines"][0]["totals"][0]["count"] == 1
    assert (await deals.client.get("/v1/reports/win-loss", headers=sales)).json()["won"] == 0
    other = await deals.client.get("/v1/reports/forecast?owner_id=user_a", headers=sales)
    assert other.status_code == 403
    for bad in ("from=2025-13&to=2025-14", "from=2025-01", "from=2025-05&to=2025-01"):
        response = await deals.client.get(f"/v1/reports/forecast?{bad}", headers=deals.auth())
        assert response.status_code == 422, bad
    assert (
        await deals.client.get("/v1/reports/pipeline", headers=deals.auth("support"))
    ).status_code == 403


async def test_sales_targets(deals: DealsHarness) -> None:
    month = month_of(utcnow())
    quarter = f"{month[:4]}-Q{(int(month[5:]) - 1) // 3 + 1}"
    put = deals.client.put
    mine = await put(f"/v1/targets/user_a/{month}", json={"amount": "1000"}, headers=deals.auth())
    assert mine.status_code == 200, mine.text
    assert mine.json()["amount"] == "1000" and mine.json()["currency"] == "IDR"
    assert (
        await put(f"/v1/targets/user_a/{quarter}", json={"amount": "3000"}, headers=deals.auth())
    ).status_code == 200
    assert (
        await put(f"/v1/targets/user_b/{month}", json={"amount": "50"}, headers=deals.auth())
    ).status_code == 200
    bad = await put("/v1/targets/user_a/2025-Q5", json={"amount": "1"}, headers=deals.auth())
    assert bad.status_code == 422
    as_sales = await put(
        f"/v1/targets/user_a/{month}", json={"amount": "1"}, headers=deals.auth("sales")
    )
    assert as_sales.status_code == 403

    deal = await deals.create(amount="750", owner_id="user_a")
    await deals.move(deal["id"], "closed_won")
    first = f"{month[:4]}-01"
    last = f"{month[:4]}-12"
    report = await deals.client.get(
        f"/v1/reports/targets?from={first}&to={last}", headers=deals.auth()
    )
    assert report.status_code == 200, report.text
    rows = {(r["owner_id"], r["period"]): r for r in report.json()["targets"]}
    assert rows[("user_a", month)]["won"] == "750"
    assert rows[("user_a", month)]["attainment"] == 0.75
    assert rows[("user_a", quarter)]["won"] == "750"
    assert rows[("user_b", month)]["won"] == "0"
    sales = deals.auth("sales", sub="user_b")
    own = await deals.client.get(f"/v1/reports/targets?from={first}&to={last}", headers=sales)
    assert [r["owner_id"] for r in own.json()["targets"]] == ["user_b"]
    listed = await deals.client.get("/v1/targets?limit=2", headers=deals.auth())
    assert len(listed.json()["items"]) == 2 and listed.json()["next_cursor"]
    assert (
        await deals.client.delete(f"/v1/targets/user_b/{month}", headers=deals.auth())
    ).status_code == 204
    assert (
        await deals.client.delete(f"/v1/targets/user_b/{month}", headers=deals.auth())
    ).status_code == 404


async def _random_change(deals: DealsHarness, rng: random.Random, ids: list[str]) -> None:
    """One random API change: create, edit, stage move or delete."""
    owners = ["user_a", "user_b", "user_c"]
    choice = rng.random()
    if not ids or choice < 0.25:
        body: dict[str, Any] = {
            "name": "Random",
            "amount": f"{rng.randint(0, 10**7)}.{rng.randint(0, 9999):04d}",
            "currency": rng.choice(["IDR", "USD"]),
            "owner_id": rng.choice(owners),
            "expected_close_date": rng.choice([None, "2025-02-10", "2025-07-01"]),
        }
        ids.append((await deals.create(**body))["id"])
        return
    deal_id = rng.choice(ids)
    url = f"/v1/deals/{deal_id}"
    if choice < 0.45:
        patch = rng.choice(
            [
                {"amount": str(rng.randint(1, 10**6))},
                {"probability": rng.randint(0, 100)},
                {"owner_id": rng.choice(owners)},
                {"expected_close_date": rng.choice([None, "2025-12-31"])},
                {"currency": "EUR"},
            ]
        )
        response = await deals.client.patch(url, json=patch, headers=deals.auth())
        assert response.status_code in (200, 422), response.text  # probability of a closed deal
    elif choice < 0.9:
        stage = rng.choice(["qualification", "negotiation_review", "closed_won", "closed_lost"])
        extra = {"lost_reason": rng.choice(["price", "timing"])} if stage == "closed_lost" else {}
        response = await deals.move(deal_id, stage, **extra)
        assert response.status_code in (200, 409), response.text  # same stage
    else:
        assert (await deals.client.delete(url, headers=deals.auth())).status_code == 204
        ids.remove(deal_id)


async def test_rebuild_agrees_with_the_incremental_read_models(deals: DealsHarness) -> None:
    rng = random.Random(2024)
    ids: list[str] = []
    for _ in range(45):
        await _random_change(deals, rng, ids)
    reports = ReportRepository(deals.runtime.db, deals.tenant)
    incremental = await reports.read_all()
    assert incremental
    denied = await deals.client.post("/v1/reports/rebuild", headers=deals.auth("sales_manager"))
    assert denied.status_code == 403
    rebuilt = await deals.client.post("/v1/reports/rebuild", headers=deals.auth())
    assert rebuilt.status_code == 200, rebuilt.text
    assert rebuilt.json() == {"deals": len(ids), "buckets": len(incremental)}
    assert await reports.read_all() == incremental


async def test_concurrent_changes_to_shared_buckets_add_up(deals: DealsHarness) -> None:
    """Fresh buckets upserted by parallel transactions: conflicts retry, nothing is lost."""
    created = await asyncio.gather(*(deals.create(amount="100") for _ in range(8)))
    moves = await asyncio.gather(*(deals.move(d["id"], "qualification") for d in created))
    assert all(m.status_code == 200 for m in moves)
    report = (await deals.client.get("/v1/reports/pipeline", headers=deals.auth())).json()
    stages = {s["id"]: s["totals"] for s in report["pipelines"][0]["stages"]}
    assert stages["qualification"] == [
        {"currency": "IDR", "count": 8, "amount": "800", "weighted": "160"}
    ]
    assert stages["prospecting"] == []


async def test_rebuild_command_line(deals: DealsHarness) -> None:
    await deals.create(amount="42")
    env = {
        **os.environ,
        "CRM_DEALS_MONGO_URL": deals.settings.mongo_url,
        "CRM_DEALS_MONGO_DB": deals.settings.database_name,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "deals.reports.rebuild",
        "--tenant",
        deals.tenant,
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0
    assert out.decode().strip() == f"tenant {deals.tenant}: 1 deals -> 2 buckets"
