"""The score explanation: the rules that fired and the thresholds behind the rating."""

from __future__ import annotations

from .conftest import LeadsHarness

RULES = {
    "rules": [
        {
            "id": "ev",
            "name": "Event leads",
            "field": "source",
            "op": "eq",
            "value": "event",
            "points": 50,
        },
        {
            "name": "Decision maker",
            "field": "title",
            "op": "contains",
            "value": "direktur",
            "points": 30,
        },
        {"name": "Has phone", "field": "phone", "op": "exists", "points": 5},
    ],
    "hot_threshold": 70,
    "warm_threshold": 40,
    "junk_below": 5,
}


async def test_the_explanation_lists_the_rules_that_fired_and_the_thresholds(
    leads: LeadsHarness,
) -> None:
    put = await leads.client.put("/v1/leads/config/scoring", json=RULES, headers=leads.auth())
    assert put.status_code == 200, put.text
    lead = await leads.create(source="event", title="Direktur Utama")

    response = await leads.client.get(f"/v1/leads/{lead['id']}/score", headers=leads.auth("viewer"))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "score": 80,
        "rating": "hot",
        "reasons": [
            {"rule_id": "ev", "name": "Event leads", "points": 50},
            {"rule_id": "rule_2", "name": "Decision maker", "points": 30},
        ],
        "junk_flag": False,
        "hot_threshold": 70,
        "warm_threshold": 40,
        "junk_below": 5,
        "up_to_date": True,
    }

    junk = await leads.create(source="event", junk=True)
    explained = (
        await leads.client.get(f"/v1/leads/{junk['id']}/score", headers=leads.auth())
    ).json()
    assert explained["rating"] == "junk" and explained["junk_flag"] is True
    assert explained["score"] == 50


async def test_the_explanation_follows_the_lead_visibility(leads: LeadsHarness) -> None:
    others = await leads.create()
    own = await leads.client.post(
        "/v1/leads", json={"last_name": "Sari"}, headers=leads.auth("sales", sub="user_sri")
    )
    assert own.status_code == 201, own.text
    sales = leads.auth("sales", sub="user_sri")

    mine = await leads.client.get(f"/v1/leads/{own.json()['id']}/score", headers=sales)
    assert mine.status_code == 200 and mine.json()["up_to_date"] is True
    hidden = await leads.client.get(f"/v1/leads/{others['id']}/score", headers=sales)
    assert hidden.status_code == 404
    missing = await leads.client.get("/v1/leads/lead_missing/score", headers=leads.auth())
    assert missing.status_code == 404
    anonymous = await leads.client.get(f"/v1/leads/{others['id']}/score")
    assert anonymous.status_code == 401
