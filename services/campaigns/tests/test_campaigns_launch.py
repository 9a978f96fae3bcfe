"""Launches on the real stack: the launch answered 202 while the audience is enrolled in
the background (what an enrolling campaign refuses, and a takeover of its enrolment mid-way),
frozen audience, suppression, EmailRequested read back from Kafka, pause and resume,
opt-outs after launch, and the 1,000-member case."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime
from typing import Any

from campaigns.campaigns.schemas import CampaignOut
from campaigns.campaigns.sender import Sender, request_id
from campaigns.tracking.signing import Claims, LinkBuilder, TrackingSigner
from crm_devstack.testing import eventually
from crm_shared.events.catalogue import ContactUpdated
from crm_shared.uow import Tx

from .conftest import CampaignsHarness, Senders, snapshot


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
    return await campaigns.launch(campaign_id)


def added_once(campaigns: CampaignsHarness, campaign_id: str) -> Counter[str]:
    """How often CampaignMemberAdded was published for each contact of a campaign."""
    return Counter(
        e.data["contact_id"]
        for e in campaigns.events("CampaignMemberAdded")
        if e.data["campaign_id"] == campaign_id
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
    (by_hand,) = (
        await campaigns.client.get(f"/v1/campaigns/{cid}/members", headers=campaigns.auth())
    ).json()["items"]
    response = await launch(campaigns, cid)
    assert response.status_code == 202, response.text
    body = response.json()
    assert (body["status"], body["enrolling"], body["audience_size"]) == ("active", True, None)
    assert response.headers["Location"] == f"/v1/campaigns/{cid}"
    assert response.headers["ETag"] == f'"{body["version"]}"'
    assert (await launch(campaigns, cid)).status_code == 409  # active already
    enrolled = await campaigns.wait_enrolled(cid)
    assert (enrolled["audience_size"], enrolled["suppressed"]) == (3, 3)
    for documented in (body, enrolled):  # the bodies the OpenAPI document describes
        CampaignOut.model_validate(documented)
    assert enrolled["launched_at"] == body["launched_at"]

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
    assert launched["launched_by"] == "user_admin"
    assert len(campaigns.events("CampaignMemberAdded")) == 6  # 1 by hand + 5 from the segment
    assert set(added_once(campaigns, cid).values()) == {1}

    members = await campaigns.client.get(
        f"/v1/campaigns/{cid}/members", params={"status": "opted_out"}, headers=campaigns.auth()
    )
    assert {(m["id"], m["reason"]) for m in members.json()["items"]} == {
        (dnc.contact_id, "do_not_contact"),
        (opted.contact_id, "unsubscribed"),
    }
    metrics = await campaigns.metrics(cid)
    assert (metrics["audience"], metrics["suppressed"], metrics["requested"]) == (6, 3, 3)

    kept = (
        await campaigns.client.get(f"/v1/campaigns/{cid}/members", headers=campaigns.auth())
    ).json()["items"]
    assert {m["id"]: m["added_at"] for m in kept}[ok[2].contact_id] == by_hand["added_at"]

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
    campaigns: CampaignsHarness, senders: Senders
) -> None:
    contacts = [snapshot(tags=["promo"]) for _ in range(1000)]
    await campaigns.add_contacts(*contacts)
    segment = await campaigns.create_segment(
        name="promo", rules={"rules": [{"field": "tags", "op": "contains", "value": "promo"}]}
    )
    cid = (await campaigns.create_campaign(segment_ids=[segment["id"]]))["id"]

    # answered before the audience is enrolled: no sender runs yet
    response = await launch(campaigns, cid)
    assert response.status_code == 202, response.text
    assert (response.json()["enrolling"], response.json()["audience_size"]) == (True, None)
    current = await campaigns.client.get(f"/v1/campaigns/{cid}", headers=campaigns.auth())
    assert (current.json()["enrolling"], current.json()["suppressed"]) == (True, None)
    assert (await campaigns.metrics(cid))["audience"] == 0

    # a sender slow enough that the pause comes before its last e-mail
    slow = senders.start("slow", enrol_batch_size=300, send_rate_per_s=20, send_batch_size=10)
    enrolled = await campaigns.wait_enrolled(cid)
    assert (enrolled["audience_size"], enrolled["suppressed"]) == (1000, 0)
    (launched,) = await campaigns.wait_events(1, "CampaignLaunched")
    assert (launched.data["audience_size"], launched.data["suppressed"]) == (1000, 0)
    launched_at = datetime.fromisoformat(response.json()["launched_at"])
    assert datetime.fromisoformat(launched.data["launched_at"]) == launched_at
    added = added_once(campaigns, cid)
    assert len(added) == 1000 and set(added.values()) == {1}
    assert slow.enrolled == 1000

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

    await slow.stop()
    senders.start("fast")  # the app's own settings
    started = time.monotonic()
    resumed = await campaigns.client.post(f"/v1/campaigns/{cid}/resume", headers=campaigns.auth())
    assert resumed.status_code == 200 and resumed.json()["status"] == "active"
    assert "Location" not in resumed.headers
    await campaigns.wait_status(cid, "completed")
    sending = time.monotonic() - started
    events = await campaigns.wait_events(998, "EmailRequested")
    ids = [e.data["request_id"] for e in events]
    assert len(ids) == len(set(ids)) == 998
    assert {e.data["contact_id"] for e in events}.isdisjoint({late_unsub, late_dnc})
    metrics = await campaigns.metrics(cid)
    assert (metrics["requested"], metrics["suppressed"], metrics["unsubscribed"]) == (998, 2, 1)
    assert metrics["audience"] == 1000
    print(f"\nlaunch of 1000: remaining {queued} sent in {sending:.2f}s")


async def test_enrolling_campaign_cannot_pause_or_take_members_but_completes(
    campaigns: CampaignsHarness, senders: Senders
) -> None:
    ids = await campaigns.add_contacts(snapshot(), snapshot())
    cid = (await campaigns.create_campaign())["id"]
    added = await campaigns.client.post(
        f"/v1/campaigns/{cid}/members", json={"contact_ids": ids[:1]}, headers=campaigns.auth()
    )
    assert added.json()["added"] == 1
    launched = await launch(campaigns, cid)  # no sender runs: it stays enrolling
    assert launched.status_code == 202, launched.text
    version = launched.json()["version"]

    paused = await campaigns.client.post(f"/v1/campaigns/{cid}/pause", headers=campaigns.auth())
    assert paused.status_code == 409 and "still enrolling" in paused.json()["detail"]
    more = await campaigns.client.post(
        f"/v1/campaigns/{cid}/members", json={"contact_ids": ids[1:]}, headers=campaigns.auth()
    )
    assert more.status_code == 409 and "still enrolling" in more.json()["detail"]
    deleted = await campaigns.client.delete(f"/v1/campaigns/{cid}", headers=campaigns.auth())
    assert deleted.status_code == 409 and "complete it" in deleted.json()["detail"]
    fixed = await campaigns.client.patch(
        f"/v1/campaigns/{cid}", json={"segment_ids": []}, headers=campaigns.auth()
    )
    assert fixed.status_code == 409
    renamed = await campaigns.client.patch(
        f"/v1/campaigns/{cid}", json={"name": "Promo baru"}, headers=campaigns.auth()
    )
    assert renamed.status_code == 200 and renamed.json()["enrolling"] is True
    assert renamed.json()["version"] == version + 1

    completed = await campaigns.client.post(
        f"/v1/campaigns/{cid}/complete", headers=campaigns.auth()
    )
    assert completed.status_code == 200, completed.text
    body = completed.json()
    assert (body["status"], body["enrolling"], body["audience_size"]) == ("completed", False, 0)
    assert await campaigns.runtime.db["send_jobs"].find_one({"_id": cid}) is None
    assert campaigns.events("CampaignLaunched") == []
    deleted = await campaigns.client.delete(f"/v1/campaigns/{cid}", headers=campaigns.auth())
    assert deleted.status_code == 204


class StopsMidway(Sender):
    """An instance that dies before enrolling the chunk after ``stop_after`` (a contact
    id): it stops working without giving up its claim, as a crashed process would."""

    stop_after: str | None = None

    async def _enrol_chunk(
        self, campaign_id: str, tenant_id: str, cursor: str | None, chunk: list[str], tx: Tx
    ) -> int | None:
        if cursor is not None and cursor == self.stop_after:
            self._stopped.set()
            return None
        return await super()._enrol_chunk(campaign_id, tenant_id, cursor, chunk, tx)


async def test_enrolment_continues_from_the_cursor_after_a_takeover(
    campaigns: CampaignsHarness, senders: Senders
) -> None:
    contacts = sorted(await campaigns.add_contacts(*(snapshot(tags=["vip"]) for _ in range(500))))
    segment = await campaigns.create_segment(
        name="vip", rules={"rules": [{"field": "tags", "op": "contains", "value": "vip"}]}
    )
    cid = (await campaigns.create_campaign(segment_ids=[segment["id"]]))["id"]
    by_hand = [contacts[10], contacts[400]]  # one before the takeover, one after
    added = await campaigns.client.post(
        f"/v1/campaigns/{cid}/members", json={"contact_ids": by_hand}, headers=campaigns.auth()
    )
    assert added.json()["added"] == 2
    db = campaigns.runtime.db
    members = db["campaign_members"]
    before = {
        m["contact_id"]: m["added_at"]
        for m in await members.find({"tenant_id": campaigns.tenant}).to_list()
    }

    first = senders.start("first", kind=StopsMidway, enrol_batch_size=100, sender_lease_s=1.0)
    assert isinstance(first, StopsMidway)
    first.stop_after = contacts[199]
    assert (await launch(campaigns, cid)).status_code == 202

    async def stopped() -> dict[str, Any] | None:
        job = await db["send_jobs"].find_one({"_id": cid})
        return job if first._stopped.is_set() and job and job["cursor"] == contacts[199] else None

    job = await eventually(stopped, timeout=60, what="the first instance stopped mid-way")
    assert (job["owner"], job["phase"]) == ("first", "enrol")
    assert first.enrolled == 200
    assert (await campaigns.metrics(cid))["audience"] == 200
    current = await campaigns.client.get(f"/v1/campaigns/{cid}", headers=campaigns.auth())
    assert current.json()["enrolling"] is True

    # another instance takes the job over once the first one's lease has expired
    second = senders.start("second", enrol_batch_size=100)
    enrolled = await campaigns.wait_enrolled(cid)
    assert (enrolled["audience_size"], enrolled["suppressed"]) == (500, 0)
    assert second.enrolled == 300
    await campaigns.wait_status(cid, "completed")
    metrics = await campaigns.metrics(cid)
    assert (metrics["audience"], metrics["suppressed"], metrics["requested"]) == (500, 0, 500)
    added_events = added_once(campaigns, cid)
    assert len(added_events) == 500 and set(added_events.values()) == {1}
    assert len(campaigns.events("CampaignLaunched")) == 1
    after = {
        m["contact_id"]: m["added_at"]
        for m in await members.find({"tenant_id": campaigns.tenant, "campaign_id": cid}).to_list()
    }
    assert len(after) == 500
    assert {c: after[c] for c in by_hand} == {c: before[c] for c in by_hand}
    requested = await campaigns.wait_events(500, "EmailRequested")
    assert len({e.data["request_id"] for e in requested}) == 500
