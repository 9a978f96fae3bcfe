"""Listing, search, pagination, tenancy, roles, CSV import/export and rescoring."""

from __future__ import annotations

import csv
import io

from crm_devstack.testing import eventually

from .conftest import LeadsHarness


async def test_cursor_pagination_walks_every_lead_once(leads: LeadsHarness) -> None:
    ids = {(await leads.create(email=f"p{i}@contoh.id"))["id"] for i in range(23)}
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        page = (await leads.client.get("/v1/leads", params=params, headers=leads.auth())).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 5 and len(seen) == 23 and set(seen) == ids
    assert seen == sorted(seen, reverse=True), "newest first by default"
    other_sort = await leads.client.get(
        "/v1/leads", params={"cursor": cursor or "", "sort": "-score"}, headers=leads.auth()
    )
    assert other_sort.status_code in (200, 400)


async def test_filters_and_sort(leads: LeadsHarness) -> None:
    hot = await leads.create(
        source="referral", phone="+6281234567801", company="PT A", title="Director", tags=["vip"]
    )
    cold = await leads.create(source="other", email="x@gmail.com")
    await leads.client.post(
        f"/v1/leads/{cold['id']}/status", json={"status": "contacted"}, headers=leads.auth()
    )

    async def ids(**params: str) -> list[str]:
        response = await leads.client.get("/v1/leads", params=params, headers=leads.auth())
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert await ids(status="contacted") == [cold["id"]]
    assert await ids(source="referral") == [hot["id"]]
    assert await ids(tag="VIP") == [hot["id"]]
    assert await ids(rating=hot["rating"]) == [hot["id"]]
    assert await ids(sort="-score") == [hot["id"], cold["id"]]
    assert await ids(sort="score") == [cold["id"], hot["id"]]
    assert await ids(created_from="2000-01-01T00:00:00Z", created_to="2001-01-01T00:00:00Z") == []
    bad = await leads.client.get("/v1/leads", params={"status": "bogus"}, headers=leads.auth())
    assert bad.status_code == 422


async def test_search_word_prefix_accent_insensitive(leads: LeadsHarness) -> None:
    jose = await leads.create(first_name="José", last_name="Hernández", company="Sinar Jaya")
    await leads.create(first_name="Rina", last_name="Susanti", email="rina@maju.co.id")

    async def search(q: str) -> list[str]:
        response = await leads.client.get("/v1/leads", params={"q": q}, headers=leads.auth())
        assert response.status_code == 200
        return [item["id"] for item in response.json()["items"]]

    assert await search("jose") == [jose["id"]]
    assert await search("HERNAN") == [jose["id"]]
    assert await search("nand") == [], "word prefixes only, not substrings"
    assert await search("jose sinar") == [jose["id"]], "every word must match"
    assert await search("jose rina") == []
    assert await search("jaya") == [jose["id"]]
    assert await search("j") == [jose["id"]], "one-letter prefix"
    assert len(await search("maju.co")) == 1
    assert await search("zzz") == []


async def test_tenant_isolation(leads: LeadsHarness) -> None:
    mine = await leads.create(email="rahasia@contoh.id", company="Rahasia")
    other = leads.auth(tenant="tenant_other")
    assert (await leads.client.get(f"/v1/leads/{mine['id']}", headers=other)).status_code == 404
    listing = await leads.client.get("/v1/leads", headers=other)
    assert listing.json()["items"] == []
    search = await leads.client.get("/v1/leads", params={"q": "rahasia"}, headers=other)
    assert search.json()["items"] == []
    export = await leads.client.get("/v1/leads/export.csv", headers=other)
    assert "rahasia" not in export.text
    patch = await leads.client.patch(
        f"/v1/leads/{mine['id']}", json={"company": "x"}, headers=other
    )
    assert patch.status_code == 404
    delete = await leads.client.delete(f"/v1/leads/{mine['id']}", headers=other)
    assert delete.status_code == 404
    same_email = await leads.client.post(
        "/v1/leads", json={"last_name": "B", "email": "rahasia@contoh.id"}, headers=other
    )
    assert same_email.status_code == 201, "e-mails are unique per tenant, not globally"


