"""Benchmark: event -> webhook received, at a fixed pace of LeadCreated events.

Events are published straight to the leads topic (as the leads service's relay would);
the notifications service fans them out to one subscription whose URL is a receiver in
this process on loopback (allow-listed). Latency = received - published, per event id.
The baseline is the raw aiokafka produce -> consume round trip at the same pace.
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.context import Run
from bench.events import BASELINE_LABEL, paced
from bench.platform import admin
from bench.report import Figure
from bench.stats import summarize_ms
from crm_devstack.testing import event_envelope, eventually, served, unique_name
from crm_shared.events.catalogue import LeadCreated, LeadSnapshot
from crm_shared.kafka.topics import ensure_topics

BENCHMARK = "event -> webhook received"
P99_TARGET_MS = 500.0
GRACE_S = 60.0


class Receiver:
    """Keeps the arrival time of each event id."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}

    async def hook(self, request: Request) -> Response:
        body = json.loads(await request.body())
        self.arrived.setdefault(body["id"], time.perf_counter())
        return Response(status_code=204)


async def measure(
    run: Run, notifications_url: str, *, rate: float, seconds: float
) -> dict[str, Any]:
    """Publish at ``rate``/s for ``seconds``; latency of each event to its webhook."""
    receiver = Receiver()
    async with served(Starlette(routes=[Route("/hook", receiver.hook, methods=["POST"])])) as url:
        sent = await _publish_paced(run, notifications_url, f"{url}/hook", rate, seconds, receiver)
    latencies = [receiver.arrived[k] - t for k, t in sent.items() if k in receiver.arrived]
    summary = summarize_ms(latencies)
    summary.update(
        sent=len(sent),
        missing=len(set(sent) - set(receiver.arrived)),
        rate_per_s=rate,
        duration_s=seconds,
    )
    return summary


async def _publish_paced(
    run: Run,
    notifications_url: str,
    hook_url: str,
    rate: float,
    seconds: float,
    receiver: Receiver,
) -> dict[str, float]:
    """Subscribe ``hook_url``, publish at the pace, wait for the deliveries (bounded)."""
    tenant = unique_name("bench_hooks_")
    topic = f"{run.topic_prefix}leads"
    await ensure_topics(run.stack.kafka_bootstrap, {topic: 6})
    producer = AIOKafkaProducer(
        bootstrap_servers=run.stack.kafka_bootstrap, acks="all", enable_idempotence=False
    )
    sent: dict[str, float] = {}
    try:
        async with httpx.AsyncClient(base_url=notifications_url, timeout=30) as client:
            created = await client.post(
                "/v1/webhooks",
                json={"url": hook_url, "event_types": ["Lead*"]},
                headers=admin(run, tenant),
            )
            created.raise_for_status()
        await producer.start()

        async def send(i: int) -> None:
            lead_id = f"lead_bench{i:08d}"
            event = LeadCreated(
                lead_id=lead_id,
                lead=LeadSnapshot(
                    lead_id=lead_id,
                    last_name=f"Bench {i}",
                    source="web",
                    status="new",
                    rating="warm",
                    score=10,
                    version=1,
                ),
            )
            envelope = event_envelope(event, tenant_id=tenant)
            sent[envelope.id] = time.perf_counter()
            await producer.send_and_wait(
                topic, envelope.to_bytes(), key=lead_id.encode(), headers=envelope.kafka_headers()
            )

        await paced(rate, seconds, send)
        with contextlib.suppress(AssertionError):  # the missing ones are reported
            await eventually(
                lambda: set(sent) <= set(receiver.arrived), timeout=GRACE_S, interval=0.1
            )
    finally:
        await producer.stop()
    return sent


def figures(hooks: dict[str, Any], baseline: dict[str, Any]) -> list[Figure]:
    """p50 and p99 (target p99 <= 500 ms at 50 events/s)."""
    note = f"{hooks['missing']} of {hooks['sent']} never received" if hooks["missing"] else ""
    return [
        Figure(
            BENCHMARK,
            "latency p50",
            "ms",
            hooks["p50_ms"],
            baseline["p50_ms"],
            BASELINE_LABEL,
            note=note,
        ),
        Figure(
            BENCHMARK,
            "latency p99",
            "ms",
            hooks["p99_ms"],
            baseline["p99_ms"],
            BASELINE_LABEL,
            target=f"<= {P99_TARGET_MS:.0f} ms",
            met=hooks["p99_ms"] <= P99_TARGET_MS and not hooks["missing"],
            note=note,
        ),
    ]
