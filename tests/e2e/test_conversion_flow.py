"""Lead → contact + account + deal → won deal → purchase stats, across three processes."""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaProducer

from crm_devstack.testing import TopicReader, eventually, wait_consumed
from crm_shared.events.envelope import parse_envelope

from .conftest import Platform


async def _get(platform: Platform, service: str, path: str) -> dict[str, Any]:
    response = await platform.clients[service].get(path, headers=platform.auth())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _items(platform: Platform, service: str, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await _get(platform, service, path))["items"]
    return items


def _types(reader: TopicReader) -> list[str]:
    return [parse_envelope(r.value).type for r in reader.records]


async def _redeliver(platform: Platform, records: list[Any]) -> None:
    """Publish the very same records again (same bytes, key, headers: same event ids)."""
    producer = AIOKafkaProducer(bootstrap_servers=platform.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for record in records:
            await producer.send_and_wait(
                record.topic, record.value, key=record.key, headers=list(record.headers)
            )
    finally:
        await producer.stop()


async def _all_consumed(platform: Platform) -> None:
    for group, owners in {
        "contacts": ("leads", "deals"),
        "deals": ("leads", "contacts"),
        "leads": ("contacts", "deals"),
    }.items():
        for owner in owners:
            await wait_consumed(
                platform.kafka_bootstrap,
                group=f"{platform.topic_prefix}{group}",
                topic=platform.topic(owner),
            )


async def test_conversion_to_won_deal_across_services(platform: Platform) -> None:
    leads, deals = platform.clients["leads"], platform.clients["deals"]
    async with (
        TopicReader(platform.kafka_bootstrap, platform.topic("leads")) as lead_events,
        TopicReader(platform.kafka_bootstrap, platform.topic("contacts")) as contact_events,
        TopicReader(platform.kafka_bootstrap, platform.topic("deals")) as deal_events,
    ):
        created = await leads.post(
            "/v1/leads",
            json={
                "first_name": "Sari",
                "last_name": "Wijaya",
                "email": "sari@maju.co.id",
                "company": "PT Maju Jaya",
                "website": "maju.co.id",
                "source": "web",
            },
            headers=platform.auth(),
        )
        assert created.status_code == 201, created.text
        lead_id = created.json()["id"]
        converted = await leads.post(
            f"/v1/leads/{lead_id}/convert",
            json={"create_deal": {"name": "Maju Jaya CRM", "amount": "25000000"}},
            headers=platform.auth(),
        )
        assert converted.status_code == 200, converted.text

        async def links() -> dict[str, str] | None:
            done = (await _get(platform, "leads", f"/v1/leads/{lead_id}"))["converted"]
            ids = {k: done.get(k) for k in ("contact_id", "account_id", "deal_id")}
            return ids if all(ids.values()) else None

        ids = await eventually(links, timeout=30, what="contact, account and deal of the lead")
        contact = await _get(platform, "contacts", f"/v1/contacts/{ids['contact_id']}")
        assert contact["source_lead_id"] == lead_id
        assert contact["account_id"] == ids["account_id"]
        assert contact["lifecycle_stage"] == "prospect"
        account = await _get(platform, "contacts", f"/v1/accounts/{ids['account_id']}")
        assert account["domain"] == "maju.co.id"

        async def deal_with_contact() -> dict[str, Any] | None:
            # the lead names its deal from the conversion on (the id is chosen there), so
            # the deals service may not have created it yet
            response = await deals.get(f"/v1/deals/{ids['deal_id']}", headers=platform.auth())
            if response.status_code == 404:
                return None
            assert response.status_code == 200, response.text
            deal: dict[str, Any] = response.json()
            linked = [c["contact_id"] for c in deal["contacts"]] == [ids["contact_id"]]
            return deal if linked and deal["account_id"] == ids["account_id"] else None

        deal = await eventually(deal_with_contact, timeout=30, what="deal linked to the contact")
        assert deal["source_lead_id"] == lead_id
        assert deal["amount"] == "25000000"

        rfm_before = await _get(platform, "contacts", f"/v1/contacts/{ids['contact_id']}/rfm")
        won = await deals.post(
            f"/v1/deals/{ids['deal_id']}/stage",
            json={"stage": "closed_won"},
            headers={**platform.auth(), "If-Match": f'"{deal["version"]}"'},
        )
        assert won.status_code == 200, won.text

        async def customer() -> dict[str, Any] | None:
            body = await _get(platform, "contacts", f"/v1/contacts/{ids['contact_id']}")
            return body if body["lifecycle_stage"] == "customer" else None

        contact = await eventually(customer, timeout=30, what="contact became a customer")
        assert contact["purchase_count"] == 1
        assert contact["purchase_totals"] == {"IDR": "25000000"}
        rfm_after = await _get(platform, "contacts", f"/v1/contacts/{ids['contact_id']}/rfm")
        assert (rfm_before["customer"], rfm_before["segment"]) == (False, None)
        assert rfm_after["customer"] is True
        assert rfm_after["segment"] is not None
        assert (rfm_after["frequency"], rfm_after["monetary"]) == (1, "25000000")
        assert contact["rfm_segment"] == rfm_after["segment"]

        await _all_consumed(platform)
        first_pass = {
            "leads topic": _types(lead_events),
            "contacts topic": _types(contact_events),
            "deals topic": _types(deal_events),
        }
        assert first_pass["contacts topic"].count("ContactCreated") == 1
        assert first_pass["contacts topic"].count("AccountCreated") == 1
        assert first_pass["deals topic"].count("DealCreated") == 1
        assert first_pass["deals topic"].count("DealWon") == 1

        # Every event of the flow delivered a second time: nothing may double.
        await _redeliver(platform, [*lead_events.records, *deal_events.records])
        await _redeliver(platform, list(contact_events.records))
        await _all_consumed(platform)

    assert len(await _items(platform, "contacts", "/v1/contacts")) == 1
    assert len(await _items(platform, "contacts", "/v1/accounts")) == 1
    assert len(await _items(platform, "deals", "/v1/deals")) == 1
    again = await _get(platform, "contacts", f"/v1/contacts/{ids['contact_id']}")
    assert again["purchase_count"] == 1
    assert again["purchase_totals"] == {"IDR": "25000000"}
    assert again["version"] == contact["version"]
