"""GET /v1/campaigns/{id}/audience on the real stack: the union of overlapping segments
and the members added by id, evaluated now, with the contacts launch would suppress; once
launched, the frozen figures."""

from __future__ import annotations

from typing import Any

from crm_devstack.testing import eventually
from crm_shared.events.catalogue import ContactUpdated

from .conftest import CampaignsHarness, snapshot


async def audience(campaigns: CampaignsHarness, campaign_id: str, *roles: str) -> Any:
    return await campaigns.client.get(
        f"/v1/campaigns/{campaign_id}/audience", headers=campaigns.auth(*roles)
    )


async def test_audience_before_and_after_launch(campaigns: CampaignsHarness) -> None:
    a, f = snapshot(), snapshot()
    both = snapshot(tags=["vip"])
    lead = snapshot(lifecycle_stage="lead", tags=["vip"])
    dnc = snapshot(do_not_contact=True)
    by_id, outside = snapshot(lifecycle_stage="churned"), snapshot(lifecycle_stage="churned")
    await campaigns.add_contacts(a, f, both, lead, dnc, by_id, outside)
    customers = await campaigns.create_segment(
        name="customers",
        rules={"rules": [{"field": "lifecycle_stage", "op": "eq", "value": "customer"}]},
    )  # a, f, both, dnc
    vips = await campaigns.create_segment(
        name="vips", rules={"rules": [{"field": "tags", "op": "contains", "value": "vip"}]}
    )  # both, lead
    campaign = await campaigns.create_campaign(segment_ids=[customers["id"], vips["id"]])
    cid = campaign["id"]
    added = await campaigns.client.post(
        f"/v1/campaigns/{cid}/members",
        json={"contact_ids": [by_id.contact_id, a.contact_id]},
        headers=campaigns.auth(),
    )
    assert added.json()["added"] == 2

    response = await audience(campaigns, cid, "viewer")
    assert response.status_code == 200, response.text
    assert response.json() == {"audience": 6, "suppressed": 1, "reachable": 5}

    # evaluated at each call: f leaves the customers segment
    churned = snapshot(f.contact_id, lifecycle_stage="churned", version=2)
    update = ContactUpdated(
        contact_id=f.contact_id, contact=churned, changed_fields=["lifecycle_stage"]
    )
    envelope = await campaigns.publish("contacts", update)
    await eventually(lambda: campaigns.handled(envelope), what="lifecycle_stage applied")
    expected = {"audience": 5, "suppressed": 1, "reachable": 4}
    assert (await audience(campaigns, cid)).json() == expected

    launched = await campaigns.launched(cid)
    assert (launched["audience_size"], launched["suppressed"]) == (4, 1)
    assert (await audience(campaigns, cid, "sales")).json() == expected


async def test_audience_of_unknown_or_foreign_campaign(campaigns: CampaignsHarness) -> None:
    cid = (await campaigns.create_campaign())["id"]
    assert (await audience(campaigns, cid)).json() == {
        "audience": 0,
        "suppressed": 0,
        "reachable": 0,
    }
    foreign = await campaigns.client.get(
        f"/v1/campaigns/{cid}/audience", headers=campaigns.auth(tenant="tenant_other")
    )
    assert foreign.status_code == 404, foreign.text
    assert foreign.headers["content-type"].startswith("application/problem+json")
    assert (await audience(campaigns, "cmp_unknown")).status_code == 404
    assert (await campaigns.client.get(f"/v1/campaigns/{cid}/audience")).status_code == 401
