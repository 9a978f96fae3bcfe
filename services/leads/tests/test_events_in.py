"""Events the leads service consumes, and tracing across Kafka."""

from __future__ import annotations

from crm_devstack.observability import recorded_spans, trace_id_of
from crm_devstack.testing import TopicReader, eventually, publish_event
from crm_shared.events.catalogue import (
    ContactCreated,
    ContactSnapshot,
    DealStageChanged,
)

from .conftest import LeadsHarness


async def _publish_stage_change(leads: LeadsHarness, lead_id: str, *, won: bool) -> None:
    event = DealStageChanged(
        deal_id="deal_1",
        pipeline_id="pipe_1",
        from_stage="negotiation",
        to_stage="closed_won" if won else "negotiation",
        amount="15000000",
        currency="IDR",
        probability=100 if won else 80,
        source_lead_id=lead_id,
        changed_by="user_x",
        is_won=won,
    )
    await publish_event(
        leads.settings.kafka_bootstrap, leads.settings.topic("deals"), event, tenant_id=leads.tenant
    )


async def test_deal_stage_changes_close_the_loop_on_converted_leads(leads: LeadsHarness) -> None:
    lead = await leads.create(company="PT Loop")
    url = f"/v1/leads/{lead['id']}"
    converted = await leads.client.post(f"{url}/convert", json={}, headers=leads.auth())
    assert converted.status_code == 200
    await _publish_stage_change(leads, lead["id"], won=True)

    async def outcome() -> str | None:
        body = (await leads.client.get(url, headers=leads.auth())).json()
        return body["converted"].get("deal_outcome")  # type: ignore[no-any-return]

    assert await eventually(outcome, timeout=30, what="deal outcome on the lead") == "won"
    body = (await leads.client.get(url, headers=leads.auth())).json()
    assert body["converted"]["deal_id"] == "deal_1"
    assert body["converted"]["deal_stage"] == "closed_won"


async def test_contact_and_deal_of_a_conversion_are_linked_on_the_lead(
    leads: LeadsHarness,
) -> None:
    lead = await leads.create(company="PT Tautan", email="tautan@contoh.co.id")
    url = f"/v1/leads/{lead['id']}"
    converted = await leads.client.post(
        f"{url}/convert",
        json={"create_deal": {"name": "Tautan", "amount": "1"}},
        headers=leads.auth(),
    )
    assert converted.status_code == 200
    # the deal's id is chosen by the conversion: on the lead at once, and in the event
    deal_id = converted.json()["converted"]["deal_id"]
    assert deal_id.startswith("deal_")
    contact = ContactSnapshot(
        contact_id="contact_1",
        last_name="Wijaya",
        account_id="account_1",
        lifecycle_stage="prospect",
        version=1,
    )
    bootstrap = leads.settings.kafka_bootstrap
    await publish_event(
        bootstrap,
        leads.settings.topic("contacts"),
        ContactCreated(contact_id="contact_1", contact=contact, converted_lead_id=lead["id"]),
        tenant_id=leads.tenant,
    )

    async def links() -> dict[str, str] | None:
        body = (await leads.client.get(url, headers=leads.auth())).json()
        found = {k: body["converted"].get(k) for k in ("contact_id", "account_id", "deal_id")}
        return found if all(found.values()) else None

    assert await eventually(links, timeout=30, what="conversion links") == {
        "contact_id": "contact_1",
        "account_id": "account_1",
        "deal_id": deal_id,
    }


async def test_one_trace_from_request_through_kafka(leads: LeadsHarness) -> None:
    with recorded_spans() as exporter:
        async with TopicReader(leads.settings.kafka_bootstrap, leads.topic) as reader:
            created = await leads.create()
            [record] = await reader.wait_for_count(1)
        traceparent = dict(record.headers)["traceparent"].decode()
        trace_id = traceparent.split("-")[1]

        def spans_of_trace() -> list[str]:
            return [s.name for s in exporter.get_finished_spans() if trace_id_of(s) == trace_id]

        names = await eventually(
            lambda: (n := spans_of_trace()) and any(x.endswith("publish") for x in n) and n,
            what="request and publish spans in one trace",
        )
    assert any(name.startswith("POST") for name in names), names
    assert f"{leads.topic} publish" in names
    assert created["id"]