async def test_roles_sales_own_marketing_import_viewer_read(leads: LeadsHarness) -> None:
    sales_a = leads.auth("sales", sub="user_a")
    sales_b = leads.auth("sales", sub="user_b")
    created = await leads.client.post("/v1/leads", json={"last_name": "Own"}, headers=sales_a)
    assert created.status_code == 201 and created.json()["owner_id"] == "user_a"
    for_other = await leads.client.post(
        "/v1/leads", json={"last_name": "X", "owner_id": "user_b"}, headers=sales_a
    )
    assert for_other.status_code == 403
    lead_id = created.json()["id"]
    assert (await leads.client.get(f"/v1/leads/{lead_id}", headers=sales_b)).status_code == 404
    assert (await leads.client.get("/v1/leads", headers=sales_b)).json()["items"] == []
    assert len((await leads.client.get("/v1/leads", headers=sales_a)).json()["items"]) == 1
    steal = await leads.client.patch(
        f"/v1/leads/{lead_id}", json={"owner_id": "user_b"}, headers=sales_a
    )
    assert steal.status_code == 403

    marketing = leads.auth("marketing")
    assert (
        await leads.client.post("/v1/leads", json={"last_name": "M"}, headers=marketing)
    ).status_code == 403
    imported = await leads.client.post(
        "/v1/leads/import",
        content=b"last_name\nImported\n",
        headers={**marketing, "content-type": "text/csv"},
    )
    assert imported.status_code == 200 and imported.json()["created"] == 1
    viewer = leads.auth("viewer")
    assert (await leads.client.get("/v1/leads", headers=viewer)).status_code == 200
    assert (await leads.client.delete(f"/v1/leads/{lead_id}", headers=viewer)).status_code == 403
    assert (
        await leads.client.put(
            "/v1/leads/config/scoring", json={"rules": []}, headers=leads.auth("sales_manager")
        )
    ).status_code == 403


async def test_csv_import_reports_rows_and_export_escapes(leads: LeadsHarness) -> None:
    existing = await leads.create(email="ada@contoh.id")
    rows = [
        "nama,email,no_hp,perusahaan,sumber,label",
        "Andi Wijaya,andi@contoh.id,0812-1111-2222,PT Andi,rujukan,vip;event",
        "Budi,bukan-email,,,,",
        "Citra Lestari,ada@contoh.id,,,,",
        'Dewi,dewi@contoh.id,,=HYPERLINK("x"),web,',
        "Eko,andi@contoh.id,,,,",
        ",,,,,",
    ]
    response = await leads.client.post(
        "/v1/leads/import",
        content=("\ufeff" + "\n".join(rows) + "\n").encode(),
        headers={**leads.auth(), "content-type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["rows"] == 5 and report["created"] == 2
    assert report["failed"] == 1 and report["errors"][0]["row"] == 3
    assert "email" in report["errors"][0]["message"]
    assert report["duplicates"] == 2
    by_row = {d["row"]: d for d in report["duplicate_rows"]}
    assert by_row[4]["existing_id"] == existing["id"]
    assert 6 in by_row

    listing = (
        await leads.client.get("/v1/leads", params={"q": "andi"}, headers=leads.auth())
    ).json()
    [andi] = listing["items"]
    assert andi["first_name"] == "Andi" and andi["source"] == "referral"
    assert andi["phone"] == "+6281211112222" and andi["tags"] == ["vip", "event"]

    export = await leads.client.get("/v1/leads/export.csv", headers=leads.auth())
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    records = list(csv.DictReader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert len(records) == 3
    dewi = next(r for r in records if r["email"] == "dewi@contoh.id")
    assert dewi["company"].startswith("'="), "formula injection is neutralised"
    filtered = await leads.client.get(
        "/v1/leads/export.csv", params={"source": "web"}, headers=leads.auth()
    )
    assert len(list(csv.DictReader(io.StringIO(filtered.text.lstrip("\ufeff"))))) == 1


async def test_bad_csv_uploads(leads: LeadsHarness) -> None:
    wrong_type = await leads.client.post(
        "/v1/leads/import",
        content=b"last_name\nX\n",
        headers={**leads.auth(), "content-type": "application/json"},
    )
    assert wrong_type.status_code == 400
    not_utf8 = await leads.client.post(
        "/v1/leads/import",
        content=b"last_name\n\xff\xfe\n",
        headers={**leads.auth(), "content-type": "text/csv"},
    )
    assert not_utf8.status_code == 400
    assert "UTF-8" in not_utf8.json()["detail"]


async def test_rule_change_rescores_existing_leads(leads: LeadsHarness) -> None:
    lead = await leads.create(company="PT Besar", source="event")
    rules = {
        "rules": [
            {"name": "event leads", "field": "source", "op": "eq", "value": "event", "points": 90}
        ],
        "hot_threshold": 80,
        "warm_threshold": 40,
    }
    put = await leads.client.put("/v1/leads/config/scoring", json=rules, headers=leads.auth())
    assert put.status_code == 200, put.text
    assert put.json()["rules"][0]["id"] == "rule_1"

    async def rescored() -> bool:
        body = (await leads.client.get(f"/v1/leads/{lead['id']}", headers=leads.auth())).json()
        return bool(body["score"] == 90 and body["rating"] == "hot")

    await eventually(rescored, what="background rescoring")
    fresh = await leads.create(source="event")
    assert fresh["score"] == 90 and fresh["score_reasons"][0]["name"] == "event leads"
    bad = await leads.client.put(
        "/v1/leads/config/scoring",
        json={"rules": [{"name": "r", "field": "$where", "op": "eq", "value": 1, "points": 1}]},
        headers=leads.auth(),
    )
    assert bad.status_code == 422
