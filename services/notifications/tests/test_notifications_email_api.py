"""The e-mail delivery records API: filters, pages, roles, tenant isolation, bad input."""

from __future__ import annotations

from typing import Any

import pytest

from crm_devstack.testing import eventually

from .conftest import NotificationsHarness, email_requested, wait_status


async def emails(n: NotificationsHarness, **params: Any) -> dict[str, Any]:
    """``GET /v1/emails`` as admin of the test's tenant."""
    response = await n.client.get("/v1/emails", params=params, headers=n.auth())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
async def three(notifications: NotificationsHarness) -> dict[str, str]:
    """Three deliveries of the test's tenant: two sent (two campaigns), one refused."""
    n = notifications
    refused = n.address("refused")
    n.smtp.script(refused, "550 5.1.1 no such user")
    events = {
        "sent_a": email_requested(n, n.address("Ani"), campaign_id="cmp_a"),
        "sent_b": email_requested(n, n.address("budi"), campaign_id="cmp_b"),
        "failed": email_requested(n, refused, campaign_id="cmp_a"),
    }
    for event in events.values():
        await n.publish("campaigns", event)
    for name, event in events.items():
        await wait_status(n, event.request_id, "failed" if name == "failed" else "sent")
    return {name: event.request_id for name, event in events.items()}


async def test_filters_and_pages(
    notifications: NotificationsHarness, three: dict[str, str]
) -> None:
    n = notifications
    everything = await emails(n)
    assert {item["request_id"] for item in everything["items"]} == set(three.values())
    assert everything["next_cursor"] is None
    assert all("body_text" not in item for item in everything["items"])

    assert [i["request_id"] for i in (await emails(n, status="failed"))["items"]] == [
        three["failed"]
    ]
    assert {i["request_id"] for i in (await emails(n, status="sent"))["items"]} == {
        three["sent_a"],
        three["sent_b"],
    }
    assert (await emails(n, status="queued"))["items"] == []
    assert {i["request_id"] for i in (await emails(n, campaign_id="cmp_a"))["items"]} == {
        three["sent_a"],
        three["failed"],
    }
    by_address = await emails(n, to=n.address("ani").upper())
    assert [i["request_id"] for i in by_address["items"]] == [three["sent_a"]]

    first = await emails(n, limit=2)
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = await emails(n, limit=2, cursor=first["next_cursor"])
    assert rest["next_cursor"] is None
    paged = [i["request_id"] for i in first["items"] + rest["items"]]
    assert paged == [i["request_id"] for i in everything["items"]]


async def test_other_tenants_see_nothing(
    notifications: NotificationsHarness, three: dict[str, str]
) -> None:
    n = notifications
    other = n.auth(tenant="tenant_other")
    listed = await n.client.get("/v1/emails", headers=other)
    assert listed.status_code == 200
    assert listed.json()["items"] == []
    one = await n.client.get(f"/v1/emails/{three['sent_a']}", headers=other)
    assert one.status_code == 404
    assert one.headers["content-type"] == "application/problem+json"


async def test_readable_by_campaign_readers_only(notifications: NotificationsHarness) -> None:
    n = notifications
    for role in ("viewer", "marketing", "sales"):
        response = await n.client.get("/v1/emails", headers=n.auth(role))
        assert response.status_code == 200, role
    forbidden = await n.client.get("/v1/emails", headers=n.auth("integration"))
    assert forbidden.status_code == 403
    assert (await n.client.get("/v1/emails")).status_code == 401


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"status": "bounced"}, 422),
        ({"limit": 0}, 422),
        ({"limit": 1000}, 422),
        ({"sort": "to"}, 422),
        ({"to": "x" * 400}, 422),
        ({"cursor": "not-a-cursor"}, 400),
    ],
)
async def test_bad_list_input_is_a_problem(
    notifications: NotificationsHarness, params: dict[str, Any], status: int
) -> None:
    n = notifications
    response = await n.client.get("/v1/emails", params=params, headers=n.auth())
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status


async def test_unknown_or_overlong_request_id(notifications: NotificationsHarness) -> None:
    n = notifications
    missing = await n.client.get("/v1/emails/req_missing", headers=n.auth())
    assert missing.status_code == 404
    too_long = await n.client.get(f"/v1/emails/{'r' * 200}", headers=n.auth())
    assert too_long.status_code == 422
    assert too_long.headers["content-type"] == "application/problem+json"


async def test_bad_address_fails_without_reaching_smtp(notifications: NotificationsHarness) -> None:
    n = notifications
    event = email_requested(n, "not-an-address")
    await n.publish("campaigns", event)
    record = await wait_status(n, event.request_id, "failed")
    assert record["permanent"] is True
    assert "invalid recipient" in record["error"]
    await eventually(lambda: n.events("NotificationFailed"), timeout=20, what="failure event")
