"""Launches on the real stack: frozen audience, suppression, EmailRequested read back from
Kafka, pause and resume, opt-outs after launch, and the 1,000-member case."""

from __future__ import annotations

import time
from typing import Any

from campaigns.campaigns.sender import request_id
from campaigns.tracking.signing import Claims, LinkBuilder, TrackingSigner
from crm_devstack.testing import eventually
from crm_shared.events.catalogue import ContactUpdated

from .conftest import CampaignsHarness, snapshot


def links(campaigns: CampaignsHarness) -> LinkBuilder:
    """Tracking links as the app signs them."""
    settings = campaigns.settings
    return LinkBuilder(TrackingSigner(settings.tracking_secret), settings.public_base_url)


def local(url: str) -> str:
    """A public tracking URL as a path of the service."""
    return url.split("/api", 1)[1]


async def unsubscribe(campaigns: CampaignsHarness, campaign_id: str, contact_id: str) -> None:
    url = links(campaigns).unsubscribe_url(Claims(campaigns.tenant, campaign_id, contact_id))
    response = await campaigns.client.post(local(url), content=b"List-Unsubscribe=One-Click")
    assert response.status_code == 200, response.text


async def launch(campaigns: CampaignsHarness, campaign_id: str) -> Any:
    return await campaigns.client.post(
        f"/v1/campaigns/{campaign_id}/launch", headers=campaigns.auth("marketing")
    )


async def test_launch_freezes_audience_and_requests_emails(campaigns: CampaignsHarness) -> None:
    ok = [snapshot(first_name="<b>Siti</b>"), snapshot(), snapshot(lifecycle_stage="lead")]
    dnc, opted, mailless = snapshot(do_not_contact=True), snapshot(), snapshot(email=None)
    outside = snapshot(lifecycle_stage="churned")
    await campaigns.add_contacts(*ok, dnc, opted, mailless, outside)
    earlier = await campaigns.create_campaign(name="earlier")
    await unsubscribe(campaigns, earlier["id"], opted.contact_id)

    segment = await campaigns.create_segment(
        name="customers",
        rules={"rules": [{"field": "lifecycle_stage", "op": "eq", "value": "customer"}]},
    )
    campaign = await campaigns.create_campaign(segment_ids=[segment["id"]])
    cid = campaign["id"]
    added = await campaigns.client.post(
        f"/v1/campaigns/{cid}/members",
        json={"contact_ids": [ok[2].contact_id]},
        headers=campaigns.auth(),
    )
    assert added.json()["added"] == 1
    response = await launch(campaigns, cid)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "active" and response.json()["audience_size"] == 3
    assert (await launch(campaigns, cid)).status_code == 409  # active already

    requested = await campaigns.wait_events(3, "EmailRequested")
    await campaigns.wait_status(cid, "completed")
    assert len(campaigns.events("EmailRequested")) == 3
    by_contact = {e.data["contact_id"]: e.data for e in requested}
    assert set(by_contact) == {c.contact_id for c in ok}
    for contact_id, data in by_contact.items():
        assert data["request_id"] == request_id(campaigns.tenant, cid, contact_id)
        assert "/v1/unsubscribe/" in data["unsubscribe_url"]
        assert data["unsubscribe_url"] in data["body_text"]  # the same link, for List-Unsubscribe
    siti = by_contact[ok[0].contact_id]
    assert siti["subject_line"] == "Halo <b>Siti</b>"
    assert "&lt;b&gt;Siti&lt;/b&gt;" in siti["body_html"] and "<b>Siti</b>" not in siti["body_html"]
    assert siti["body_html"].count("https://crm.contoh.co.id/api/v1/track/click/") == 1
    launched = (await campaigns.wait_events(1, "CampaignLaunched"))[0].data
    assert launched["audience_size"] == 3 and launched["suppressed"] == 3
    assert len(campaigns.events("CampaignMemberAdded")) == 6  # 1 by hand + 5 from the segment

    members = await campaigns.client.get(
        f"/v1/campaigns/{cid}/members", params={"status": "opted_out"}, headers=campaigns.auth()
    )
    assert {(m["id"], m["reason"]) for m in members.json()["items"]} == {
        (dnc.contact_id, "do_not_contact"),
        (opted.contact_id, "unsubscribed"),
    }
    metrics = await campaigns.metrics(cid)
    assert (metrics["audience"], metrics["suppressed"], metrics["requested"]) == (6, 3, 3)

    mine = await campaigns.client.get(
        "/v1/campaigns", params={"contact_id": ok[2].contact_id}, headers=campaigns.auth("viewer")
    )
    assert [(c["id"], c["membership"]["status"]) for c in mine.json()["items"]] == [
        (cid, "targeted")
    ]


