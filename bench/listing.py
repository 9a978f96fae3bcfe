"""Benchmark 4: first page of filtered, sorted lead lists at a small and a large tenant.

Each query is timed over sequential HTTP requests (bounded by a time budget), and the
same find (filter, sort, limit) is timed through the raw driver with and without the
index hint, so the report separates what the server costs from what the service adds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx
from pymongo import DESCENDING, AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import PyMongoError

from bench.context import LEADS_COLLECTION, Run
from bench.report import Figure
from bench.stats import summarize_ms
from leads.leads.repository import LeadFilter

PAGE = 50
SORT = [("created_at", DESCENDING), ("_id", DESCENDING)]
WARMUP_REQUESTS = 2
MIN_REQUESTS = 5


@dataclass(frozen=True)
class ListQuery:
    """An API query and the MongoDB find the service runs for it."""

    name: str
    params: dict[str, str]
    filter: dict[str, Any]
    hint: str


QUERIES = (
    ListQuery(
        "status=new",
        {"status": "new", "sort": "-created_at", "limit": str(PAGE)},
        LeadFilter(status="new").to_query(),
        "tenant_status_created",
    ),
    ListQuery(
        "source=referral",
        {"source": "referral", "sort": "-created_at", "limit": str(PAGE)},
        LeadFilter(source="referral").to_query(),
        "tenant_source_created",
    ),
    ListQuery(
        "q=wija",
        {"q": "wija", "sort": "-created_at", "limit": str(PAGE)},
        LeadFilter(q="wija").to_query(),
        "tenant_search_created",
    ),
)
"""Raw filters come from the service's own ``LeadFilter`` (search: one indexed gram)."""


async def _http_series(
    client: httpx.AsyncClient, query: ListQuery, *, requests: int, budget_s: float
) -> dict[str, Any]:
    """Sequential GETs of the first page: up to ``requests``, at least 5, within the budget."""
    for _ in range(WARMUP_REQUESTS):
        await client.get("/v1/leads", params=query.params)
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    items = 0
    deadline = time.perf_counter() + budget_s
    while len(latencies) < requests and (
        len(latencies) < MIN_REQUESTS or time.perf_counter() < deadline
    ):
        started = time.perf_counter()
        response = await client.get("/v1/leads", params=query.params)
        latencies.append(time.perf_counter() - started)
        statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
        if response.status_code == 200:
            items = len(response.json()["items"])
    return {**summarize_ms(latencies), "statuses": statuses, "items": items}


async def _raw_series(
    coll: AsyncCollection[Any],
    tenant: str,
    query: ListQuery,
    *,
    hint: str | None,
    requests: int,
    budget_s: float,
) -> dict[str, Any]:
    """The same find through the driver (limit page + 1, as the service asks)."""
    latencies: list[float] = []
    docs = 0
    deadline = time.perf_counter() + budget_s
    try:
        while len(latencies) < requests and (
            len(latencies) < MIN_REQUESTS or time.perf_counter() < deadline
        ):
            cursor = coll.find({"tenant_id": tenant, **query.filter}).sort(SORT).limit(PAGE + 1)
            if hint:
                cursor = cursor.hint(hint)
            started = time.perf_counter()
            docs = len(await cursor.to_list())
            latencies.append(time.perf_counter() - started)
    except PyMongoError as exc:
        return {**summarize_ms(latencies), "error": f"{type(exc).__name__}: {exc}"}
    return {**summarize_ms(latencies), "docs": docs}


async def _measure_query(
    run: Run, http: httpx.AsyncClient, coll: AsyncCollection[Any], tenant: str, query: ListQuery
) -> dict[str, Any]:
    """One query: sequential HTTP requests, raw find, raw find with the index hint."""
    sizes = run.sizes
    reps, budget = sizes.raw_find_requests, sizes.list_budget_s / 3
    return {
        "http": await _http_series(
            http, query, requests=sizes.list_requests, budget_s=sizes.list_budget_s
        ),
        "raw_find": await _raw_series(
            coll, tenant, query, hint=None, requests=reps, budget_s=budget
        ),
        "raw_find_hint": await _raw_series(
            coll, tenant, query, hint=query.hint, requests=reps, budget_s=budget
        ),
    }


async def measure_tenant(run: Run, tenant: str) -> dict[str, Any]:
    """Every query against one tenant."""
    out: dict[str, Any] = {}
    client: AsyncMongoClient[Any] = AsyncMongoClient(run.stack.mongo_url, retryWrites=False)
    try:
        coll = client[run.db_name][LEADS_COLLECTION]
        async with httpx.AsyncClient(
            base_url=run.leads_url, headers=run.auth(tenant), timeout=60.0
        ) as http:
            for query in QUERIES:
                out[query.name] = await _measure_query(run, http, coll, tenant, query)
    finally:
        await client.close()
    return out


def _size(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def figures(small: dict[str, Any], big: dict[str, Any], n_small: int, n_big: int) -> list[Figure]:
    """Per query: p50 and p99 at the large vs the small tenant, service vs raw driver."""
    s, b = _size(n_small), _size(n_big)
    out: list[Figure] = []
    for query in QUERIES:
        name = f"list {query.name}"
        hs, hb = small[query.name]["http"], big[query.name]["http"]
        raw, raw_hint = big[query.name]["raw_find"], big[query.name]["raw_find_hint"]
        bad = {k: v for k, v in {**hs["statuses"], **hb["statuses"]}.items() if k != "200"}
        note = f"ERRORS: statuses {bad}" if bad else f"n={hb['n']} requests, {hb['items']} items"
        out += [
            Figure(name, f"p50 @{b}", "ms", hb["p50_ms"], hs["p50_ms"], f"same @{s}", note=note),
            Figure(name, f"p99 @{b}", "ms", hb["p99_ms"], hs["p99_ms"], f"same @{s}"),
            Figure(
                name,
                f"service p50 vs raw find @{b}",
                "ms",
                hb["p50_ms"],
                raw["p50_ms"],
                "raw driver find, no hint",
                note=raw.get("error", ""),
            ),
            Figure(
                name,
                f"diag: raw find p50 @{b}, no hint vs hint",
                "ms",
                raw["p50_ms"],
                raw_hint["p50_ms"],
                f"raw find hint={query.hint}",
                note=raw_hint.get("error", ""),
            ),
        ]
    return out
