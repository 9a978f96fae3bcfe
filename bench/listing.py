"""Benchmark 4: first page of filtered, sorted lead lists at a small and a large tenant.

Each query is timed over sequential HTTP requests (bounded by a time budget; the very first
request, before any warm-up, is reported on its own), and through the raw driver twice:
the plain find (filter, sort, limit), which the embedded server answers by fetching every
match, and the same find restricted to the page's own keys (the documents from the page's
last item up), the least an index read of that page can cost on this server.

Alone: ``uv run python -m bench.listing --small 1000 --large 100000`` seeds both tenants
through ``bench.seed`` and measures only the lists (part of ``python -m bench.leads`` too).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from pymongo import DESCENDING, AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import PyMongoError

from bench.context import LEADS_COLLECTION, Run, Sizes, start_leads
from bench.harness import machine_facts, start_stack
from bench.report import Figure, finish, result_payload
from bench.seed import seed_leads
from bench.stats import ratio, summarize_ms
from crm_devstack.testing import TokenMinter, unique_name
from leads.leads.repository import LeadFilter

PAGE = 50
SORT = [("created_at", DESCENDING), ("_id", DESCENDING)]
WARMUP_REQUESTS = 2
MIN_REQUESTS = 5
TARGET_RATIO = 1.5
FULL_FIND_REQUESTS = 3
FULL_FIND_BUDGET_S = 20.0


@dataclass(frozen=True)
class ListQuery:
    """An API query and the MongoDB filter the service builds for it."""

    name: str
    params: dict[str, str]
    filter: dict[str, Any]


QUERIES = (
    ListQuery(
        "status=new",
        {"status": "new", "sort": "-created_at", "limit": str(PAGE)},
        LeadFilter(status="new").to_query(),
    ),
    ListQuery(
        "source=referral",
        {"source": "referral", "sort": "-created_at", "limit": str(PAGE)},
        LeadFilter(source="referral").to_query(),
    ),
    ListQuery(
        "q=wija",
        {"q": "wija", "sort": "-created_at", "limit": str(PAGE)},
        LeadFilter(q="wija").to_query(),
    ),
)
"""Raw filters come from the service's own ``LeadFilter`` (search: one indexed key)."""


async def _http_series(
    client: httpx.AsyncClient, query: ListQuery, *, requests: int, budget_s: float
) -> dict[str, Any]:
    """The first request alone, warm-ups, then sequential GETs of the first page: up to
    ``requests``, at least 5, within the budget."""
    started = time.perf_counter()
    first = await client.get("/v1/leads", params=query.params)
    first_ms = round((time.perf_counter() - started) * 1000, 3)
    for _ in range(WARMUP_REQUESTS):
        await client.get("/v1/leads", params=query.params)
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    last: list[dict[str, Any]] = first.json()["items"] if first.status_code == 200 else []
    deadline = time.perf_counter() + budget_s
    while len(latencies) < requests and (
        len(latencies) < MIN_REQUESTS or time.perf_counter() < deadline
    ):
        started = time.perf_counter()
        response = await client.get("/v1/leads", params=query.params)
        latencies.append(time.perf_counter() - started)
        statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
        if response.status_code == 200:
            last = response.json()["items"]
    return {
        **summarize_ms(latencies),
        "first_ms": first_ms,
        "statuses": statuses,
        "items": len(last),
        "last_item": last[-1] if last else None,
    }


def _page_keys(item: dict[str, Any]) -> list[dict[str, Any]]:
    """Flat filters selecting the documents from ``item`` (a page's last item) up, in sort
    order: newer than its time, then its time from its id up."""
    at = datetime.fromisoformat(item["created_at"]).astimezone(UTC)
    return [{"created_at": {"$gt": at}}, {"created_at": at, "_id": {"$gte": item["id"]}}]


