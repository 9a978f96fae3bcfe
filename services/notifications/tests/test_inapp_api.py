"""In-app notifications on the real stack: events in, the caller's inbox out."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from crm_devstack.testing import eventually, unique_name
from crm_shared.events.catalogue import CaseOpened, DealStageChanged, LeadAssigned

from .conftest import NotificationsHarness

INBOX = "/v1/notifications"


def assigned(lead_id: str, owner: str, by: str = "user_manager") -> LeadAssigned:
    """LeadAssigned of ``lead_id`` to ``owner``."""
    return LeadAssigned(lead_id=lead_id, owner_id=owner, assigned_by=by, method="manual")


def urgent_case(case_id: str, priority: str = "urgent") -> CaseOpened:
    """CaseOpened with ``priority``."""
    return CaseOpened(
        case_id=case_id,
        subject_line="Checkout broken",
        type="incident",
        priority=priority,
        sla_due_at=datetime(2026, 1, 1, tzinfo=UTC),
        opened_by="user_agent",
    )


async def inbox(
    n: NotificationsHarness, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    """The first page of the caller's notifications."""
    response = await n.client.get(INBOX, params={"limit": 200, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def wait_inbox(
    n: NotificationsHarness, headers: dict[str, str], count: int
) -> list[dict[str, Any]]:
    """The caller's notifications once there are at least ``count``."""

    async def enough() -> list[dict[str, Any]] | None:
        items = await inbox(n, headers)
        return items if len(items) >= count else None

    found: list[dict[str, Any]] = await eventually(enough, timeout=20, what=f"{count} items")
    return found


async def unread(n: NotificationsHarness, headers: dict[str, str]) -> int:
    """The caller's unread count."""
    response = await n.client.get(f"{INBOX}/unread-count", headers=headers)
    assert response.status_code == 200, response.text
    return int(response.json()["unread"])


async def test_lead_assignment_reaches_only_the_new_owner(
    notifications: NotificationsHarness,
) -> None:
    n = notifications
    owner = n.auth("sales", sub="user_a")
    sent = await n.publish("leads", assigned("lead_1", "user_a"))
    (item,) = await wait_inbox(n, owner, 1)
    assert item["title"] == "Lead assigned to you" and item["link"] == "/leads/lead_1"
    assert item["recipient_id"] == "user_a" and item["role"] is None and item["read"] is False
    assert item["source_event_id"] == sent.id and item["kind"] == "lead_assigned"
    assert await inbox(n, n.auth("sales", sub="user_b")) == []
    assert await inbox(n, n.auth("sales", sub="user_a", tenant=unique_name("other_"))) == []
    not_yours = await n.client.post(f"{INBOX}/{item['id']}/read", headers=n.auth(sub="user_b"))
    assert not_yours.status_code == 404
    assert not_yours.headers["content-type"].startswith("application/problem+json")
    (event,) = await n.wait_events(1, "NotificationSent")
    assert event.data["channel"] == "in_app" and event.data["recipient"] == "user_a"
    assert event.data["notification_id"] == item["id"]


async def test_redelivered_event_adds_nothing(notifications: NotificationsHarness) -> None:
    n = notifications
    owner = n.auth("sales", sub="user_a")
    first = await n.publish("leads", assigned("lead_2", "user_a"))
    await wait_inbox(n, owner, 1)
    await n.publish("leads", assigned("lead_2", "user_a"), envelope=first)
    await n.publish("leads", assigned("lead_2", "user_a", by="user_other"))  # same key: after it
    items = await wait_inbox(n, owner, 2)
    await n.wait_events(2, "NotificationSent")
    assert len(items) == 2 and len({i["source_event_id"] for i in items}) == 2
    assert len(n.events("NotificationSent")) == 2


async def test_deal_owner_hears_of_stage_moves_by_others(
    notifications: NotificationsHarness,
) -> None:
    n = notifications
    owner = n.auth("sales", sub="user_owner")

    def moved(to: str, by: str) -> DealStageChanged:
        return DealStageChanged(
            deal_id="deal_1",
            pipeline_id="pipe_1",
            from_stage="qualification",
            to_stage=to,
            amount=Decimal("10"),
            currency="IDR",
            probability=50,
            owner_id="user_owner",
            changed_by=by,
        )

    await n.publish("deals", moved("proposal", "user_owner"))  # own move: quiet
    await n.publish("deals", moved("negotiation", "user_manager"))
    (item,) = await wait_inbox(n, owner, 1)
    assert item["data"]["from_stage"] == "qualification"
    assert item["data"]["to_stage"] == "negotiation" and item["link"] == "/deals/deal_1"


async def test_urgent_case_reaches_each_support_agent_with_own_read_state(
    notifications: NotificationsHarness,
) -> None:
    n = notifications
    agent_1, agent_2 = n.auth("support", sub="agent_1"), n.auth("support", sub="agent_2")
    await n.publish("contacts", urgent_case("case_1", "high"))
    await n.publish("contacts", urgent_case("case_1"))
    (item,) = await wait_inbox(n, agent_1, 1)
    assert item["role"] == "support" and item["recipient_id"] is None
    assert await inbox(n, n.auth("sales", sub="agent_3")) == []
    (event,) = await n.wait_events(1, "NotificationSent")
    assert event.data["recipient"] == "role:support"
    read = await n.client.post(f"{INBOX}/{item['id']}/read", headers=agent_1)
    assert read.status_code == 200 and read.json()["read"] is True
    again = await n.client.post(f"{INBOX}/{item['id']}/read", headers=agent_1)
    assert again.status_code == 200, "marking read twice is fine"
    assert await unread(n, agent_1) == 0 and await unread(n, agent_2) == 1
    assert await inbox(n, agent_1, unread_only="true") == []
    assert [i["id"] for i in await inbox(n, agent_2, unread_only="true")] == [item["id"]]


async def test_pages_counts_and_read_all(notifications: NotificationsHarness) -> None:
    n = notifications
    user = n.auth("sales", "support", sub="user_a")
    for i in range(3):
        await n.publish("leads", assigned(f"lead_p{i}", "user_a"))
    await n.publish("contacts", urgent_case("case_p"))
    items = await wait_inbox(n, user, 4)
    times = [datetime.fromisoformat(i["created_at"]) for i in items]
    assert times == sorted(times, reverse=True)  # (strings: a whole second has no fraction)
    assert await unread(n, user) == 4
    first = await n.client.get(INBOX, params={"limit": 3}, headers=user)
    body = first.json()
    assert len(body["items"]) == 3 and body["next_cursor"]
    rest = await n.client.get(
        INBOX, params={"limit": 3, "cursor": body["next_cursor"]}, headers=user
    )
    assert [i["id"] for i in body["items"] + rest.json()["items"]] == [i["id"] for i in items]
    assert rest.json()["next_cursor"] is None
    await n.client.post(f"{INBOX}/{items[1]['id']}/read", headers=user)
    assert await unread(n, user) == 3
    unread_ids = [i["id"] for i in await inbox(n, user, unread_only="true")]
    assert unread_ids == [i["id"] for i in items if i["id"] != items[1]["id"]]
    done = await n.client.post(f"{INBOX}/read-all", headers=user)
    assert done.status_code == 200 and done.json()["read_through"] == items[0]["id"]
    assert await unread(n, user) == 0 and await inbox(n, user, unread_only="true") == []
    assert all(i["read"] for i in await inbox(n, user))
    await n.publish("leads", assigned("lead_p9", "user_a"))
    await eventually(lambda: unread(n, user), timeout=20, what="a new unread one")
    assert await unread(n, n.auth("support", sub="agent_x")) == 1, "others keep their state"


async def test_bad_requests_answer_problems(notifications: NotificationsHarness) -> None:
    n = notifications
    user = n.auth("sales", sub="user_a")
    cases = [
        (await n.client.get(INBOX), 401),
        (await n.client.get(INBOX, params={"limit": 0}, headers=user), 422),
        (await n.client.get(INBOX, params={"cursor": "nope"}, headers=user), 400),
        (await n.client.get(INBOX, params={"extra": 1}, headers=user), 422),
        (await n.client.post(f"{INBOX}/ntf_missing/read", headers=user), 404),
        (await n.client.post(f"{INBOX}/read-all", headers=n.auth("viewer")), 403),
        (await n.client.get(f"{INBOX}/stream", params={"last_event_id": "x"}, headers=user), 400),
    ]
    for response, status in cases:
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
