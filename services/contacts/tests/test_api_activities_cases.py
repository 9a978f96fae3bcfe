"""Activities (timeline, tasks, roles) and cases (SLA, status rules, CaseResolved, roles)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crm_devstack.testing import eventually

from .conftest import ContactsHarness


async def test_timeline_newest_first_with_filters_and_task_completion(
    contacts: ContactsHarness,
) -> None:
    contact = await contacts.contact()
    now = datetime.now(UTC)
    async with contacts.reader() as reader:
        made = []
        for i, kind in enumerate(["note", "call", "meeting", "task", "email"]):
            body = {
                "kind": kind,
                "subject": f"{kind} {i}",
                "contact_id": contact["id"],
                "occurred_at": (now - timedelta(days=5 - i)).isoformat(),
            }
            if kind == "task":
                body["due_at"] = (now + timedelta(days=1)).isoformat()
            made.append(await contacts.post("/v1/activities", body))
        await contacts.post(
            "/v1/activities", {"kind": "note", "subject": "deal", "deal_id": "deal_1"}
        )
        timeline = await contacts.get("/v1/activities", contact_id=contact["id"])
        assert [a["id"] for a in timeline["items"]] == [a["id"] for a in reversed(made)]
        task = made[3]
        assert task["done"] is False and made[0]["done"] is None
        open_tasks = await contacts.get("/v1/activities", open_tasks="true")
        assert [a["id"] for a in open_tasks["items"]] == [task["id"]]
        calls = await contacts.get("/v1/activities", kind="call")
        assert [a["id"] for a in calls["items"]] == [made[1]["id"]]
        assert len((await contacts.get("/v1/activities", deal_id="deal_1"))["items"]) == 1
        done = await contacts.client.post(
            f"/v1/activities/{task['id']}/complete", headers=contacts.auth()
        )
        assert done.status_code == 200 and done.json()["done"] is True
        again = await contacts.client.post(
            f"/v1/activities/{task['id']}/complete", headers=contacts.auth()
        )
        assert again.status_code == 409
        not_task = await contacts.client.post(
            f"/v1/activities/{made[0]['id']}/complete", headers=contacts.auth()
        )
        assert not_task.status_code == 409
        assert (await contacts.get("/v1/activities", open_tasks="true"))["items"] == []
        await eventually(
            lambda: contacts.events(reader, "ActivityCompleted"), what="ActivityCompleted"
        )
    logged = contacts.events(reader, "ActivityLogged")
    assert len(logged) == 6
    [completed] = contacts.events(reader, "ActivityCompleted")
    assert completed.data["contact_id"] == contact["id"]
    unlinked = await contacts.client.post(
        "/v1/activities", json={"kind": "call", "subject": "x"}, headers=contacts.auth()
    )
    assert unlinked.status_code == 422
    due_on_call = await contacts.client.post(
        "/v1/activities",
        json={"kind": "call", "subject": "x", "deal_id": "d", "due_at": now.isoformat()},
        headers=contacts.auth(),
    )
    assert due_on_call.status_code == 422


@pytest.mark.parametrize(
    ("role", "read_others", "write"),
    [
        ("admin", 200, 201),
        ("sales_manager", 200, 201),
        ("sales", 404, 201),
        ("marketing", 200, 403),
        ("support", 200, 201),
        ("viewer", 200, 403),
    ],
)
async def test_activity_roles(
    contacts: ContactsHarness, role: str, read_others: int, write: int
) -> None:
    others = await contacts.post(
        "/v1/activities", {"kind": "note", "subject": "theirs", "deal_id": "d1", "owner_id": "u9"}
    )
    headers = contacts.auth(role, sub="user_me")
    got = await contacts.client.get(f"/v1/activities/{others['id']}", headers=headers)
    assert got.status_code == read_others
    created = await contacts.client.post(
        "/v1/activities", json={"kind": "note", "subject": "mine", "deal_id": "d1"}, headers=headers
    )
    assert created.status_code == write
    if role == "sales":
        listed = await contacts.client.get("/v1/activities", headers=headers)
        assert [a["id"] for a in listed.json()["items"]] == [created.json()["id"]]
        edit = await contacts.client.patch(
            f"/v1/activities/{others['id']}", json={"subject": "x"}, headers=headers
        )
        assert edit.status_code == 404


async def test_case_sla_transitions_and_case_resolved(contacts: ContactsHarness) -> None:
    contact = await contacts.contact()
    async with contacts.reader() as reader:
        urgent = await contacts.post(
            "/v1/cases",
            {
                "subject": "Down",
                "type": "incident",
                "priority": "urgent",
                "contact_id": contact["id"],
            },
        )
        low = await contacts.post("/v1/cases", {"subject": "Question", "priority": "low"})
        created = datetime.fromisoformat(urgent["created_at"])
        due = datetime.fromisoformat(urgent["sla_due_at"])
        assert due - created == timedelta(hours=contacts.settings.sla_hours_urgent)
        assert urgent["status"] == "new"
        by_sla = await contacts.get("/v1/cases", sort="sla_due_at")
        assert [c["id"] for c in by_sla["items"]] == [urgent["id"], low["id"]]
        assert [c["id"] for c in (await contacts.get("/v1/cases", priority="low"))["items"]] == [
            low["id"]
        ]
        url = f"/v1/cases/{urgent['id']}/status"

        async def move(status: str, **extra: str) -> int:
            response = await contacts.client.post(
                url, json={"status": status, **extra}, headers=contacts.auth("support")
            )
            return response.status_code

        assert await move("open") == 200
        assert await move("new") == 409
        assert await move("resolved", resolution="restarted") == 200
        assert await move("pending") == 409
        assert await move("open") == 200, "a resolved case can be reopened"
        reopened = await contacts.get(f"/v1/cases/{urgent['id']}")
        assert reopened["resolved_at"] is None and reopened["status"] == "open"
        assert await move("resolved") == 200
        assert await move("closed") == 200
        final = await contacts.client.post(url, json={"status": "open"}, headers=contacts.auth())
        assert final.status_code == 409 and "final" in final.json()["detail"]
        reprioritised = await contacts.client.patch(
            f"/v1/cases/{low['id']}", json={"priority": "high"}, headers=contacts.auth()
        )
        moved_due = datetime.fromisoformat(reprioritised.json()["sla_due_at"])
        low_created = datetime.fromisoformat(low["created_at"])
        assert moved_due - low_created == timedelta(hours=contacts.settings.sla_hours_high)
        assert [c["id"] for c in (await contacts.get("/v1/cases", status="closed"))["items"]] == [
            urgent["id"]
        ]
        await eventually(
            lambda: len(contacts.events(reader, "CaseResolved")) == 2, what="CaseResolved"
        )
    assert len(contacts.events(reader, "CaseOpened")) == 2
    resolved = contacts.events(reader, "CaseResolved")
    assert resolved[0].data["resolution"] == "restarted"
    assert resolved[0].data["sla_breached"] is False
    assert resolved[0].data["contact_id"] == contact["id"]


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("admin", 200, 201),
        ("sales_manager", 200, 403),
        ("sales", 200, 403),
        ("marketing", 403, 403),
        ("support", 200, 201),
        ("viewer", 200, 403),
    ],
)
async def test_case_roles(contacts: ContactsHarness, role: str, read: int, write: int) -> None:
    case = await contacts.post("/v1/cases", {"subject": "Refund", "type": "complaint"})
    headers = contacts.auth(role, sub="user_me")
    assert (
        await contacts.client.get(f"/v1/cases/{case['id']}", headers=headers)
    ).status_code == read
    created = await contacts.client.post("/v1/cases", json={"subject": "x"}, headers=headers)
    assert created.status_code == write
    status = await contacts.client.post(
        f"/v1/cases/{case['id']}/status", json={"status": "open"}, headers=headers
    )
    assert status.status_code == (200 if write == 201 else 403)


async def test_case_summary_counts_open_cases_by_priority(contacts: ContactsHarness) -> None:
    for priority in ("urgent", "urgent", "low"):
        await contacts.post("/v1/cases", {"subject": "Help", "priority": priority})
    done = await contacts.post("/v1/cases", {"subject": "Done", "priority": "high"})
    resolved = await contacts.client.post(
        f"/v1/cases/{done['id']}/status",
        json={"status": "resolved", "resolution": "answered"},
        headers=contacts.auth("support"),
    )
    assert resolved.status_code == 200, resolved.text
    summary = await contacts.get("/v1/cases/summary")
    assert summary["open_by_priority"] == {"low": 1, "medium": 0, "high": 0, "urgent": 2}
    assert summary["open_total"] == 3 and summary["overdue"] == 0
    marketing = await contacts.client.get("/v1/cases/summary", headers=contacts.auth("marketing"))
    assert marketing.status_code == 403
