"""Benchmark 2: commit -> consumed latency of LeadCreated (outbox + relay + Kafka).

Leads are created at a fixed pace over HTTP; a consumer in its own group reads the leads
topic. Latency is the consume time minus the moment the 201 came back (the transaction
has committed by then), matched by the record key (the lead id). The baseline is a raw
aiokafka ``acks=all`` produce -> consume round trip on the same broker at the same pace.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench.context import Run
from bench.data import lead_body
from bench.report import Figure
from bench.stats import summarize_ms
from crm_devstack.testing import unique_name
from crm_shared.kafka.topics import ensure_topics

BENCHMARK = "LeadCreated commit->consumed"
BASELINE_LABEL = "raw aiokafka produce->consume"
P99_TARGET_MS = 50.0
ASSIGN_TIMEOUT_S = 20.0
CONSUME_GRACE_S = 30.0
HTTP_TIMEOUT_S = 60.0
Sender = Callable[[int], Coroutine[Any, Any, None]]
PAYLOAD = b"x" * 1200
"""Baseline record size, about that of a LeadCreated envelope."""


def _consumer(run: Run, topic: str, offset_reset: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        topic,
        bootstrap_servers=run.stack.kafka_bootstrap,
        group_id=unique_name("bench-latency-"),
        auto_offset_reset=offset_reset,
        enable_auto_commit=False,
        fetch_max_wait_ms=10,
        session_timeout_ms=2000,
        heartbeat_interval_ms=300,
    )


async def _start_assigned(consumer: AIOKafkaConsumer) -> None:
    """Start, wait for the group assignment, and pin positions to the current end."""
    await asyncio.wait_for(consumer.start(), timeout=15)
    deadline = time.monotonic() + ASSIGN_TIMEOUT_S
    while not consumer.assignment():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no partitions assigned after {ASSIGN_TIMEOUT_S:.0f} s")
        await consumer.getmany(timeout_ms=100)
    assigned = list(consumer.assignment())
    await asyncio.wait_for(consumer.seek_to_end(*assigned), timeout=10)
    for tp in assigned:
        await asyncio.wait_for(consumer.position(tp), timeout=10)


async def _collect(consumer: AIOKafkaConsumer, seen: dict[str, float]) -> None:
    """Record the first time each key is consumed."""
    while True:
        batches = await consumer.getmany(timeout_ms=100)
        now = time.perf_counter()
        for records in batches.values():
            for record in records:
                if record.key is not None:
                    seen.setdefault(record.key.decode(), now)


async def paced(rate: float, seconds: float, send: Sender) -> None:
    """Start ``send(i)`` at a fixed pace of ``rate`` per second, then wait for all of them."""
    count = int(rate * seconds)
    start = time.perf_counter() + 0.05
    tasks: list[asyncio.Task[None]] = []
    for i in range(count):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(i)))
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=seconds + HTTP_TIMEOUT_S + 10)


async def _await_keys(seen: dict[str, float], keys: set[str]) -> None:
    """Wait (bounded) until every key was consumed."""
    deadline = time.monotonic() + CONSUME_GRACE_S
    while time.monotonic() < deadline:
        if keys.issubset(seen):
            return
        await asyncio.sleep(0.05)


async def _measure(
    run: Run,
    consumer: AIOKafkaConsumer,
    send: Sender,
    sent: dict[str, float],
) -> dict[str, Any]:
    """Consume while sending at the configured pace; latency per key = consumed - sent."""
    seen: dict[str, float] = {}
    await _start_assigned(consumer)
    reader = asyncio.create_task(_collect(consumer, seen))
    try:
        await paced(run.sizes.event_rate, run.sizes.event_duration_s, send)
        await _await_keys(seen, set(sent))
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
        await asyncio.wait_for(consumer.stop(), timeout=10)
    latencies = [seen[k] - t for k, t in sent.items() if k in seen]
    summary = summarize_ms(latencies)
    summary.update(
        sent=len(sent),
        missing=len(set(sent) - set(seen)),
        negative=sum(1 for x in latencies if x < 0),
        rate_per_s=run.sizes.event_rate,
        duration_s=run.sizes.event_duration_s,
    )
    return summary


async def kafka_round_trip(run: Run) -> dict[str, Any]:
    """Baseline: produce (acks=all) -> consume on a fresh topic at the same pace."""
    topic = f"{run.topic_prefix}bench.rtt"
    await ensure_topics(run.stack.kafka_bootstrap, {topic: 6})
    producer = AIOKafkaProducer(
        bootstrap_servers=run.stack.kafka_bootstrap,
        acks="all",
        linger_ms=0,
        enable_idempotence=False,
    )
    await asyncio.wait_for(producer.start(), timeout=15)
    sent: dict[str, float] = {}

    async def send(i: int) -> None:
        key = f"k{i}"
        sent[key] = time.perf_counter()
        await producer.send_and_wait(topic, PAYLOAD, key=key.encode())

    try:
        return await _measure(run, _consumer(run, topic, "earliest"), send, sent)
    finally:
        await asyncio.wait_for(producer.stop(), timeout=10)


async def commit_to_consumed(run: Run, tenant: str) -> dict[str, Any]:
    """Create leads at the fixed pace; latency = LeadCreated consumed - 201 received."""
    sent: dict[str, float] = {}
    starts: list[float] = []
    failures: dict[str, int] = {}
    tag = unique_name("ev")
    async with httpx.AsyncClient(
        base_url=run.leads_url,
        headers=run.auth(tenant),
        timeout=HTTP_TIMEOUT_S,
        limits=httpx.Limits(max_connections=1000),
    ) as client:

        async def send(i: int) -> None:
            starts.append(time.perf_counter())
            try:
                response = await client.post("/v1/leads", json=lead_body(f"{tag}-{i}"))
            except httpx.HTTPError as exc:
                failures[type(exc).__name__] = failures.get(type(exc).__name__, 0) + 1
                return
            done = time.perf_counter()
            if response.status_code == 201:
                sent[response.json()["id"]] = done
            else:
                failures[str(response.status_code)] = failures.get(str(response.status_code), 0) + 1

        result = await _measure(run, _consumer(run, run.topic, "latest"), send, sent)
    if sent:
        result["completed_per_s"] = round(len(sent) / (max(sent.values()) - min(starts)), 1)
    result["http_failures"] = failures
    return result


def figures(leads: dict[str, Any], baseline: dict[str, Any]) -> list[Figure]:
    """p50 and p99 (target p99 <= 50 ms) plus the count of events never seen."""
    p99 = leads["p99_ms"]
    problems = []
    if leads["missing"] or leads["http_failures"]:
        problems.append(
            f"ERRORS: {leads['missing']} of {leads['sent']} events not consumed, "
            f"HTTP failures {leads['http_failures']}"
        )
    if leads["negative"]:
        problems.append(f"{leads['negative']} events consumed before their 201 arrived")
    return [
        Figure(
            BENCHMARK,
            "latency p50",
            "ms",
            leads["p50_ms"],
            baseline["p50_ms"],
            BASELINE_LABEL,
            note=f"{leads['sent']} leads at {leads['rate_per_s']:.0f}/s",
        ),
        Figure(
            BENCHMARK,
            "latency p99",
            "ms",
            p99,
            baseline["p99_ms"],
            BASELINE_LABEL,
            target=f"<= {P99_TARGET_MS:.0f} ms",
            met=p99 is not None and p99 <= P99_TARGET_MS,
            note="; ".join(problems),
        ),
    ]
