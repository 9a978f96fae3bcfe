"""Webhook subscription routes on the real stack: CRUD, the secret shown once, validation,
SSRF refusals, roles, API keys seeing only their own subscriptions, tenant isolation."""

from __future__ import annotations

import time
from typing import Any

import httpx
import jwt
import pytest

from crm_devstack.testing import TokenMinter
from notifications.webhooks.repository import SUBSCRIPTIONS

from .conftest import NotificationsHarness

RECEIVER = "http://127.0.0.1:9/hook"
"""Allow-listed in the test settings; nothing is sent in these tests."""


def api_key_headers(
    minter: TokenMinter, tenant: str, sub: str, scopes: tuple[str, ...] = ("webhooks",)
) -> dict[str, str]:
    """Headers of an API-key principal (the gateway's token for a key: role ``integration``
    and the key's scopes)."""
    now = int(time.time())
    claims = {
        "iss": "crm-gateway",
        "aud": "crm",
        "sub": sub,
        "tid": tenant,
        "roles": ["integration"],
        "scopes": list(scopes),
        "iat": now,
        "exp": now + 600,
    }
    return {"Authorization": f"Bearer {jwt.encode(claims, minter.private_pem, algorithm='EdDSA')}"}


async def create(
    n: NotificationsHarness, headers: dict[str, str] | None = None, **fields: Any
) -> httpx.Response:
    body = {"url": RECEIVER, "event_types": ["Deal*"], **fields}
    return await n.client.post("/v1/webhooks", json=body, headers=headers or n.auth())


async def test_secret_is_shown_once(notifications: NotificationsHarness) -> None:
    n = notifications
    response = await create(n, description="ERP sync")
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["secret"].startswith("whsec_")
    assert response.headers["Location"] == f"/v1/webhooks/{created['id']}"
    assert response.headers["ETag"] == '"1"'
    assert created["owner_id"] == "user_admin"
    assert created["active"] is True
    assert created["consecutive_failures"] == 0
    assert created["tenant_id"] == n.tenant
    read = (await n.client.get(f"/v1/webhooks/{created['id']}", headers=n.auth())).json()
    listed = (await n.client.get("/v1/webhooks", headers=n.auth())).json()["items"]
    for shown in (read, *listed):
        assert not {"secret", "previous_secret", "previous_secret_until"} & set(shown)
    stored = await n.runtime.db[SUBSCRIPTIONS].find_one({"_id": created["id"]})
    assert stored is not None and stored["secret"] == created["secret"]

    rotated = await n.client.post(f"/v1/webhooks/{created['id']}/rotate-secret", headers=n.auth())
    assert rotated.status_code == 200, rotated.text
    assert rotated.json()["secret"].startswith("whsec_")
    assert rotated.json()["secret"] != created["secret"]
    again = (await n.client.get(f"/v1/webhooks/{created['id']}", headers=n.auth())).json()
    assert "secret" not in again
    assert again["version"] == 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"event_types": ["DealWonned"]}, "event_types"),
        ({"event_types": ["Dael*"]}, "event_types"),
        ({"event_types": ["{$ne: 1}"]}, "event_types"),
        ({"event_types": []}, "event_types"),
        ({"url": "https://example.com/" + "x" * 2100}, "url"),
        ({"color": "red"}, "color"),
    ],
)
async def test_invalid_subscriptions_are_422(
    notifications: NotificationsHarness, fields: dict[str, Any], field: str
) -> None:
    response = await create(notifications, **fields)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.text


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "https://127.0.0.2/hook",
        "https://10.0.0.1/hook",
        "https://172.16.5.4/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://[::ffff:169.254.169.254]/hook",
        "https://user:secret@example.com/hook",
    ],
)
async def test_unsafe_urls_are_refused(notifications: NotificationsHarness, url: str) -> None:
    response = await create(notifications, url=url)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "url"


async def test_allow_listed_host_may_use_http(notifications: NotificationsHarness) -> None:
    response = await create(notifications, url="http://127.0.0.1:8080/hook")
    assert response.status_code == 201, response.text


