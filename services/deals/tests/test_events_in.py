"""Events the deals service consumes: lead conversions and contact changes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from crm_devstack.testing import event_envelope, eventually, publish_envelopes
from crm_shared.events.catalogue import (
    ContactCreated,
    ContactDeleted,
    ContactSnapshot,
    ContactUpdated,
    ConvertedAccount,
    ConvertedContact,
    ConvertedDeal,
    LeadConverted,
)
from crm_shared.ids import new_id

from .conftest import DealsHarness


def _converted(lead_id: str, *, deal: bool = True, deal_id: str | None = None) -> LeadConverted:
    return LeadConverted(
        lead_id=lead_id,
        converted_by="user_sari",
        converted_at=datetime.now(UTC),
        owner_id="user_sari",
        source="campaign",
        campaign_id="camp_9",
        contact=ConvertedContact(first_name="Sari", last_name="Dewi"),
        deal=ConvertedDeal(deal_id=deal_id, name="Paket CRM", amount="12000000", currency="IDR")
        if deal
        else None,
    )


def _contact(
    contact_id: str, *, lead_id: str | None = None, last_name: str = "Dewi"
) -> ContactCreated:
    return ContactCreated(
        contact_id=contact_id,
        contact=ContactSnapshot(
            contact_id=contact_id,
            first_name="Sari",
            last_name=last_name,
            email="sari@contoh.co.id",
            account_id="acct_maju",
            lifecycle_stage="customer",
            version=1,
        ),
        converted_lead_id=lead_id,
    )


async def _deal_of(deals: DealsHarness, lead_id: str) -> dict[str, Any] | None:
    for deal in await deals.deals():
        if deal["source_lead_id"] == lead_id:
            return deal
    return None


async def test_lead_converted_opens_one_deal_even_when_redelivered(deals: DealsHarness) -> None:
    lead_id, deal_id = new_id("lead"), new_id("deal")
    envelope = await deals.publish("leads", _converted(lead_id, deal_id=deal_id))
    await deals.publish("leads", _converted(lead_id), envelope=envelope)
    deal = await eventually(lambda: _deal_of(deals, lead_id), what="deal from the lead")
    assert deal["id"] == deal_id  # the id the conversion chose
    assert deal["pipeline_id"].startswith("pipe_") and deal["stage"] == "prospecting"
    assert (deal["owner_id"], deal["campaign_id"]) == ("user_sari", "camp_9")
    assert deal["amount"] == "12000000" and deal["probability"] == 10
    [created] = await deals.wait_events(1, "DealCreated")
    assert created.data["deal"]["source_lead_id"] == lead_id
    assert created.data["created_by"] == "user_sari"
    # a second conversion event for the same lead (another event id) opens nothing more
    again = await deals.publish("leads", _converted(lead_id))
    await eventually(lambda: deals.handled(again), what="second conversion handled")
    assert len(await deals.deals()) == 1
    assert len(deals.events("DealCreated")) == 1


async def test_lead_converted_without_a_deal_opens_none(deals: DealsHarness) -> None:
    envelope = await deals.publish("leads", _converted(new_id("lead"), deal=False))
    await eventually(lambda: deals.handled(envelope), what="conversion handled")
    assert await deals.deals() == []


async def test_contact_of_the_conversion_joins_the_deal_either_order(deals: DealsHarness) -> None:
    # contact first, then the conversion
    early_lead, early_contact = new_id("lead"), new_id("contact")
    contact_seen = await deals.publish("contacts", _contact(early_contact, lead_id=early_lead))
    await eventually(lambda: deals.handled(contact_seen), what="contact handled")
    await deals.publish("leads", _converted(early_lead))
    deal = await eventually(lambda: _deal_of(deals, early_lead), what="deal of the early contact")
    assert deal["account_id"] == "acct_maju"
    assert deal["contacts"] == [
        {
            "contact_id": early_contact,
            "role": "primary",
            "name": "Sari Dewi",
            "email": "sari@contoh.co.id",
        }
    ]
    # conversion first, then the contact
    late_lead, late_contact = new_id("lead"), new_id("contact")
    await deals.publish("leads", _converted(late_lead))
    await eventually(lambda: _deal_of(deals, late_lead), what="deal of the late contact")
    await deals.publish("contacts", _contact(late_contact, lead_id=late_lead))

    async def linked() -> dict[str, Any] | None:
        found = await _deal_of(deals, late_lead)
        return found if found and found["contacts"] else None

    deal = await eventually(linked, what="contact linked to the deal")
    assert [c["contact_id"] for c in deal["contacts"]] == [late_contact]
    assert deal["account_id"] == "acct_maju" and deal["version"] == 2
    listed = await deals.deals(contact_id=late_contact)
    assert [d["id"] for d in listed] == [deal["id"]]


async def test_the_deal_opens_with_the_chosen_parties_and_takes_the_linked_ones(
    deals: DealsHarness,
) -> None:
    # the conversion chose a new contact and account: the deal has them at once, and the
    # contact created with those ids changes nothing
    lead_id, contact_id, account_id = new_id("lead"), new_id("con"), new_id("acc")
    chosen = _converted(lead_id).model_copy(
        update={
            "contact": ConvertedContact(contact_id=contact_id, last_name="Dewi"),
            "account": ConvertedAccount(name="Maju", new_account_id=account_id),
        }
    )
    await deals.publish("leads", chosen)
    deal = await eventually(lambda: _deal_of(deals, lead_id), what="deal with its parties")
    assert [c["contact_id"] for c in deal["contacts"]] == [contact_id]
    assert deal["account_id"] == account_id and "conversion_parties" not in deal
    created = _contact(contact_id, lead_id=lead_id)
    same = created.model_copy(
        update={"contact": created.contact.model_copy(update={"account_id": account_id})}
    )
    seen = await deals.publish("contacts", same)
    await eventually(lambda: deals.handled(seen), what="created contact handled")
    deal = await _deal_of(deals, lead_id)
    assert deal is not None and deal["version"] == 1  # nothing to link
    assert deal["contacts"][0]["name"] == "Sari Dewi"

    # another conversion was linked to an existing contact and account instead: they
    # replace the chosen ones
    other_lead, existing = new_id("lead"), new_id("con")
    await deals.publish(
        "leads",
        _converted(other_lead).model_copy(
            update={
                "contact": ConvertedContact(contact_id=new_id("con"), last_name="Dewi"),
                "account": ConvertedAccount(name="Maju", new_account_id=new_id("acc")),
            }
        ),
    )
    await eventually(lambda: _deal_of(deals, other_lead), what="deal of the linked lead")
    linked = ContactUpdated(
        contact_id=existing,
        contact=_contact(existing).contact,
        changed_fields=["lifecycle_stage"],
        converted_lead_id=other_lead,
    )
    await deals.publish("contacts", linked)

    async def relinked() -> dict[str, Any] | None:
        found = await _deal_of(deals, other_lead)
        return found if found and found["version"] == 2 else None

    deal = await eventually(relinked, what="existing contact and account on the deal")
    assert [c["contact_id"] for c in deal["contacts"]] == [existing]
    assert deal["account_id"] == "acct_maju"


async def test_contact_and_conversion_handled_at_once_still_meet(deals: DealsHarness) -> None:
    # both events of each conversion published together: the group handles the leads and
    # contacts partitions at once, so each handler may run while the other's write is
    # not committed yet; every deal must still end with its contact
    pairs = [(new_id("lead"), new_id("contact")) for _ in range(24)]
    conversions = [event_envelope(_converted(lead), tenant_id=deals.tenant) for lead, _ in pairs]
    contacts = [
        event_envelope(_contact(contact, lead_id=lead), tenant_id=deals.tenant)
        for lead, contact in pairs
    ]
    bootstrap = deals.settings.kafka_bootstrap
    await asyncio.gather(
        publish_envelopes(bootstrap, deals.settings.topic("leads"), conversions),
        publish_envelopes(bootstrap, deals.settings.topic("contacts"), contacts),
    )

    async def all_linked() -> dict[str, list[str]] | None:
        found = {
            d["source_lead_id"]: [c["contact_id"] for c in d["contacts"]]
            for d in await deals.deals()
        }
        return found if len(found) == len(pairs) and all(found.values()) else None

    linked = await eventually(all_linked, timeout=60, what="every deal linked to its contact")
    assert linked == {lead: [contact] for lead, contact in pairs}


async def test_a_redelivered_conversion_mends_a_deal_left_without_its_contact(
    deals: DealsHarness,
) -> None:
    lead_id, contact_id = new_id("lead"), new_id("contact")
    first = await deals.publish("leads", _converted(lead_id))
    await eventually(lambda: deals.handled(first), what="conversion handled")
    # the contact was projected, but the deal's follow-up never ran (a crash after commit)
    await deals.runtime.uow.db["contact_projection"].insert_one(
        {
            "_id": contact_id,
            "tenant_id": deals.tenant,
            "name": "Sari Dewi",
            "email": "sari@contoh.co.id",
            "account_id": "acct_maju",
            "version": 1,
            "converted_lead_id": lead_id,
        }
    )
    await deals.publish("leads", _converted(lead_id), envelope=first)

    async def linked() -> dict[str, Any] | None:
        found = await _deal_of(deals, lead_id)
        return found if found and found["contacts"] else None

    deal = await eventually(linked, what="the redelivery linked the contact")
    assert [c["contact_id"] for c in deal["contacts"]] == [contact_id]
    assert deal["account_id"] == "acct_maju"


async def test_contact_updates_and_merges_reach_the_deals(deals: DealsHarness) -> None:
    old, survivor = new_id("contact"), new_id("contact")
    await deals.publish("contacts", _contact(old))
    survivor_seen = await deals.publish("contacts", _contact(survivor, last_name="Lestari"))
    await eventually(lambda: deals.handled(survivor_seen), what="survivor projected")
    deal = await deals.create(
        contacts=[{"contact_id": old, "role": "champion"}, {"contact_id": "contact_x"}]
    )
    renamed = ContactUpdated(
        contact_id=old,
        contact=_contact(old, last_name="Wulandari").contact,
        changed_fields=["last_name"],
    )
    await deals.publish("contacts", renamed)

    async def renamed_shown() -> bool:
        body = (await deals.client.get(f"/v1/deals/{deal['id']}", headers=deals.auth())).json()
        return bool(body["contacts"][0]["name"] == "Sari Wulandari")

    await eventually(renamed_shown, what="renamed contact shown")
    await deals.publish(
        "contacts", ContactDeleted(contact_id=old, merged_into=survivor, deleted_by="user_x")
    )

    async def merged() -> list[dict[str, Any]] | None:
        body = (await deals.client.get(f"/v1/deals/{deal['id']}", headers=deals.auth())).json()
        contacts: list[dict[str, Any]] = body["contacts"]
        return contacts if contacts[0]["contact_id"] == survivor else None

    contacts = await eventually(merged, what="merged contact on the deal")
    assert contacts[0] == {
        "contact_id": survivor,
        "role": "champion",
        "name": "Sari Lestari",
        "email": "sari@contoh.co.id",
    }
    assert contacts[1]["contact_id"] == "contact_x" and contacts[1]["name"] is None
    assert await deals.deals(contact_id=old) == []