async def _raw_series(
    coll: AsyncCollection[Any],
    filters: list[dict[str, Any]],
    *,
    requests: int,
    min_requests: int,
    budget_s: float,
) -> dict[str, Any]:
    """Sequential finds through the driver (each ``filters`` entry read in turn, limit
    page + 1 as the service asks); one request is all of them."""
    latencies: list[float] = []
    docs = 0
    deadline = time.perf_counter() + budget_s
    try:
        while len(latencies) < requests and (
            len(latencies) < min_requests or time.perf_counter() < deadline
        ):
            started = time.perf_counter()
            docs = 0
            for filter_ in filters:
                docs += len(await coll.find(filter_).sort(SORT).limit(PAGE + 1).to_list())
            latencies.append(time.perf_counter() - started)
    except PyMongoError as exc:
        return {**summarize_ms(latencies), "error": f"{type(exc).__name__}: {exc}"}
    return {**summarize_ms(latencies), "docs": docs}


async def _measure_query(
    run: Run, http: httpx.AsyncClient, coll: AsyncCollection[Any], tenant: str, query: ListQuery
) -> dict[str, Any]:
    """One query: sequential HTTP requests, the raw page-keys find, the raw plain find."""
    sizes = run.sizes
    http_series = await _http_series(
        http, query, requests=sizes.list_requests, budget_s=sizes.list_budget_s
    )
    scoped = {"tenant_id": tenant, **query.filter}
    last = http_series.pop("last_item")
    window = (
        await _raw_series(
            coll,
            [{**scoped, **keys} for keys in _page_keys(last)],
            requests=sizes.raw_find_requests,
            min_requests=MIN_REQUESTS,
            budget_s=sizes.list_budget_s / 3,
        )
        if last
        else {}
    )
    full = await _raw_series(
        coll,
        [scoped],
        requests=FULL_FIND_REQUESTS,
        min_requests=1,
        budget_s=FULL_FIND_BUDGET_S,
    )
    return {"http": http_series, "raw_page_keys": window, "raw_find": full}


async def measure_tenant(run: Run, tenant: str) -> dict[str, Any]:
    """Every query against one tenant."""
    out: dict[str, Any] = {}
    client: AsyncMongoClient[Any] = AsyncMongoClient(run.stack.mongo_url, retryWrites=False)
    try:
        coll = client[run.db_name][LEADS_COLLECTION]
        async with httpx.AsyncClient(
            base_url=run.leads_url, headers=run.auth(tenant), timeout=120.0
        ) as http:
            for query in QUERIES:
                out[query.name] = await _measure_query(run, http, coll, tenant, query)
    finally:
        await client.close()
    return out


