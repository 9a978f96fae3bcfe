"""Segments over the contact projection fed by real published contact and account events."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from crm_devstack.testing import eventually
from crm_shared.events.catalogue import AccountCreated, ContactDeleted, ContactUpdated
from crm_shared.ids import new_id

from .conftest import CampaignsHarness, snapshot

VIP_RETAIL: dict[str, Any] = {
    "match": "all",
    "rules": [
        {"field": "tags", "op": "contains", "value": "vip"},
        {
            "match": "any",
            "rules": [
                {"field": "account.industry", "op": "eq", "value": "retail"},
                {"field": "purchase_total", "op": "gte", "value": "5000000"},
            ],
        },
    ],
}


async def preview(campaigns: CampaignsHarness, rules: dict[str, Any]) -> dict[str, Any]:
    response = await campaigns.client.post(
        "/v1/segments/preview", json={"rules": rules}, headers=campaigns.auth("viewer")
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_preview_follows_contact_and_account_events(campaigns: CampaignsHarness) -> None:
    retail, other = new_id("acc"), new_id("acc")
    # the account of the first contact is announced before it, the other one after
    first = await campaigns.publish(
        "contacts",
        AccountCreated(
            account_id=retail,
            name="Toko Maju",
            industry="retail",
            employee_count=12,
            type="customer",
        ),
    )
    await eventually(lambda: campaigns.handled(first), what="first account handled")
    a, b, c, d = (
        snapshot(tags=["vip"], account_id=retail),
        snapshot(tags=["vip"], account_id=other, purchase_total=Decimal("7500000")),
        snapshot(tags=["vip"], account_id=other),
        snapshot(tags=["new"], account_id=retail),
    )
    await campaigns.add_contacts(a, b, c, d)
    late = await campaigns.publish(
        "contacts",
        AccountCreated(
            account_id=other,
            name="Pabrik",
            industry="manufacturing",
            employee_count=300,
            type="customer",
        ),
    )
    await eventually(lambda: campaigns.handled(late), what="late account handled")
    result = await preview(campaigns, VIP_RETAIL)
    assert result["count"] == 2
    assert {s["id"] for s in result["sample"]} == {a.contact_id, b.contact_id}

    size: dict[str, Any] = {
        "rules": [{"field": "account.employee_count", "op": "between", "value": [100, 500]}]
    }
    assert (await preview(campaigns, size))["count"] == 2  # copied onto contacts seen earlier

    # a newer version applies, an older (redelivered, reordered) one does not
    newer = snapshot(a.contact_id, tags=["gone"], account_id=retail, version=3)
    older = snapshot(a.contact_id, tags=["vip"], account_id=retail, version=2)
    for snap in (newer, older):
        await campaigns.publish(
            "contacts",
            ContactUpdated(contact_id=a.contact_id, contact=snap, changed_fields=["tags"]),
        )
    await eventually(lambda: _count(campaigns, VIP_RETAIL, 1), what="newer version applied")
    envelope = await campaigns.publish(
        "contacts", ContactDeleted(contact_id=b.contact_id, deleted_by="u")
    )
    await eventually(lambda: campaigns.handled(envelope), what="delete handled")
    assert (await preview(campaigns, VIP_RETAIL))["count"] == 0
    other_tenant = await campaigns.client.post(
        "/v1/segments/preview",
        json={"rules": VIP_RETAIL},
        headers=campaigns.auth(tenant="tenant_x"),
    )
    assert other_tenant.json()["count"] == 0


async def _count(campaigns: CampaignsHarness, rules: dict[str, Any], expected: int) -> bool:
    return bool((await preview(campaigns, rules))["count"] == expected)


async def test_saved_segments_and_bad_rules(campaigns: CampaignsHarness) -> None:
    await campaigns.add_contacts(
        snapshot(lifecycle_stage="lead"), snapshot(lifecycle_stage="customer")
    )
    segment = await campaigns.create_segment(
        name="Leads", rules={"rules": [{"field": "lifecycle_stage", "op": "eq", "value": "lead"}]}
    )
    response = await campaigns.client.get(
        f"/v1/segments/{segment['id']}/preview", headers=campaigns.auth()
    )
    assert response.json()["count"] == 1
    for rules in (
        {"rules": [{"field": "custom.$where", "op": "eq", "value": "1"}]},
        {"rules": [{"field": "lifecycle_stage", "op": "eq", "value": {"$ne": 1}}]},
        {"rules": [{"field": "password", "op": "eq", "value": "x"}]},
    ):
        bad = await campaigns.client.post(
            "/v1/segments/preview", json={"rules": rules}, headers=campaigns.auth()
        )
        assert bad.status_code == 422, rules
    refused = await campaigns.client.post(
        "/v1/segments", json={"name": "x"}, headers=campaigns.auth("viewer")
    )
    assert refused.status_code == 403
    static_with_rules = {
        "name": "x",
        "kind": "static",
        "rules": {"rules": [{"field": "tags", "op": "exists", "value": True}]},
    }
    response = await campaigns.client.post(
        "/v1/segments", json=static_with_rules, headers=campaigns.auth()
    )
    assert response.status_code == 422


async def test_static_lists_by_id_csv_and_merge(campaigns: CampaignsHarness) -> None:
    first, second, third = snapshot(), snapshot(email="dewi@toko.co.id"), snapshot()
    await campaigns.add_contacts(first, second, third)
    segment = await campaigns.create_segment(name="VIP list", kind="static")
    url = f"/v1/segments/{segment['id']}/members"
    added = await campaigns.client.post(
        url,
        json={"contact_ids": [first.contact_id, "con_nobody"]},
        headers=campaigns.auth("marketing"),
    )
    assert added.json() == {"added": 1, "already_members": 0, "unknown": ["con_nobody"]}
    csv = b"email,name\nDEWI@toko.co.id,Dewi\nnobody@x.id,No\n,Budi\n"
    csv_with_id = f"contact_id\n{first.contact_id}\n".encode()
    imported = await campaigns.client.post(
        f"{url}/import", content=csv, headers={**campaigns.auth(), "Content-Type": "text/csv"}
    )
    assert imported.status_code == 200, imported.text
    report = imported.json()
    assert report["created"] == 1 and report["failed"] == 2
    assert sorted(e["row"] for e in report["errors"]) == [3, 4]
    again = await campaigns.client.post(
        f"{url}/import",
        content=csv_with_id,
        headers={**campaigns.auth(), "Content-Type": "text/csv"},
    )
    assert again.json()["created"] == 0
    wrong_type = await campaigns.client.post(f"{url}/import", content=csv, headers=campaigns.auth())
    assert wrong_type.status_code == 400

    # merging the second contact into the third moves its list membership
    envelope = await campaigns.publish(
        "contacts",
        ContactDeleted(contact_id=second.contact_id, merged_into=third.contact_id, deleted_by="u"),
    )
    await eventually(lambda: campaigns.handled(envelope), what="merge handled")
    members = (await campaigns.client.get(url, headers=campaigns.auth())).json()["items"]
    assert {m["id"] for m in members} == {first.contact_id, third.contact_id}
    removed = await campaigns.client.delete(f"{url}/{first.contact_id}", headers=campaigns.auth())
    assert removed.status_code == 204
    assert (
        await campaigns.client.delete(f"{url}/{first.contact_id}", headers=campaigns.auth())
    ).status_code == 404
    seg = (
        await campaigns.client.get(f"/v1/segments/{segment['id']}", headers=campaigns.auth())
    ).json()
    assert seg["member_count"] == 1
    preview_static = await campaigns.client.get(
        f"/v1/segments/{segment['id']}/preview", headers=campaigns.auth()
    )
    assert preview_static.json()["count"] == 1
