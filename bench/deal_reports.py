"""Pipeline, forecast and win/loss reports at 10k and 100k deals (p50 of each, over HTTP).

Deals are seeded straight into the deals database with the service's own document builder
(``deals.deals.service.new_deal``: the same documents the API stores), spread over 20
owners, every stage, 18 close months and five lost reasons; then the service's rebuild
(``POST /v1/reports/rebuild``) computes the read models from them, and each report is
timed. Reports read buckets, not deals, so the 100k figure should stay close to the 10k
one: the target is <= 50 ms at 100k and 100k <= 1.5 x 10k.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from bench.report import Figure
from bench.stats import summarize_ms
from deals.deals.service import new_deal
from deals.pipelines.domain import DEFAULT_STAGES, StageKind

BENCHMARK = "deal reports"
P50_TARGET_MS = 50.0
GROWTH_TARGET = 1.5
REPORTS = {
    "pipeline": "/v1/reports/pipeline",
    "forecast": "/v1/reports/forecast",
    "win-loss": "/v1/reports/win-loss",
}
OWNERS = [f"user_{i:02d}" for i in range(20)]
LOST_REASONS = ("price", "competitor", "no budget", "timing", "no decision")
SEED_BATCH = 2000


def _deal(rng: random.Random, pipeline_id: str, now: datetime, tenant: str) -> dict[str, Any]:
    stage = rng.choice(DEFAULT_STAGES)
    created = now - timedelta(days=rng.uniform(0, 540))
    doc = new_deal(
        name=f"Deal {rng.randrange(10**9)}",
        pipeline_id=pipeline_id,
        stage=stage,
        amount=Decimal(rng.randrange(1, 500)) * 1_000_000,
        currency="IDR",
        probability=stage.probability,
        expected_close_date=date.today() + timedelta(days=rng.randrange(-90, 450)),
        contacts=[],
        account_id=None,
        owner_id=rng.choice(OWNERS),
        campaign_id=None,
        source_lead_id=None,
        created_by="user_bench",
    )
    if stage.kind is not StageKind.OPEN:
        doc["closed_at"] = created + timedelta(days=rng.uniform(1, 120))
        doc["lost_reason"] = rng.choice(LOST_REASONS) if stage.kind is StageKind.LOST else None
    doc.update(tenant_id=tenant, version=1, created_at=created, updated_at=created)
    return doc


async def seed(*, mongo_url: str, db_name: str, tenant: str, pipeline_id: str, count: int) -> float:
    """Insert ``count`` deals of ``tenant`` in batches; returns the seconds it took."""
    rng = random.Random(count)
    now = datetime.now(UTC)
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongo_url)
    started = time.perf_counter()
    try:
        deals = client[db_name]["deals"]
        for first in range(0, count, SEED_BATCH):
            batch = [
                _deal(rng, pipeline_id, now, tenant) for _ in range(min(SEED_BATCH, count - first))
            ]
            await deals.insert_many(batch, ordered=False)
            if (first + len(batch)) % 10_000 == 0:
                print(f"[bench]   {first + len(batch):,} deals seeded", flush=True)
    finally:
        await client.close()
    return time.perf_counter() - started


async def measure_tenant(client: httpx.AsyncClient, *, requests: int) -> dict[str, dict[str, Any]]:
    """Rebuild the tenant's read models, then time each report ``requests`` times."""
    started = time.perf_counter()
    print("[bench]   rebuilding the read models ...", flush=True)
    rebuilt = await client.post("/v1/reports/rebuild", timeout=600)
    rebuilt.raise_for_status()
    result: dict[str, dict[str, Any]] = {
        "rebuild": {"seconds": round(time.perf_counter() - started, 2), **rebuilt.json()}
    }
    for name, path in {**REPORTS, "noise floor: GET /healthz": "/healthz"}.items():
        (await client.get(path)).raise_for_status()  # warm-up
        times = []
        for _ in range(requests):
            t0 = time.perf_counter()
            response = await client.get(path)
            times.append(time.perf_counter() - t0)
            response.raise_for_status()
        result[name] = summarize_ms(times)
    return result


def figures(small: dict[str, Any], big: dict[str, Any], sizes: tuple[int, int]) -> list[Figure]:
    """Each report's p50 at the big size, against the same report at the small size."""
    out = []
    for name in REPORTS:
        value, base = big[name]["p50_ms"], small[name]["p50_ms"]
        met = value <= P50_TARGET_MS and value <= GROWTH_TARGET * base
        out.append(
            Figure(
                BENCHMARK,
                f"{name} p50 @{sizes[1]:,}",
                "ms",
                value,
                base,
                f"same report @{sizes[0]:,} deals",
                target=f"<= {P50_TARGET_MS:.0f} ms and <= {GROWTH_TARGET}x",
                met=met,
            )
        )
    return out