def _size(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def figures(
    small: dict[str, Any],
    big: dict[str, Any],
    n_small: int,
    n_big: int,
    after_restart: dict[str, float] | None = None,
) -> list[Figure]:
    """Per query: p50 (target) and the first request at the large vs the small tenant,
    the first request after a restart vs the p50, the service vs the raw page-keys find,
    and the plain find vs the page-keys find."""
    s, b = _size(n_small), _size(n_big)
    out: list[Figure] = []
    for query in QUERIES:
        name = f"list {query.name}"
        hs, hb = small[query.name]["http"], big[query.name]["http"]
        keys, full = big[query.name]["raw_page_keys"], big[query.name]["raw_find"]
        bad = {k: v for k, v in {**hs["statuses"], **hb["statuses"]}.items() if k != "200"}
        note = f"ERRORS: statuses {bad}" if bad else f"n={hb['n']} requests, {hb['items']} items"
        p50_ratio = ratio(hb["p50_ms"], hs["p50_ms"])
        out += [
            Figure(
                name,
                f"p50 @{b}",
                "ms",
                hb["p50_ms"],
                hs["p50_ms"],
                f"same @{s}",
                target=f"<= {TARGET_RATIO}x",
                met=None if p50_ratio is None else p50_ratio <= TARGET_RATIO and not bad,
                note=note,
            ),
            Figure(name, f"p99 @{b}", "ms", hb["p99_ms"], hs["p99_ms"], f"same @{s}"),
            Figure(name, f"first request @{b}", "ms", hb["first_ms"], hs["first_ms"], f"@{s}"),
            Figure(
                name,
                f"first request after a restart @{b}",
                "ms",
                (after_restart or {}).get(query.name),
                hb["p50_ms"],
                f"p50 @{b}",
            ),
            Figure(
                name,
                f"service p50 vs raw page-keys find @{b}",
                "ms",
                hb["p50_ms"],
                keys.get("p50_ms"),
                "raw find of the page's keys",
                note=keys.get("error", ""),
            ),
            Figure(
                name,
                f"diag: raw plain find p50 @{b} vs page keys",
                "ms",
                full.get("p50_ms"),
                keys.get("p50_ms"),
                "raw find of the page's keys",
                note=full.get("error", ""),
            ),
        ]
    return out


async def _seed_and_measure(run: Run, tenants: dict[str, str], rows: dict[str, int]) -> None:
    """Seed the large tenant, then the small one (as the full benchmark imports them), then
    measure the small one and the large one."""
    mongo = run.stack.mongo_url
    run.details["db"], run.details["tenants"] = run.db_name, tenants
    for label in ("large", "small"):
        print(f"[bench] seeding {rows[label]:,} leads ({label}) ...", flush=True)
        seeded = await seed_leads(mongo, run.db_name, tenants[label], rows[label], label[0])
        print(f"[bench] seeded {label}: {seeded}", flush=True)
        run.details.setdefault("seed", {})[label] = seeded
    for label in ("small", "large"):
        print(f"[bench] list queries @{label} ...", flush=True)
        run.details[label] = await measure_tenant(run, tenants[label])
    print("[bench] first requests @large after a restart of the service ...", flush=True)
    run.details["after_restart"] = await first_requests_after_restart(run, tenants["large"])


async def first_requests_after_restart(run: Run, tenant: str) -> dict[str, float]:
    """Restart the leads service, then time each query's first request (its landmark is
    the one the previous process saved)."""
    await asyncio.to_thread(run.stack.stop_service, "leads")
    await asyncio.to_thread(start_leads, run)
    out: dict[str, float] = {}
    async with httpx.AsyncClient(
        base_url=run.leads_url, headers=run.auth(tenant), timeout=120.0
    ) as http:
        for query in QUERIES:
            started = time.perf_counter()
            response = await http.get("/v1/leads", params=query.params)
            response.raise_for_status()
            out[query.name] = round((time.perf_counter() - started) * 1000, 3)
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m bench.listing", description=__doc__)
    parser.add_argument("--small", type=int, default=1_000, help="leads of the small tenant")
    parser.add_argument("--large", type=int, default=100_000, help="leads of the large tenant")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per query")
    parser.add_argument("--keep-workdir", action="store_true", help="keep logs and data")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Seed two tenants, measure their lists; returns the exit status."""
    args = parse_args(argv)
    sizes = dataclasses.replace(
        Sizes.for_mode(quick=False),
        list_requests=args.requests,
        list_budget_s=60.0,
        raw_find_requests=10,
    )
    started_at = datetime.now(UTC)
    workdir = Path(tempfile.mkdtemp(prefix="bench-listing-"))
    stack = start_stack(workdir, services=["leads"])
    tenants = {label: unique_name(f"bench_{label}_") for label in ("small", "large")}
    rows = {"small": args.small, "large": args.large}
    run = Run(stack=stack, minter=TokenMinter(), sizes=sizes, tool="python", workdir=workdir)
    errors: list[str] = []
    try:
        start_leads(run)
        asyncio.run(_seed_and_measure(run, tenants, rows))
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        stack.stop()
    found = "small" in run.details and "large" in run.details
    table = (
        figures(
            run.details["small"],
            run.details["large"],
            rows["small"],
            rows["large"],
            run.details.get("after_restart"),
        )
        if found
        else []
    )
    payload = result_payload(
        "listing",
        started_at=started_at,
        quick=False,
        machine=machine_facts(wrk_used=False),
        figures=table,
        details=run.details,
        errors=errors,
        sizes=dataclasses.asdict(sizes),
    )
    return finish(payload, table, errors=errors, workdir=workdir, keep_workdir=args.keep_workdir)


if __name__ == "__main__":
    sys.exit(main())
