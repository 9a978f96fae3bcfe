"""Tracking routes (opens, clicks, unsubscribes) and metrics from delivery, lead and deal
events published on the real broker."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from campaigns.campaigns.domain import Reached, Step
from campaigns.campaigns.service import reach_many
from campaigns.tracking.signing import Claims, LinkKind, TrackingSigner
from crm_devstack.testing import eventually
from crm_shared.events.catalogue import (
    DealWon,
    LeadConverted,
    LeadCreated,
    LeadSnapshot,
    NotificationFailed,
    NotificationSent,
)
from crm_shared.events.envelope import CloudEvent
from crm_shared.ids import new_id
from crm_shared.uow import Tx

from .conftest import CampaignsHarness, snapshot
from .test_campaigns_launch import links, local

NOW = datetime.now(UTC)


async def launched_campaign(campaigns: CampaignsHarness, size: int) -> tuple[str, list[str]]:
    """A campaign sent to ``size`` fresh contacts (waits until completed)."""
    ids = await campaigns.add_contacts(*(snapshot() for _ in range(size)))
    cid = (await campaigns.create_campaign())["id"]
    await campaigns.client.post(
        f"/v1/campaigns/{cid}/members", json={"contact_ids": ids}, headers=campaigns.auth()
    )
    await campaigns.launched(cid)
    await campaigns.wait_status(cid, "completed")
    return cid, ids


async def test_tracking_links(campaigns: CampaignsHarness) -> None:
    cid, (first, second) = await launched_campaign(campaigns, 2)
    claims = Claims(campaigns.tenant, cid, first)
    open_url = local(links(campaigns).open_url(claims))
    for _ in range(2):  # a second open counts once
        pixel = await campaigns.client.get(open_url)
        assert pixel.status_code == 200 and pixel.headers["content-type"] == "image/gif"
    click = local(links(campaigns).click_url(claims, "https://toko.co.id/promo"))
    response = await campaigns.client.get(click)
    assert (
        response.status_code == 302 and response.headers["location"] == "https://toko.co.id/promo"
    )

    # forged or misused tokens: 404 problem, never a redirect elsewhere
    forged = TrackingSigner("guessed").sign(
        LinkKind.CLICK, Claims(campaigns.tenant, cid, first, "https://evil.example/")
    )
    _, mac = click.rsplit("/", 1)[1].split(".")
    evil_body = forged.split(".")[0]
    for path in (
        f"/v1/track/click/{forged}",
        f"/v1/track/click/{evil_body}.{mac}",
        open_url.replace("/track/open/", "/track/click/"),
        "/v1/track/open/not-a-token",
        "/v1/unsubscribe/x.y",
    ):
        bad = await campaigns.client.get(path)
        assert bad.status_code == 404, path
        assert bad.headers["content-type"].startswith("application/problem+json")

    unsubscribe = local(links(campaigns).unsubscribe_url(Claims(campaigns.tenant, cid, second)))
    page = await campaigns.client.get(unsubscribe)
    assert page.status_code == 200 and "<form" in page.text
    assert (await campaigns.metrics(cid))["unsubscribed"] == 0  # a GET changes nothing
    for _ in range(2):
        assert (await campaigns.client.post(unsubscribe)).status_code == 200
    metrics = await campaigns.metrics(cid)
    assert (metrics["opened"], metrics["clicked"], metrics["unsubscribed"]) == (1, 1, 1)
    members = (
        await campaigns.client.get(f"/v1/campaigns/{cid}/members", headers=campaigns.auth())
    ).json()["items"]
    assert {m["id"]: m["status"] for m in members} == {first: "clicked", second: "opted_out"}


async def test_metrics_from_events(campaigns: CampaignsHarness) -> None:
    cid, (a, b, c) = await launched_campaign(campaigns, 3)

    def outcome(
        contact: str, sent: bool, permanent: bool = False
    ) -> NotificationSent | NotificationFailed:
        common = {
            "notification_id": new_id("ntf"),
            "channel": "email",
            "recipient": "x@y.id",
            "campaign_id": cid,
            "contact_id": contact,
        }
        if sent:
            return NotificationSent(**common, sent_at=NOW)
        return NotificationFailed(
            **common, error="550 no such user", permanent=permanent, failed_at=NOW
        )

    envelopes: list[CloudEvent] = []
    sent_a = await campaigns.publish("notifications", outcome(a, True))
    envelopes += [sent_a, await campaigns.publish("notifications", outcome(b, True))]
    envelopes.append(await campaigns.publish("notifications", outcome(c, False, permanent=True)))
    envelopes.append(
        await campaigns.publish("notifications", outcome(a, True), envelope=sent_a)
    )  # redelivery
    lead = new_id("lead")
    lead_snapshot = LeadSnapshot(
        lead_id=lead,
        last_name="Budi",
        source="campaign",
        campaign_id=cid,
        status="new",
        rating="warm",
        score=10,
        version=1,
    )
    envelopes.append(
        await campaigns.publish("leads", LeadCreated(lead_id=lead, lead=lead_snapshot))
    )
    envelopes.append(
        await campaigns.publish(
            "leads",
            LeadConverted(
                lead_id=lead,
                converted_by="u",
                converted_at=NOW,
                source="campaign",
                campaign_id=cid,
                contact={"last_name": "Budi"},
            ),
        )
    )

    # a deal is won after its lead was converted: campaigns has seen the lead by then
    # (the deals topic is read independently of the leads topic)
    async def leads_handled() -> bool:
        return all([await campaigns.handled(e) for e in envelopes])

    await eventually(leads_handled, what="the lead's events handled")

    def won(amount: str, currency: str = "IDR", **extra: object) -> DealWon:
        return DealWon(
            deal_id=new_id("deal"),
            amount=Decimal(amount),
            currency=currency,
            pipeline_id="p",
            closed_at=NOW,
            closed_by="u",
            **extra,
        )

    for event in (
        won("3000000", campaign_id=cid, contact_ids=[a]),
        won("1000000", source_lead_id=lead),  # attributed through the lead
        won("50", "USD", campaign_id=cid),
        won("999", campaign_id=new_id("cmp")),  # another campaign
    ):
        envelopes.append(await campaigns.publish("deals", event))

    async def all_handled() -> bool:
        return all([await campaigns.handled(e) for e in envelopes])

    await eventually(all_handled, what="every event handled")

    metrics = await campaigns.metrics(cid)
    expected = {
        "audience": 3,
        "requested": 3,
        "sent": 2,
        "bounced": 1,
        "failed": 0,
        "leads": 1,
        "converted": 1,
        "deals_won": 3,
        "revenue": "4000000",
        "revenue_other_currencies": {"USD": "50"},
        "cost": "1000000",
        "roi": "3.0000",
    }
    assert {k: metrics[k] for k in expected} == expected
    members = (
        await campaigns.client.get(f"/v1/campaigns/{cid}/members", headers=campaigns.auth())
    ).json()["items"]
    assert {m["id"]: m["status"] for m in members} == {a: "converted", b: "sent", c: "bounced"}
    responded = await campaigns.client.post(
        f"/v1/campaigns/{cid}/members/{b}/responded", headers=campaigns.auth("marketing")
    )
    assert responded.status_code == 200 and responded.json()["status"] == "responded"
    assert (await campaigns.metrics(cid))["responded"] == 1
    missing = await campaigns.client.post(
        f"/v1/campaigns/{cid}/members/con_nobody/responded", headers=campaigns.auth()
    )
    assert missing.status_code == 404


async def test_a_batch_of_steps_is_recorded_in_order_with_one_bulk(
    campaigns: CampaignsHarness,
) -> None:
    # what a consumer batch of delivery outcomes records before it commits: repeats and
    # a later failure of the same member in order, a contact who is no member left out
    cid, (a, b, c) = await launched_campaign(campaigns, 3)
    steps = [
        Reached(cid, a, Step.SENT),
        Reached(cid, b, Step.SENT),
        Reached(cid, a, Step.SENT),  # redelivered: counted once
        Reached(cid, c, Step.BOUNCED),
        Reached(cid, a, Step.FAILED),  # a failure after the send replaces it
        Reached(cid, "con_nobody", Step.SENT),
    ]

    async def work(tx: Tx) -> dict[str, Any]:
        return await reach_many(tx, campaigns.tenant, steps)

    before = await campaigns.runtime.uow.run(work)
    assert {m["contact_id"]: m["status"] for m in before.values()} == {
        a: "targeted",
        b: "targeted",
        c: "targeted",
    }
    metrics = await campaigns.metrics(cid)
    assert (metrics["sent"], metrics["bounced"], metrics["failed"]) == (2, 1, 1)
    members = (
        await campaigns.client.get(f"/v1/campaigns/{cid}/members", headers=campaigns.auth())
    ).json()["items"]
    assert {m["id"]: m["status"] for m in members} == {a: "failed", b: "sent", c: "bounced"}
