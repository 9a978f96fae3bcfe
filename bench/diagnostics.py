"""Server-side diagnostics: what the write path's lookups cost at the current data size.

Every create checks for an existing lead with the same e-mail (``find_one`` on tenant and
e-mail) and every import batch looks its e-mails up with ``$in``. This times both through
the raw driver, next to a point read by ``_id``, and records the server's query plan, so
a lookup that scans the collection is visible in the report.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from bench.context import LEADS_COLLECTION, Run
from bench.report import Figure
from bench.stats import summarize_ms

BENCHMARK = "diag: write-path lookups"
IMPORT_BATCH = 500
BUDGET_S = 20.0


async def _timed(action: Callable[[], Awaitable[object]], *, reps: int) -> dict[str, Any]:
    """p50/p99 of ``reps`` sequential calls, stopping early once the budget is spent."""
    latencies: list[float] = []
    deadline = time.perf_counter() + BUDGET_S
    while len(latencies) < reps and (not latencies or time.perf_counter() < deadline):
        started = time.perf_counter()
        await action()
        latencies.append(time.perf_counter() - started)
    return summarize_ms(latencies)


async def _plan(coll: AsyncCollection[Any], query: dict[str, Any]) -> str:
    """The winning plan's stages, outermost first (``FETCH<IXSCAN tenant_email>``)."""
    explained = await coll.database.command(
        "explain", {"find": coll.name, "filter": query}, verbosity="queryPlanner"
    )
    stage = explained.get("queryPlanner", {}).get("winningPlan", {})
    parts = []
    while stage:
        name = stage.get("stage", "?")
        parts.append(f"{name} {stage['indexName']}" if "indexName" in stage else name)
        stage = stage.get("inputStage") or {}
    return "<".join(parts)


async def lookup_costs(run: Run, tenant: str) -> dict[str, Any]:
    """Time the duplicate-e-mail check, the import's ``$in`` lookup and a point read."""
    client: AsyncMongoClient[Any] = AsyncMongoClient(run.stack.mongo_url, retryWrites=False)
    try:
        coll = client[run.db_name][LEADS_COLLECTION]
        sample = await coll.find({"tenant_id": tenant}, {"email": 1}).limit(IMPORT_BATCH).to_list()
        if not sample:
            return {"error": f"no leads in tenant {tenant}"}
        one = {"tenant_id": tenant, "email": sample[0]["email"]}
        batch = {"tenant_id": tenant, "email": {"$in": [d["email"] for d in sample]}}
        by_id = {"tenant_id": tenant, "_id": sample[0]["_id"]}
        return {
            "collection_docs": await coll.estimated_document_count(),
            "email_find_one": await _timed(lambda: coll.find_one(one), reps=10),
            "email_plan": await _plan(coll, one),
            "email_in_batch": await _timed(lambda: coll.find(batch).to_list(), reps=3),
            "email_in_batch_size": len(sample),
            "id_find_one": await _timed(lambda: coll.find_one(by_id), reps=20),
            "id_plan": await _plan(coll, by_id),
        }
    finally:
        await client.close()


def figures(costs: dict[str, Any], when: str) -> list[Figure]:
    """The e-mail lookups against a point read by ``_id``."""
    if "error" in costs:
        return []
    docs = f"{costs['collection_docs']:,} docs"
    id_p50 = costs["id_find_one"]["p50_ms"]
    return [
        Figure(
            BENCHMARK,
            f"dup-email find_one p50 @{docs} ({when})",
            "ms",
            costs["email_find_one"]["p50_ms"],
            id_p50,
            "find_one by _id",
            note=f"plan {costs['email_plan']} (by _id: {costs['id_plan']})",
        ),
        Figure(
            BENCHMARK,
            f"import $in {costs['email_in_batch_size']} e-mails p50 @{docs} ({when})",
            "ms",
            costs["email_in_batch"]["p50_ms"],
            id_p50,
            "find_one by _id",
        ),
    ]
