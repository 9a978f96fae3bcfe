"""LeadConverted -> contact readable in contacts and deal readable in deals, at a fixed pace.

Leads are created first; then each is converted (with a deal) at ``rate`` per second. Two
readers follow the contacts and deals topics: a ContactCreated carrying the lead's id, or a
DealCreated whose deal has it as source lead, triggers a GET of the new record, and the
record counts as readable at the first 200. Latency per conversion = the later of the two
reads - the moment the convert response came back (the lead's transaction had committed).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer

from bench.events import paced
from bench.report import Figure
from bench.stats import summarize_ms
from crm_devstack.testing import eventually, unique_name

BENCHMARK = "LeadConverted -> contact and deal readable"
P99_TARGET_MS = 250.0
HTTP_TIMEOUT_S = 30.0
READ_DEADLINE_S = 30.0
# Drop idle connections before uvicorn does (its keep-alive is 5 s): a request sent on a
# connection the server is closing fails with ReadError, which is the client's doing.
CLIENT_LIMITS = httpx.Limits(max_connections=200, keepalive_expiry=2.0)
Reader = Callable[[str], Awaitable[None]]


def lead_body(tag: str, i: int) -> dict[str, str]:
    """A lead with its own e-mail and company domain (so each conversion makes an account)."""
    return {
        "first_name": "Dewi",
        "last_name": f"Lestari {i}",
        "email": f"dewi.{tag}.{i}@usaha{i}-{tag}.co.id",
        "company": f"PT Usaha {i}",
        "website": f"usaha{i}-{tag}.co.id",
        "source": "web",
    }


async def create_leads(client: httpx.AsyncClient, tag: str, count: int) -> list[str]:
    """Create ``count`` leads, 16 at a time; returns their ids. A request that died on
    the wire is sent again with the same ``Idempotency-Key``, so it never doubles."""
    ids: list[str] = [""] * count
    gate = asyncio.Semaphore(16)

    async def one(i: int) -> None:
        headers = {"Idempotency-Key": f"{tag}-{i}"}
        async with gate:
            for attempt in range(3):
                try:
                    response = await client.post(
                        "/v1/leads", json=lead_body(tag, i), headers=headers
                    )
                    break
                except httpx.TransportError:
                    if attempt == 2:
                        raise
            response.raise_for_status()
            ids[i] = response.json()["id"]

    await asyncio.gather(*(one(i) for i in range(count)))
    return ids


async def _follow(
    bootstrap: str,
    topic: str,
    lead_of: Callable[[dict[str, Any]], tuple[str, str] | None],
    on_record: Callable[[str, str], None],
    assigned: asyncio.Event,
) -> None:
    """Read ``topic`` from the start; report (lead id, record id) pairs; set ``assigned``
    once the group gave this reader its partitions."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=unique_name("bench-conv-"),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=10,
        session_timeout_ms=2000,
        heartbeat_interval_ms=300,
    )
    await asyncio.wait_for(consumer.start(), timeout=15)
    try:
        while True:
            batches = await consumer.getmany(timeout_ms=100)
            if consumer.assignment():
                assigned.set()
            for records in batches.values():
                for record in records:
                    found = lead_of(json.loads(record.value))
                    if found is not None:
                        on_record(*found)
    finally:
        await asyncio.wait_for(consumer.stop(), timeout=10)


def _contact_of(event: dict[str, Any]) -> tuple[str, str] | None:
    data = event.get("data") or {}
    if event.get("type") in ("ContactCreated", "ContactUpdated") and data.get("converted_lead_id"):
        return data["converted_lead_id"], data["contact_id"]
    return None


def _deal_of(event: dict[str, Any]) -> tuple[str, str] | None:
    data = event.get("data") or {}
    if event.get("type") == "DealCreated" and data["deal"].get("source_lead_id"):
        return data["deal"]["source_lead_id"], data["deal_id"]
    return None


async def _read_until_ok(client: httpx.AsyncClient, path: str) -> float | None:
    """Time of the first 200 for ``path`` (None if it never came within the deadline)."""
    deadline = time.monotonic() + READ_DEADLINE_S
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.TransportError):  # a GET: safe to send again
            if (await client.get(path)).status_code == 200:
                return time.perf_counter()
        await asyncio.sleep(0.005)
    return None


