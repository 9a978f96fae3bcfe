"""Stage moves: events, closing, reopening, illegal moves and optimistic concurrency."""

from __future__ import annotations

from .conftest import DealsHarness


async def test_moves_close_and_reopen_with_their_events(deals: DealsHarness) -> None:
    deal = await deals.create(amount="5000000")
    url = f"/v1/deals/{deal['id']}"
    proposal = await deals.move(deal["id"], "proposal_quote", probability=70)
    assert proposal.status_code == 200, proposal.text
    assert (proposal.json()["stage"], proposal.json()["probability"]) == ("proposal_quote", 70)
    won = await deals.client.post(
        f"{url}/stage", json={"stage": "closed_won"}, headers={**deals.auth(), "If-Match": '"2"'}
    )
    assert won.status_code == 200, won.text
    body = won.json()
    assert body["status"] == "won" and body["probability"] == 100 and body["closed_at"]
    reopened = await deals.move(deal["id"], "negotiation_review")
    assert reopened.status_code == 200
    body = reopened.json()
    assert body["status"] == "open" and body["closed_at"] is None and body["probability"] == 80
    lost = await deals.move(deal["id"], "closed_lost", lost_reason="Harga terlalu tinggi")
    assert lost.status_code == 200
    body = lost.json()
    assert body["status"] == "lost" and body["lost_reason"] == "Harga terlalu tinggi"
    history = [(h["from_stage"], h["to_stage"], h["reopened"]) for h in body["stage_history"]]
    assert history == [
        (None, "prospecting", False),
        ("prospecting", "proposal_quote", False),
        ("proposal_quote", "closed_won", False),
        ("closed_won", "negotiation_review", True),
        ("negotiation_review", "closed_lost", False),
    ]
    assert all(h["by"] == "user_admin" and h["at"] for h in body["stage_history"])

    changes = await deals.wait_events(4, "DealStageChanged")
    summary = [
        (e.data["from_stage"], e.data["to_stage"], e.data["is_won"], e.data["was_won"])
        for e in changes
    ]
    assert summary == [
        ("prospecting", "proposal_quote", False, False),
        ("proposal_quote", "closed_won", True, False),
        ("closed_won", "negotiation_review", False, True),
        ("negotiation_review", "closed_lost", False, False),
    ]
    assert changes[0].data["probability"] == 70 and changes[0].data["amount"] == "5000000"
    assert changes[3].data["is_lost"] is True
    [won_event] = await deals.wait_events(1, "DealWon")
    assert won_event.data["amount"] == "5000000" and won_event.data["closed_by"] == "user_admin"
    [lost_event] = await deals.wait_events(1, "DealLost")
    assert lost_event.data["lost_reason"] == "Harga terlalu tinggi"
    assert all(e.subject == deal["id"] for e in deals.events())


async def test_illegal_moves_are_clear_4xx(deals: DealsHarness) -> None:
    other = await deals.client.post(
        "/v1/pipelines",
        json={
            "name": "Partners",
            "stages": [
                {"name": "Intro", "probability": 5},
                {"name": "Won", "probability": 100, "kind": "won"},
                {"name": "Lost", "probability": 0, "kind": "lost"},
            ],
        },
        headers=deals.auth(),
    )
    assert other.status_code == 201
    deal = await deals.create()
    cases = [
        ({"stage": "nowhere"}, 422, "not a stage"),
        ({"stage": "intro"}, 422, "not a stage"),
        ({"stage": "closed_lost"}, 422, "lost_reason"),
        ({"stage": "closed_lost", "lost_reason": "  "}, 422, "lost_reason"),
        ({"stage": "qualification", "lost_reason": "x"}, 422, "lost_reason"),
        ({"stage": "closed_won", "probability": 50}, 422, "probability"),
        ({"stage": "prospecting"}, 409, "already"),
        ({"stage": "qualification", "probability": 150}, 422, ""),
        ({"stage": "qualification", "owner_id": "x"}, 422, ""),
    ]
    for body, status, detail in cases:
        response = await deals.client.post(
            f"/v1/deals/{deal['id']}/stage", json=body, headers=deals.auth()
        )
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert detail in str(response.json().get("detail", "")) + str(response.json())
    stale = await deals.client.post(
        f"/v1/deals/{deal['id']}/stage",
        json={"stage": "qualification"},
        headers={**deals.auth(), "If-Match": '"7"'},
    )
    assert stale.status_code == 409
    current = await deals.client.get(f"/v1/deals/{deal['id']}", headers=deals.auth())
    assert current.json()["version"] == 1 and current.json()["stage"] == "prospecting"
