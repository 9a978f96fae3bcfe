"""Benchmark 3: CSV import with events, against raw ``insert_many`` of the same documents.

The CSV is streamed to ``POST /v1/leads/import`` as a background job with no rows/s
budget (this measures capacity; ``bench.neighbours`` measures the paced default); the
import time ends when the job reports it finished, the drain time with the last
LeadCreated on the topic and an empty outbox. Progress (leads stored) is sampled while
the import runs, so a slowdown as the collection grows shows up. An import that outlives
its time budget is reported as incomplete with the rate it reached (the client stops
waiting; the job itself goes on in the service).

The baseline re-inserts the very documents the import stored (read back as raw BSON, so
the client does no encoding) into a fresh collection in batches of 1000, with no events.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from bench.backlog import OffsetProbe, wait_drained
from bench.context import LEADS_COLLECTION, Run
from bench.data import lead_csv, stream
from bench.harness import cpu_meter
from bench.report import Figure
from crm_devstack.testing import unique_name

BENCHMARK = "CSV import + events"
MIN_RATIO = 0.35
RAW_BATCH = 1000
RAW = CodecOptions(document_class=RawBSONDocument)
PROGRESS_S = 2.0
JOB_POLL_S = 0.5
SETTLE_TIMEOUT_S = 180.0


def _client(run: Run) -> AsyncMongoClient[Any]:
    return AsyncMongoClient(run.stack.mongo_url, retryWrites=False)


async def post_csv(
    url: str, headers: dict[str, str], data: bytes, timeout: float
) -> dict[str, Any]:
    """Stream ``data`` to the import endpoint at ``url`` as a background job
    (``Prefer: respond-async``) and poll the job until it finished; returns its report."""
    limits = httpx.Timeout(timeout, connect=10.0)
    async with httpx.AsyncClient(timeout=limits) as client:
        response = await client.post(
            url,
            content=stream(data),
            headers={"Content-Type": "text/csv", "Prefer": "respond-async", **headers},
        )
        if response.status_code != 202:
            raise RuntimeError(f"import answered {response.status_code}: {response.text[:500]}")
        job_url = httpx.URL(url).join(response.headers["location"])
        deadline = time.monotonic() + timeout
        while True:
            job: dict[str, Any] = (await client.get(job_url, headers=headers)).json()
            if job["status"] == "succeeded":
                report: dict[str, Any] = job["report"]
                return report
            if job["status"] == "failed" or time.monotonic() > deadline:
                raise RuntimeError(f"import job {job['id']} {job['status']}: {job['problem']}")
            await asyncio.sleep(JOB_POLL_S)


async def _stored(leads: AsyncCollection[Any], tenant: str) -> int:
    """Leads stored for ``tenant`` (a count costs the server a scan: not used while timing)."""
    return await leads.count_documents({"tenant_id": tenant})


async def _settle(leads: AsyncCollection[Any], tenant: str) -> int:
    """After a cancelled import: wait until the stored count stops moving; returns it."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    last = -1
    while (count := await _stored(leads, tenant)) != last and time.monotonic() < deadline:
        last = count
        await asyncio.sleep(PROGRESS_S * 2)
    return count


async def _watch(
    post: asyncio.Task[dict[str, Any]],
    probe: OffsetProbe,
    before: int,
    budget_s: float,
    progress: list[tuple[float, int]],
) -> dict[str, Any] | None:
    """Sample progress until the import answers (its report) or the budget is spent (None).

    Progress is the count of LeadCreated records on the topic (cheap to read, unlike a
    count on the server); the relay publishes while the import runs, so it tracks inserts.
    """
    started = time.perf_counter()
    while True:
        done, _ = await asyncio.wait({post}, timeout=PROGRESS_S)
        elapsed = time.perf_counter() - started
        progress.append((round(elapsed, 2), await probe.total() - before))
        if done:
            return post.result()
        if elapsed > budget_s:
            post.cancel()
            await asyncio.gather(post, return_exceptions=True)
            return None


