"""The gateway in front of leads, contacts and deals processes: the 360-degree view and the
merged OpenAPI document, with every service up and with one stopped."""

from __future__ import annotations

from typing import Any

import httpx

from crm_devstack.servers import stop_all
from crm_devstack.testing import eventually

from .conftest import Platform


async def _converted_contact(platform: Platform, gateway: httpx.AsyncClient) -> str:
    auth = platform.auth()
    lead = await gateway.post(
        "/api/v1/leads",
        json={
            "first_name": "Rina",
            "last_name": "Kusuma",
            "email": "rina@sinar.co.id",
            "company": "PT Sinar",
            "website": "sinar.co.id",
            "source": "web",
        },
        headers=auth,
    )
    assert lead.status_code == 201, lead.text
    lead_id = lead.json()["id"]
    converted = await gateway.post(
        f"/api/v1/leads/{lead_id}/convert",
        json={"create_deal": {"name": "Sinar CRM", "amount": "12000000"}},
        headers=auth,
    )
    assert converted.status_code == 200, converted.text

    async def linked() -> str | None:
        body = (await gateway.get(f"/api/v1/leads/{lead_id}", headers=auth)).json()
        done = body.get("converted") or {}
        return done.get("contact_id") if done.get("deal_id") else None

    contact_id: str = await eventually(linked, timeout=30, what="lead linked to contact and deal")
    return contact_id


async def test_360_view_composes_every_service_and_survives_one_stopped(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    contact_id = await _converted_contact(platform, gateway)
    auth = platform.auth()

    async def deal_linked() -> dict[str, object] | None:
        view = (await gateway.get(f"/api/v1/customers/{contact_id}/360", headers=auth)).json()
        return view if view["deals"]["data"] and view["deals"]["data"]["open"] else None

    view = await eventually(deal_linked, timeout=30, what="the deal in the 360 view")
    assert view["contact"]["status"] == "ok"
    assert view["contact"]["data"]["id"] == contact_id
    assert view["account"]["data"]["domain"] == "sinar.co.id"
    assert [d["name"] for d in view["deals"]["data"]["open"]] == ["Sinar CRM"]
    assert view["purchases_and_rfm"]["status"] == "ok"
    assert view["campaigns"]["status"] == "unavailable", "no campaigns service yet"

    stop_all([platform.launched["deals"].process])
    degraded = await gateway.get(f"/api/v1/customers/{contact_id}/360", headers=auth)
    assert degraded.status_code == 200
    body = degraded.json()
    assert body["deals"]["status"] == "unavailable"
    assert body["contact"]["status"] == "ok" and body["account"]["status"] == "ok"
    missing = await gateway.get("/api/v1/customers/cont_nothing/360", headers=auth)
    assert missing.status_code == 404


async def test_one_openapi_document_covers_every_service_under_the_gateway(
    gateway: httpx.AsyncClient,
) -> None:
    doc = (await gateway.get("/api/openapi.json")).json()
    paths = set(doc["paths"])
    for expected in (
        "/api/v1/auth/token",
        "/api/v1/users",
        "/api/v1/leads",
        "/api/v1/contacts/{contact_id}",
        "/api/v1/deals/{deal_id}/stage",
        "/api/v1/reports/pipeline",
        "/api/v1/customers/{contact_id}/360",
    ):
        assert expected in paths, expected
    assert not [p for p in paths if p.startswith("/v1/")]
    assert "x-unavailable-services" not in doc
    leads, log_in = doc["paths"]["/api/v1/leads"]["get"], doc["paths"]["/api/v1/auth/token"]["post"]
    assert leads["security"] == [{"bearer": []}, {"apiKey": []}], "a service route takes keys too"
    assert "security" not in log_in and "security" not in doc
    assert {"401", "403", "422", "429", "503"} <= set(leads["responses"])
    problem = leads["responses"]["401"]["content"]["application/problem+json"]["schema"]
    assert problem == {"$ref": "#/components/schemas/Problem"}
    refs = {value for value in _strings(doc) if value.startswith("#/components/schemas/")}
    assert all(
        r.removeprefix("#/components/schemas/") in doc["components"]["schemas"] for r in refs
    )
    ui = await gateway.get("/api/docs")
    assert ui.status_code == 200 and "/api/openapi.json" in ui.text


def _strings(node: object) -> list[str]:
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


async def test_dashboard_gathers_each_services_figures_by_role(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    admin = platform.auth()
    lead = await gateway.post(
        "/api/v1/leads", json={"last_name": "Dash", "email": "d@dash.co.id"}, headers=admin
    )
    assert lead.status_code == 201, lead.text
    case = await gateway.post(
        "/api/v1/cases", json={"subject": "Login fails", "priority": "urgent"}, headers=admin
    )
    assert case.status_code == 201, case.text

    board = (await gateway.get("/api/v1/dashboard", headers=admin)).json()
    assert board["new_leads"]["status"] == "ok"
    assert board["new_leads"]["data"]["new_leads"] == 1
    assert board["open_cases"]["data"]["open_by_priority"]["urgent"] == 1
    for name in ("pipeline", "forecast_this_quarter", "win_loss"):
        assert board[name]["status"] == "ok", (name, board[name])
    assert board["forecast_this_quarter"]["data"] == {"months": []}
    first, last = board["win_loss_months"]
    assert last == board["generated_at"][:7] and first < last

    support = (await gateway.get("/api/v1/dashboard", headers=platform.auth("support"))).json()
    assert support["open_cases"]["status"] == "ok"
    assert support["pipeline"]["status"] == "forbidden", "support reads case reports only"

    stop_all([platform.launched["deals"].process])
    degraded = await gateway.get("/api/v1/dashboard", headers=admin)
    assert degraded.status_code == 200
    body = degraded.json()
    assert body["pipeline"]["status"] == "unavailable"
    assert body["new_leads"]["status"] == "ok" and body["open_cases"]["status"] == "ok"


async def test_an_import_job_started_and_read_through_the_gateway(
    platform: Platform, gateway: httpx.AsyncClient
) -> None:
    auth = platform.auth()
    started = await gateway.post(
        "/api/v1/leads/import",
        content=b"last_name,email\nJob,job-gw@contoh.id\n",
        headers={**auth, "content-type": "text/csv", "Prefer": "respond-async"},
    )
    assert started.status_code == 202, started.text
    assert started.headers["preference-applied"] == "respond-async"
    location = started.headers["location"]
    assert location == f"/api/v1/leads/imports/{started.json()['id']}"

    async def finished() -> dict[str, Any] | None:
        job = (await gateway.get(location, headers=auth)).json()
        return job if job["status"] == "succeeded" else None

    job = await eventually(finished, timeout=60, what="the import job finished")
    assert job["report"]["created"] == 1