async def test_update_delete_and_concurrency(notifications: NotificationsHarness) -> None:
    n = notifications
    created = (await create(n, description="first")).json()
    path = f"/v1/webhooks/{created['id']}"
    patched = await n.client.patch(
        path,
        json={"event_types": ["Lead*", "DealWon"], "description": None},
        headers={**n.auth(), "If-Match": '"1"'},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["event_types"] == ["Lead*", "DealWon"]
    assert patched.json()["description"] is None
    stale = await n.client.patch(
        path, json={"active": False}, headers={**n.auth(), "If-Match": '"1"'}
    )
    assert stale.status_code == 409
    bad = await n.client.patch(path, json={"url": "https://10.0.0.1/x"}, headers=n.auth())
    assert bad.status_code == 422
    assert (await n.client.delete(path, headers=n.auth())).status_code == 204
    assert (await n.client.get(path, headers=n.auth())).status_code == 404


async def test_reactivating_clears_the_failure_run(notifications: NotificationsHarness) -> None:
    n = notifications
    created = (await create(n)).json()
    await n.runtime.db[SUBSCRIPTIONS].update_one(
        {"_id": created["id"]},
        {"$set": {"active": False, "consecutive_failures": 3, "disabled_reason": "3 failed"}},
    )
    patched = await n.client.patch(
        f"/v1/webhooks/{created['id']}", json={"active": True}, headers=n.auth()
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["active"] is True
    assert patched.json()["consecutive_failures"] == 0
    assert patched.json()["disabled_reason"] is None


async def test_list_pages_by_cursor(notifications: NotificationsHarness) -> None:
    n = notifications
    ids = [(await create(n, description=str(i))).json()["id"] for i in range(3)]
    first = (await n.client.get("/v1/webhooks", params={"limit": 2}, headers=n.auth())).json()
    assert [w["id"] for w in first["items"]] == ids[:2]
    second = await n.client.get(
        "/v1/webhooks", params={"limit": 2, "cursor": first["next_cursor"]}, headers=n.auth()
    )
    assert [w["id"] for w in second.json()["items"]] == ids[2:]
    assert second.json()["next_cursor"] is None
    bad = await n.client.get("/v1/webhooks", params={"cursor": "nope"}, headers=n.auth())
    assert bad.status_code == 400


async def test_only_admins_and_scoped_keys_may_manage(
    notifications: NotificationsHarness, minter: TokenMinter
) -> None:
    n = notifications
    assert (await n.client.get("/v1/webhooks")).status_code == 401
    assert (await create(n, headers=n.auth("sales_manager"))).status_code == 403
    assert (await n.client.get("/v1/webhooks", headers=n.auth("viewer"))).status_code == 403
    reader_key = api_key_headers(minter, n.tenant, "key_reader", scopes=("deals:read",))
    assert (await create(n, headers=reader_key)).status_code == 403


async def test_api_keys_see_only_their_own(
    notifications: NotificationsHarness, minter: TokenMinter
) -> None:
    n = notifications
    key_a = api_key_headers(minter, n.tenant, "key_a")
    key_b = api_key_headers(minter, n.tenant, "key_b")
    mine = await create(n, headers=key_a)
    assert mine.status_code == 201, mine.text
    assert mine.json()["owner_id"] == "key_a"
    theirs = (await create(n, headers=key_b)).json()
    admins = (await create(n)).json()

    listed = (await n.client.get("/v1/webhooks", headers=key_a)).json()["items"]
    assert [w["id"] for w in listed] == [mine.json()["id"]]
    for other in (theirs["id"], admins["id"]):
        path = f"/v1/webhooks/{other}"
        assert (await n.client.get(path, headers=key_a)).status_code == 404
        patch = await n.client.patch(path, json={"active": False}, headers=key_a)
        assert patch.status_code == 404
        assert (await n.client.delete(path, headers=key_a)).status_code == 404
        rotate = await n.client.post(f"{path}/rotate-secret", headers=key_a)
        assert rotate.status_code == 404
        assert (await n.client.get(f"{path}/deliveries", headers=key_a)).status_code == 404
    everything = (await n.client.get("/v1/webhooks", headers=n.auth())).json()["items"]
    assert len(everything) == 3


async def test_tenants_do_not_see_each_other(notifications: NotificationsHarness) -> None:
    n = notifications
    created = (await create(n)).json()
    stranger = n.auth(tenant="tenant_someone_else")
    assert (
        await n.client.get(f"/v1/webhooks/{created['id']}", headers=stranger)
    ).status_code == 404
    assert (await n.client.get("/v1/webhooks", headers=stranger)).json()["items"] == []