def _rates(progress: list[tuple[float, int]]) -> dict[str, Any]:
    """Events/s over the first and the last 20% of the import's progress samples."""
    if len(progress) < 6:
        return {}
    fifth = max(1, len(progress) // 5)
    (t0, n0), (t1, n1) = progress[0], progress[fifth]
    (t2, n2), (t3, n3) = progress[-fifth - 1], progress[-1]
    return {
        "first_fifth_published_per_s": round((n1 - n0) / max(t1 - t0, 1e-9), 1),
        "first_fifth_at_events": [n0, n1],
        "last_fifth_published_per_s": round((n3 - n2) / max(t3 - t2, 1e-9), 1),
        "last_fifth_at_events": [n2, n3],
    }


async def import_csv(run: Run, tenant: str, rows: int, *, budget_s: float) -> dict[str, Any]:
    """Import ``rows`` generated leads into ``tenant`` and wait until their events are out."""
    data = lead_csv(rows, unique_name("i"))
    cpu_import: dict[str, Any] = {}
    cpu_drain: dict[str, Any] = {}
    progress: list[tuple[float, int]] = []
    client = _client(run)
    try:
        leads = client[run.db_name][LEADS_COLLECTION]
        async with OffsetProbe(run.stack.kafka_bootstrap, run.topic) as probe:
            before = await probe.total()
            with cpu_meter(run.stack.pids(), cpu_import):
                started = time.perf_counter()
                post = asyncio.create_task(
                    post_csv(
                        f"{run.leads_url}/v1/leads/import", run.auth(tenant), data, budget_s + 60
                    )
                )
                report = await _watch(post, probe, before, budget_s, progress)
                import_s = time.perf_counter() - started
            created = report["created"] if report else await _settle(leads, tenant)
            published_during = await probe.total() - before
            with cpu_meter(run.stack.pids(), cpu_drain):
                drain_s = await wait_drained(run, timeout=budget_s)
            published = await probe.total() - before
    finally:
        await client.close()
    return {
        "rows": rows,
        "complete": report is not None,
        "budget_s": budget_s,
        "csv_bytes": len(data),
        "created": created,
        "failed": report["failed"] if report else None,
        "duplicates": report["duplicates"] if report else None,
        "first_errors": report["errors"][:5] if report else [],
        "import_s": round(import_s, 3),
        "rows_per_s": round(created / import_s, 1),
        **_rates(progress),
        "progress": progress[:: max(1, len(progress) // 60)],
        "events_published_during_import": published_during,
        "events_published": published,
        "drain_after_import_s": round(drain_s, 3),
        "total_to_all_published_s": round(import_s + drain_s, 3),
        "cpu_cores_import": cpu_import,
        "cpu_cores_drain": cpu_drain,
    }


async def _insert_batches(coll: AsyncCollection[RawBSONDocument], docs: list[Any]) -> float:
    """Insert ``docs`` in batches of 1000; returns the elapsed seconds."""
    started = time.perf_counter()
    for start in range(0, len(docs), RAW_BATCH):
        await coll.insert_many(docs[start : start + RAW_BATCH], ordered=True)
    return time.perf_counter() - started


async def _copy_indexes(
    source: AsyncCollection[Any], target: AsyncCollection[RawBSONDocument]
) -> int:
    """Create ``source``'s secondary indexes on ``target``; returns how many."""
    count = 0
    async for spec in await source.list_indexes():
        if spec["name"] == "_id_":
            continue
        options = {k: v for k, v in spec.items() if k not in ("key", "v", "ns")}
        await target.create_index(list(spec["key"].items()), **options)
        count += 1
    return count


async def raw_insert_many(run: Run, tenant: str, indexed_rows: int) -> dict[str, Any]:
    """Baseline: the tenant's stored leads re-inserted raw into a fresh collection.

    Also a diagnostic: the first ``indexed_rows`` of them into a fresh collection that
    has the leads collection's secondary indexes (what index upkeep costs the server).
    """
    client = _client(run)
    try:
        source = client[run.db_name][LEADS_COLLECTION]
        docs = await source.with_options(codec_options=RAW).find({"tenant_id": tenant}).to_list()
        target_db = client[unique_name("bench_raw_")]
        plain = target_db.get_collection("leads", codec_options=RAW)
        await target_db.create_collection("leads")
        plain_s = await _insert_batches(plain, docs)
        indexed = target_db.get_collection("leads_indexed", codec_options=RAW)
        await target_db.create_collection("leads_indexed")
        index_count = await _copy_indexes(source, indexed)
        sample = docs[:indexed_rows]
        indexed_s = await _insert_batches(indexed, sample)
        await client.drop_database(target_db.name)
    finally:
        await client.close()
    return {
        "docs": len(docs),
        "avg_doc_bytes": round(sum(len(d.raw) for d in docs) / max(len(docs), 1)),
        "insert_s": round(plain_s, 3),
        "docs_per_s": round(len(docs) / plain_s, 1),
        "indexed_docs": len(sample),
        "indexed_secondary_indexes": index_count,
        "indexed_insert_s": round(indexed_s, 3),
        "indexed_docs_per_s": round(len(sample) / indexed_s, 1),
    }


def _import_note(leads: dict[str, Any]) -> str:
    """Errors, an incomplete import, and how the rate changed while the collection grew."""
    notes = []
    if not leads["complete"]:
        notes.append(
            f"INCOMPLETE: time budget {leads['budget_s']:.0f} s spent after "
            f"{leads['created']:,} of {leads['rows']:,} rows (import cancelled)"
        )
    elif leads["failed"] or leads["duplicates"] or leads["created"] != leads["rows"]:
        notes.append(
            f"ERRORS: {leads['failed']} failed, {leads['duplicates']} duplicates "
            f"of {leads['rows']} rows; first errors {leads['first_errors']}"
        )
    if "first_fifth_published_per_s" in leads:
        notes.append(
            f"events published {leads['first_fifth_published_per_s']:,.0f}/s over events "
            f"{leads['first_fifth_at_events']} -> {leads['last_fifth_published_per_s']:,.0f}/s "
            f"over {leads['last_fifth_at_events']}"
        )
    return "; ".join(notes)


def figures(leads: dict[str, Any], raw: dict[str, Any]) -> list[Figure]:
    """Rows/s (target >= 0.35x raw), times, drain time, and the indexed-insert diagnostic."""
    rps = leads["rows_per_s"]
    label = f"raw insert_many x1000 ({raw['docs']:,} docs)"
    return [
        Figure(
            BENCHMARK,
            f"rows/s ({leads['created']:,} of {leads['rows']:,} rows)",
            "rows/s",
            rps,
            raw["docs_per_s"],
            label,
            target=f">= {MIN_RATIO}x baseline",
            met=leads["complete"] and rps >= MIN_RATIO * raw["docs_per_s"],
            note=_import_note(leads),
        ),
        Figure(
            BENCHMARK,
            "import time",
            "s",
            leads["import_s"],
            round(raw["insert_s"] * leads["created"] / max(raw["docs"], 1), 3),
            "raw insert of as many docs",
        ),
        Figure(
            BENCHMARK,
            "outbox drain after import",
            "s",
            leads["drain_after_import_s"],
            None,
            "-",
            note=(
                f"{leads['events_published_during_import']:,} of {leads['created']:,} events "
                "were already published when the import answered"
            ),
        ),
        Figure(
            BENCHMARK,
            "import + drain (all events out)",
            "s",
            leads["total_to_all_published_s"],
            round(raw["insert_s"] * leads["created"] / max(raw["docs"], 1), 3),
            "raw insert of as many docs",
        ),
        Figure(
            BENCHMARK,
            f"diag: insert_many with leads indexes ({raw['indexed_docs']:,} docs)",
            "docs/s",
            raw["indexed_docs_per_s"],
            raw["docs_per_s"],
            label,
            note=f"fresh collection with the {raw['indexed_secondary_indexes']} secondary "
            "indexes of leads (server-side index upkeep)",
        ),
    ]
