"""Events the contacts service consumes: LeadConverted, DealWon, DealLost, DealStageChanged;
then RFM ranking of the resulting customers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from crm_devstack.testing import eventually, publish_event
from crm_shared.events.catalogue import (
    ConvertedAccount,
    ConvertedContact,
    DealLost,
    DealStageChanged,
    DealWon,
    EventData,
    LeadConverted,
)
from crm_shared.events.envelope import CloudEvent
from crm_shared.ids import new_id

from .conftest import ContactsHarness

NOW = datetime.now(UTC)


async def _publish(
    contacts: ContactsHarness, owner: str, event: EventData, envelope: CloudEvent | None = None
) -> CloudEvent:
    return await publish_event(
        contacts.settings.kafka_bootstrap,
        contacts.settings.topic(owner),
        event,
        tenant_id=contacts.tenant,
        envelope=envelope,
    )


def _converted(
    lead_id: str,
    email: str,
    account: str | None = "PT Konversi",
    *,
    chosen: tuple[str, str] | None = None,
) -> LeadConverted:
    """A conversion; ``chosen``: the (contact, account) ids it chose for new records."""
    contact_id, account_id = chosen or (None, None)
    return LeadConverted(
        lead_id=lead_id,
        converted_by="user_s",
        converted_at=NOW,
        owner_id="user_s",
        source="web",
        tags=["webinar"],
        contact=ConvertedContact(
            contact_id=contact_id,
            first_name="Rina",
            last_name="Putri",
            email=email,
            phone="+6281234567890",
        ),
        account=ConvertedAccount(name=account, domain="konversi.co.id", new_account_id=account_id)
        if account
        else None,
    )


def _won(deal_id: str, contact_ids: list[str], amount: str, days_ago: int = 0) -> DealWon:
    return DealWon(
        deal_id=deal_id,
        amount=Decimal(amount),
        currency="IDR",
        pipeline_id="pipe_1",
        contact_ids=contact_ids,
        closed_at=NOW - timedelta(days=days_ago),
        closed_by="user_s",
    )


async def _contact_where(contacts: ContactsHarness, contact_id: str, **expected: Any) -> Any:
    async def check() -> Any:
        body = await contacts.get(f"/v1/contacts/{contact_id}")
        return body if all(body.get(k) == v for k, v in expected.items()) else None

    return await eventually(check, timeout=30, what=f"contact {contact_id} with {expected}")


async def test_lead_converted_creates_once_then_links(contacts: ContactsHarness) -> None:
    async with contacts.reader() as reader:
        chosen = (new_id("con"), new_id("acc"))
        event = _converted("lead_1", "rina@konversi.co.id", chosen=chosen)
        envelope = await _publish(contacts, "leads", event)
        await _publish(contacts, "leads", event, envelope)  # redelivery: same event id

        async def converted() -> list[Any]:
            return (await contacts.get("/v1/contacts", q="rina"))["items"]  # type: ignore[no-any-return]

        [contact] = await eventually(converted, timeout=30, what="converted contact")
        assert contact["lifecycle_stage"] == "prospect"
        assert contact["source_lead_id"] == "lead_1" and contact["owner_id"] == "user_s"
        assert contact["phones"] == ["+6281234567890"] and contact["tags"] == ["webinar"]
        [account] = (await contacts.get("/v1/accounts"))["items"]
        assert account["domain"] == "konversi.co.id" and contact["account_id"] == account["id"]
        assert account["source_lead_id"] == "lead_1"
        assert (contact["id"], account["id"]) == chosen  # the ids the conversion chose

        # A second lead of the same person and company links instead of duplicating.
        await contacts.client.patch(
            f"/v1/contacts/{contact['id']}", json={"account_id": None}, headers=contacts.auth()
        )
        second = (new_id("con"), new_id("acc"))
        relinked = _converted("lead_2", "RINA@konversi.co.id", chosen=second)
        await _publish(contacts, "leads", relinked)
        await eventually(
            lambda: len(contacts.events(reader, "ContactUpdated")) >= 2, timeout=30, what="link"
        )
    assert len((await contacts.get("/v1/contacts"))["items"]) == 1
    assert len((await contacts.get("/v1/accounts"))["items"]) == 1
    [created] = contacts.events(reader, "ContactCreated")
    assert created.data["converted_lead_id"] == "lead_1"
    assert len(contacts.events(reader, "AccountCreated")) == 1
    linked = contacts.events(reader, "ContactUpdated")[-1]
    assert linked.data["converted_lead_id"] == "lead_2"
    assert linked.data["contact"]["account_id"] == account["id"]
    assert linked.data["contact"]["source_lead_id"] == "lead_1"


async def test_lead_converted_links_account_by_exact_name(contacts: ContactsHarness) -> None:
    account = await contacts.post("/v1/accounts", {"name": "Toko  Maju"})
    await _publish(contacts, "leads", _converted("lead_9", "sari@maju.id", account="toko maju"))
    contact = await eventually(
        lambda: _first(contacts, "sari"), timeout=30, what="contact of the converted lead"
    )
    assert contact["account_id"] == account["id"]
    assert len((await contacts.get("/v1/accounts"))["items"]) == 1


async def test_lead_converted_links_the_account_the_user_chose(contacts: ContactsHarness) -> None:
    chosen = await contacts.post("/v1/accounts", {"name": "PT Pilihan", "domain": "pilihan.id"})
    event = _converted("lead_7", "budi@konversi.co.id", account="PT Pilihan")
    assert event.account is not None
    picked = event.model_copy(
        update={"account": event.account.model_copy(update={"account_id": chosen["id"]})}
    )
    await _publish(contacts, "leads", picked)
    contact = await eventually(
        lambda: _first(contacts, "budi"), timeout=30, what="contact of the converted lead"
    )
    assert contact["account_id"] == chosen["id"], "linked although the domains differ"

    gone = picked.model_copy(
        update={
            "lead_id": "lead_8",
            "contact": picked.contact.model_copy(update={"email": "ani@konversi.co.id"}),
            "account": event.account.model_copy(update={"account_id": "acc_deleted"}),
        }
    )
    await _publish(contacts, "leads", gone)
    other = await eventually(lambda: _first(contacts, "ani"), timeout=30, what="second contact")
    assert other["account_id"] not in (None, chosen["id"]), "an unknown id falls back"
    assert len((await contacts.get("/v1/accounts"))["items"]) == 2


async def _first(contacts: ContactsHarness, q: str) -> Any:
    items = (await contacts.get("/v1/contacts", q=q))["items"]
    return items[0] if items else None


async def test_deal_won_redelivery_reopen_and_lost(contacts: ContactsHarness) -> None:
    contact = await contacts.contact(lifecycle_stage="prospect")
    cid = contact["id"]
    won = _won("deal_1", [cid], "1500000.50")
    envelope = await _publish(contacts, "deals", won)
    await _publish(contacts, "deals", won, envelope)
    await _publish(contacts, "deals", _won("deal_2", [cid, cid], "500", days_ago=3))
    body = await _contact_where(contacts, cid, purchase_count=2)
    assert body["purchase_total"] == "1500500.50"
    assert body["purchase_totals"] == {"IDR": "1500500.50"}
    assert body["lifecycle_stage"] == "customer"
    assert body["rfm_segment"] is None or isinstance(body["rfm_segment"], str)

    reopen = DealStageChanged(
        deal_id="deal_1",
        pipeline_id="pipe_1",
        from_stage="closed_won",
        to_stage="negotiation",
        amount=Decimal("1500000.50"),
        currency="IDR",
        probability=60,
        changed_by="user_s",
        was_won=True,
    )
    await _publish(contacts, "deals", reopen)
    body = await _contact_where(contacts, cid, purchase_count=1)
    assert body["purchase_total"] == "500" and body["lifecycle_stage"] == "customer"

    lost = DealLost(
        deal_id="deal_1",
        amount=Decimal(1),
        currency="IDR",
        pipeline_id="pipe_1",
        contact_ids=[cid, "con_unknown"],
        closed_at=NOW,
        closed_by="user_s",
        lost_reason="price",
    )
    await _publish(contacts, "deals", lost)
    body = await _contact_where(contacts, cid, lost_deals=1)
    assert body["purchase_count"] == 1


async def test_rfm_segments_after_refresh(contacts: ContactsHarness) -> None:
    ids = [(await contacts.contact(email=f"c{i}@rfm.id"))["id"] for i in range(5)]
    for i, cid in enumerate(ids):
        for n in range(i + 1):
            await _publish(
                contacts, "deals", _won(f"deal_{i}_{n}", [cid], str(100 * (i + 1)), 40 - 8 * i)
            )
    await _contact_where(contacts, ids[-1], purchase_count=5)
    await _contact_where(contacts, ids[0], purchase_count=1)

    refresher = contacts.app.state.rfm_refresher
    await eventually(refresher.refresh_once, timeout=10, what="a dirty tenant")
    best = await _contact_where(contacts, ids[-1], rfm_segment="champions")
    worst = await _contact_where(contacts, ids[0], rfm_segment="lost")
    listed = await contacts.get("/v1/contacts", rfm_segment="champions")
    assert [c["id"] for c in listed["items"]] == [best["id"]]

    rfm = await contacts.get(f"/v1/contacts/{best['id']}/rfm")
    assert (rfm["r"], rfm["f"], rfm["m"], rfm["segment"]) == (5, 5, 5, "champions")
    assert rfm["customers_ranked"] == 5 and rfm["currency"] == "IDR"
    assert rfm["monetary"] == "2500" and rfm["frequency"] == 5
    assert rfm["clv"] == "7500.00"  # AOV 500 x 5 a year x 3 years
    assert (await contacts.get(f"/v1/contacts/{worst['id']}/rfm"))["segment"] == "lost"
    prospect = await contacts.contact()
    none = await contacts.get(f"/v1/contacts/{prospect['id']}/rfm")
    assert none["customer"] is False and none["segment"] is None