async def test_launch_needs_template_and_audience(campaigns: CampaignsHarness) -> None:
    no_audience = await campaigns.create_campaign()
    response = await launch(campaigns, no_audience["id"])
    assert response.status_code == 409 and "audience" in response.json()["detail"]
    (contact,) = await campaigns.add_contacts(snapshot())
    response = await campaigns.client.post(
        "/v1/campaigns", json={"name": "no template"}, headers=campaigns.auth()
    )
    bare = response.json()["id"]
    await campaigns.client.post(
        f"/v1/campaigns/{bare}/members", json={"contact_ids": [contact]}, headers=campaigns.auth()
    )
    response = await launch(campaigns, bare)
    assert response.status_code == 409 and "template" in response.json()["detail"]
    assert (
        await campaigns.client.post(f"/v1/campaigns/{bare}/pause", headers=campaigns.auth())
    ).status_code == 409
    assert (
        await campaigns.client.post(
            f"/v1/campaigns/{bare}/launch", headers=campaigns.auth("viewer")
        )
    ).status_code == 403


async def test_thousand_members_with_pause_resume_and_late_opt_outs(
    campaigns: CampaignsHarness,
) -> None:
    contacts = [snapshot(tags=["promo"]) for _ in range(1000)]
    await campaigns.add_contacts(*contacts)
    segment = await campaigns.create_segment(
        name="promo", rules={"rules": [{"field": "tags", "op": "contains", "value": "promo"}]}
    )
    cid = (await campaigns.create_campaign(segment_ids=[segment["id"]]))["id"]
    started = time.monotonic()
    assert (await launch(campaigns, cid)).status_code == 200
    launched_in = time.monotonic() - started
    paused = await campaigns.client.post(f"/v1/campaigns/{cid}/pause", headers=campaigns.auth())
    assert paused.status_code == 200, paused.text
    db = campaigns.runtime.db
    assert await db["send_jobs"].find_one({"_id": cid}) is None  # no batch can commit now
    queued = await db["campaign_members"].count_documents(
        {"tenant_id": campaigns.tenant, "campaign_id": cid, "queued": True}
    )
    requested = (await campaigns.metrics(cid))["requested"]
    assert requested + queued == 1000 and queued > 0

    # opt-outs after the launch, before their e-mail was requested
    pending = (
        await db["campaign_members"]
        .find({"tenant_id": campaigns.tenant, "campaign_id": cid, "queued": True})
        .to_list(2)
    )
    late_unsub, late_dnc = pending[0]["contact_id"], pending[1]["contact_id"]
    await unsubscribe(campaigns, cid, late_unsub)
    dnc = snapshot(late_dnc, tags=["promo"], do_not_contact=True, version=2)
    envelope = await campaigns.publish(
        "contacts",
        ContactUpdated(contact_id=late_dnc, contact=dnc, changed_fields=["do_not_contact"]),
    )
    await eventually(lambda: campaigns.handled(envelope), what="do_not_contact applied")

    started = time.monotonic()
    resumed = await campaigns.client.post(f"/v1/campaigns/{cid}/resume", headers=campaigns.auth())
    assert resumed.status_code == 200 and resumed.json()["status"] == "active"
    await campaigns.wait_status(cid, "completed")
    sending = time.monotonic() - started
    events = await campaigns.wait_events(998, "EmailRequested")
    ids = [e.data["request_id"] for e in events]
    assert len(ids) == len(set(ids)) == 998
    assert {e.data["contact_id"] for e in events}.isdisjoint({late_unsub, late_dnc})
    metrics = await campaigns.metrics(cid)
    assert (metrics["requested"], metrics["suppressed"], metrics["unsubscribed"]) == (998, 2, 1)
    print(f"\nlaunch of 1000: freeze {launched_in:.2f}s, remaining {queued} sent in {sending:.2f}s")
    assert launched_in < 10 and sending < 30
