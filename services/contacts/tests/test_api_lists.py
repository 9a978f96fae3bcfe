"""Contact and account lists: filters, search, cursor pagination, CSV import and export."""

from __future__ import annotations

import csv
import io

from .conftest import ContactsHarness


async def test_cursor_pagination_walks_every_contact_once(contacts: ContactsHarness) -> None:
    ids = {(await contacts.contact(email=f"p{i}@contoh.id"))["id"] for i in range(12)}
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        page = await contacts.get("/v1/contacts", **params)
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 12 and set(seen) == ids
    assert seen == sorted(seen, reverse=True), "newest first"
    too_big = await contacts.client.get(
        "/v1/contacts", params={"limit": 201}, headers=contacts.auth()
    )
    assert too_big.status_code == 422
    bad_cursor = await contacts.client.get(
        "/v1/contacts", params={"cursor": "garbage"}, headers=contacts.auth()
    )
    assert bad_cursor.status_code == 400


async def test_filters_search_and_sort(contacts: ContactsHarness) -> None:
    account = await contacts.post("/v1/accounts", {"name": "PT Filter"})
    jose = await contacts.contact(
        first_name="José",
        last_name="Hernández",
        email="jose@sinar.co.id",
        phones=["0812-1111-2222"],
        tags=["vip"],
        owner_id="user_a",
        account_id=account["id"],
        lifecycle_stage="prospect",
    )
    budi = await contacts.contact(first_name="Budi", last_name="Santoso", do_not_contact=True)

    async def ids(**params: object) -> list[str]:
        return [c["id"] for c in (await contacts.get("/v1/contacts", **params))["items"]]

    assert await ids(q="jose hern") == [jose["id"]]
    assert await ids(q="081211") == [jose["id"]]
    assert await ids(q="sinar.co") == [jose["id"]]
    assert await ids(q="santo") == [budi["id"]]
    assert await ids(q="zzz") == []
    assert await ids(tag="VIP") == [jose["id"]]
    assert await ids(owner_id="user_a") == [jose["id"]]
    assert await ids(account_id=account["id"]) == [jose["id"]]
    assert await ids(lifecycle_stage="prospect") == [jose["id"]]
    assert await ids(do_not_contact="true") == [budi["id"]]
    assert await ids(rfm_segment="champions") == []
    assert await ids(sort="name") == [jose["id"], budi["id"]]
    assert await ids(created_from="2000-01-01T00:00:00Z", created_to="2001-01-01T00:00:00Z") == []
    for bad in ({"lifecycle_stage": "vip"}, {"rfm_segment": "kings"}, {"sort": "email"}):
        response = await contacts.client.get("/v1/contacts", params=bad, headers=contacts.auth())
        assert response.status_code == 422
    accounts = await contacts.get("/v1/accounts", q="filt")
    assert [a["id"] for a in accounts["items"]] == [account["id"]]


async def test_contact_csv_import_reports_rows_and_export_streams(
    contacts: ContactsHarness,
) -> None:
    existing = await contacts.contact(email="ada@contoh.co.id")
    text = (
        "Nama Depan;Nama Belakang;E-mail;No HP;Tags;custom.kota\n"
        "Andi;Wijaya;andi@contoh.co.id;0812-3456-7890;vip,b2b;Bandung\n"
        "Budi;;budi@contoh.co.id;;;\n"
        ";;nobody@contoh.co.id;;;\n"
        "Cici;Lestari;not-an-email;;;\n"
        "Dedi;Ada;ada@contoh.co.id;;;\n"
        "Eka;Dua;andi@contoh.co.id;;;\n"
        "\"=cmd|' /C calc'!A0\";Formula;;;;\n"
    )
    response = await contacts.client.post(
        "/v1/contacts/import",
        content=text.encode(),
        headers={**contacts.auth(), "content-type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["rows"], report["created"], report["failed"], report["duplicates"]) == (
        7,
        3,
        2,
        2,
    )
    assert [e["row"] for e in report["errors"]] == [4, 5]
    assert {"row": 6, "key": "ada@contoh.co.id", "existing_id": existing["id"]} in report[
        "duplicate_rows"
    ]
    assert {"row": 7, "key": "andi@contoh.co.id", "existing_id": None} in report["duplicate_rows"]
    andi = (await contacts.get("/v1/contacts", q="andi"))["items"][0]
    assert andi["phones"] == ["+6281234567890"] and andi["tags"] == ["vip", "b2b"]
    assert andi["custom"] == {"kota": "Bandung"}
    budi = (await contacts.get("/v1/contacts", q="budi"))["items"][0]
    assert budi["last_name"] == "Budi", "a lone name becomes the last name"
    viewer = await contacts.client.post(
        "/v1/contacts/import",
        content=b"last_name\nX\n",
        headers={**contacts.auth("sales"), "content-type": "text/csv"},
    )
    assert viewer.status_code == 403
    wrong_type = await contacts.client.post(
        "/v1/contacts/import", content=b"last_name\nX\n", headers=contacts.auth()
    )
    assert wrong_type.status_code == 400

    export = await contacts.client.get(
        "/v1/contacts/export.csv", params={"tag": "vip"}, headers=contacts.auth()
    )
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["id", "first_name", "last_name"]
    assert len(rows) == 2 and rows[1][3] == "andi@contoh.co.id"
    everything = await contacts.client.get("/v1/contacts/export.csv", headers=contacts.auth())
    assert "'=cmd" in everything.text, "formula cells are neutralised"


async def test_account_csv_import_and_export(contacts: ContactsHarness) -> None:
    existing = await contacts.post("/v1/accounts", {"name": "Old", "domain": "old.co.id"})
    text = (
        "perusahaan,website,industri,jumlah_karyawan,tipe\n"
        "PT Satu,https://satu.co.id,Retail,10,customer\n"
        "PT Lama,old.co.id,,,\n"
        "PT Dua,,,-5,\n"
        "PT Tiga,tiga.id,,,Reseller\n"
    )
    response = await contacts.client.post(
        "/v1/accounts/import",
        content=text.encode(),
        headers={**contacts.auth(), "content-type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["created"], report["failed"], report["duplicates"]) == (2, 1, 1)
    assert report["duplicate_rows"][0]["existing_id"] == existing["id"]
    export = await contacts.client.get(
        "/v1/accounts/export.csv", params={"sort": "name"}, headers=contacts.auth()
    )
    names = [row[1] for row in csv.reader(io.StringIO(export.text.lstrip("\ufeff")))][1:]
    assert names == ["Old", "PT Satu", "PT Tiga"]
