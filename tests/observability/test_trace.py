"""One trace from a gateway request through the leads service, its outbox and Kafka to the
campaigns consumer: the apps run in this process on loopback ports, on the real servers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

from campaigns.main import create_app as create_campaigns_app
from campaigns.settings import CampaignsSettings
from crm_devstack.observability import recorded_spans, trace_id_of
from crm_devstack.testing import (
    Backend,
    TokenMinter,
    eventually,
    isolated_settings,
    served,
    serving_app,
    unique_name,
)
from gateway.main import create_app as create_gateway_app
from gateway.settings import GatewaySettings
from leads.main import create_app as create_leads_app
from leads.settings import LeadsSettings


def only_child(spans: Sequence[ReadableSpan], parent: ReadableSpan, kind: SpanKind) -> ReadableSpan:
    """The one span of ``kind`` whose parent is ``parent``, in the same trace."""
    assert parent.context is not None
    children = [
        s
        for s in spans
        if s.kind is kind
        and s.parent is not None
        and s.parent.span_id == parent.context.span_id
        and trace_id_of(s) == trace_id_of(parent)
    ]
    assert len(children) == 1, (parent.name, kind, [c.name for c in children])
    return children[0]


async def test_one_trace_from_the_gateway_to_a_consumer_in_another_service(
    backend: Backend, minter: TokenMinter
) -> None:
    prefix = unique_name("t") + "."

    def settings_of(name: str) -> dict[str, Any]:
        return {**isolated_settings(backend, minter, name), "topic_prefix": prefix}

    tenant = unique_name("tenant_")
    with recorded_spans() as exporter:
        leads = create_leads_app(LeadsSettings(**settings_of("leads")))
        campaigns = create_campaigns_app(CampaignsSettings(**settings_of("campaigns")))
        async with (
            served(leads, lifespan="on") as leads_url,
            served(campaigns, lifespan="on") as campaigns_url,
        ):
            gateway_settings = GatewaySettings(
                **{
                    **isolated_settings(backend, minter, "gateway"),
                    "jwt_private_key": minter.private_pem,
                    "upstreams": {"leads": leads_url, "campaigns": campaigns_url},
                }
            )
            async with serving_app(create_gateway_app(gateway_settings)) as client:
                created = await client.post(
                    "/api/v1/leads",
                    json={"last_name": "Trace"},
                    headers=minter.headers(tenant=tenant, roles=["admin"]),
                )
                assert created.status_code == 201, created.text

            def consumer_span() -> ReadableSpan | None:
                found = [
                    s
                    for s in exporter.get_finished_spans()
                    if s.kind is SpanKind.CONSUMER
                    and (s.attributes or {}).get("messaging.destination.name") == f"{prefix}leads"
                    and (s.attributes or {}).get("messaging.consumer.group.name") == "campaigns"
                ]
                return found[0] if found else None

            consumed = await eventually(consumer_span, timeout=30, what="the consumer span")
        spans = exporter.get_finished_spans()

    [gateway] = [
        s
        for s in spans
        if s.kind is SpanKind.SERVER
        and (s.attributes or {}).get("http.route") == "/api/v1/{resource}"
    ]
    call = only_child(spans, gateway, SpanKind.CLIENT)
    assert call.attributes is not None
    assert call.attributes["http.url"] == f"{leads_url}/v1/leads"
    service = only_child(spans, call, SpanKind.SERVER)
    assert service.attributes is not None
    assert service.attributes["http.route"] == "/v1/leads"
    publish = only_child(spans, service, SpanKind.PRODUCER)
    assert publish.attributes is not None
    assert publish.attributes["cloudevents.event_type"] == "LeadCreated"
    assert publish.attributes["messaging.kafka.message.key"] == created.json()["id"]
    assert only_child(spans, publish, SpanKind.CONSUMER) == consumed
    assert consumed.attributes is not None
    assert consumed.attributes["messaging.destination.name"] == f"{prefix}leads"
    assert {trace_id_of(s) for s in (call, service, publish, consumed)} == {trace_id_of(gateway)}