async def measure(
    *,
    urls: dict[str, str],
    headers: dict[str, str],
    bootstrap: str,
    topics: dict[str, str],
    rate: float,
    seconds: float,
) -> dict[str, Any]:
    """Convert ``rate * seconds`` leads at ``rate``/s; per-conversion readable latencies."""
    tag = unique_name("c")
    count = int(rate * seconds)
    clients = {
        name: httpx.AsyncClient(
            base_url=url, headers=headers, timeout=HTTP_TIMEOUT_S, limits=CLIENT_LIMITS
        )
        for name, url in urls.items()
    }
    converted: dict[str, float] = {}
    readable: dict[str, dict[str, float | None]] = {"contacts": {}, "deals": {}}
    reads: list[asyncio.Task[None]] = []
    failures: dict[str, int] = {}
    followers: list[asyncio.Task[None]] = []

    ours: set[str] = set()
    """The leads this call converts: the topics also hold the records of earlier calls,
    of other tenants, which this tenant's reads would only ever find missing."""

    def reader(service: str, path: str) -> Callable[[str, str], None]:
        def on_record(lead_id: str, record_id: str) -> None:
            if lead_id not in ours or lead_id in readable[service]:
                return
            readable[service][lead_id] = None

            async def read() -> None:
                readable[service][lead_id] = await _read_until_ok(
                    clients[service], f"{path}/{record_id}"
                )

            reads.append(asyncio.create_task(read()))

        return on_record

    try:
        lead_ids = await create_leads(clients["leads"], tag, count)
        ours.update(lead_ids)
        joined = {"contacts": asyncio.Event(), "deals": asyncio.Event()}
        followers += [
            asyncio.create_task(
                _follow(
                    bootstrap,
                    topics["contacts"],
                    _contact_of,
                    reader("contacts", "/v1/contacts"),
                    joined["contacts"],
                )
            ),
            asyncio.create_task(
                _follow(
                    bootstrap,
                    topics["deals"],
                    _deal_of,
                    reader("deals", "/v1/deals"),
                    joined["deals"],
                )
            ),
        ]
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in joined.values())), timeout=30)

        async def convert(i: int) -> None:
            lead_id = lead_ids[i]
            body = {"create_deal": {"name": f"Deal {i}", "amount": "15000000"}}
            try:
                response = await clients["leads"].post(f"/v1/leads/{lead_id}/convert", json=body)
            except httpx.TransportError as exc:
                failures[type(exc).__name__] = failures.get(type(exc).__name__, 0) + 1
                return
            if response.status_code == 200:
                converted[lead_id] = time.perf_counter()
            else:
                failures[str(response.status_code)] = failures.get(str(response.status_code), 0) + 1

        await paced(rate, seconds, convert)
        with contextlib.suppress(AssertionError):  # what never arrives is counted as missing
            await eventually(
                lambda: all(lead in readable[s] for lead in converted for s in readable),
                timeout=READ_DEADLINE_S,
                what="every converted lead's contact and deal event",
            )
        await asyncio.wait_for(asyncio.gather(*reads), timeout=READ_DEADLINE_S + 5)
    finally:
        for task in followers:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for client in clients.values():
            await client.aclose()

    both, contact_only, deal_only = [], [], []
    missing = 0
    for lead_id, t0 in converted.items():
        c, d = readable["contacts"].get(lead_id), readable["deals"].get(lead_id)
        if c is None or d is None:
            missing += 1
            continue
        contact_only.append(c - t0)
        deal_only.append(d - t0)
        both.append(max(c, d) - t0)
    return {
        "both": summarize_ms(both),
        "contact": summarize_ms(contact_only),
        "deal": summarize_ms(deal_only),
        "conversions": len(converted),
        "missing": missing,
        "http_failures": failures,
        "rate_per_s": rate,
        "duration_s": seconds,
    }


def figures(
    result: dict[str, Any], baseline: dict[str, Any], *, target: bool = True
) -> list[Figure]:
    """p50 and p99 of 'both readable' at the result's rate against the raw round trip; with
    ``target`` the p99 is judged against 250 ms."""
    label = "raw aiokafka produce->consume"
    rate = f"@{result['rate_per_s']:g}/s"
    note = f"{result['conversions']} conversions at {result['rate_per_s']:g}/s"
    if result["missing"] or result["http_failures"]:
        note += f"; ERRORS: {result['missing']} never readable, HTTP {result['http_failures']}"
    p99 = result["both"]["p99_ms"]
    met = p99 is not None and p99 <= P99_TARGET_MS and not result["missing"]
    return [
        Figure(
            BENCHMARK,
            f"latency p50 {rate}",
            "ms",
            result["both"]["p50_ms"],
            baseline["p50_ms"],
            label,
            note=note,
        ),
        Figure(
            BENCHMARK,
            f"latency p99 {rate}",
            "ms",
            p99,
            baseline["p99_ms"],
            label,
            target=f"<= {P99_TARGET_MS:.0f} ms" if target else "",
            met=met if target else None,
        ),
    ]
