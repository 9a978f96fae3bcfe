"""The windowed newest-first reader returns exactly what the direct query returns."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import pytest

from crm_shared.ids import utcnow
from crm_shared.mongo.landmarks import LANDMARKS, landmark_key
from crm_shared.mongo.windowed import MS
from leads.leads.repository import SORTS, LeadFilter, LeadRepository
from leads.leads.schemas import LeadCreate
from leads.leads.service import build_lead
from leads.scoring.domain import DEFAULT_SCORING

from .conftest import LeadsHarness

NAMES = ["Wijaya", "Santoso", "Hernández", "Lestari", "Kusuma", "Wibowo"]


@pytest.mark.parametrize("sort_name", ["-created_at", "-updated_at"])
async def test_windowed_and_direct_pages_agree(leads: LeadsHarness, sort_name: str) -> None:
    rng = random.Random(7)
    repo = LeadRepository(leads.app.state.runtime.db, leads.tenant)
    now = utcnow()
    docs = []
    for i in range(90):
        lead = LeadCreate(last_name=rng.choice(NAMES), first_name=f"N{i}")
        doc = build_lead(lead, owner_id=None, scoring=DEFAULT_SCORING, scoring_version=0)
        age = timedelta(seconds=rng.choice([0.1, 2, 90, 4000, 90_000, 3e6, 9e7]) * rng.random())
        stamp = now - age
        doc.update(
            tenant_id=leads.tenant,
            version=1,
            status=rng.choice(["new", "contacted"]),
            created_at=stamp.replace(microsecond=stamp.microsecond // 1000 * 1000),
            updated_at=stamp.replace(microsecond=stamp.microsecond // 1000 * 1000),
        )
        docs.append(doc)
    docs[5]["created_at"] = docs[6]["created_at"] = docs[7]["created_at"]  # ties on the time
    docs[5]["updated_at"] = docs[6]["updated_at"] = docs[7]["updated_at"]
    await repo.db["leads"].insert_many(docs)

    sort = SORTS[sort_name]
    for lead_filter in (LeadFilter(), LeadFilter(status="new"), LeadFilter(q="wij")):
        walks = []
        for windowed in (False, True):
            seen: list[str] = []
            cursor: str | None = None
            while True:
                page, cursor = await repo.page(
                    lead_filter,
                    sort,
                    limit=7,
                    cursor=cursor,
                    query_fingerprint="walk",
                    windowed=windowed,
                )
                seen += [d["_id"] for d in page]
                if cursor is None:
                    break
            walks.append(seen)
        expected = sorted(
            (
                d
                for d in docs
                if lead_filter.status in (None, d["status"]) and lead_filter.accepts(d)
            ),
            key=lambda d: (d[sort[0][0]], d["_id"]),
            reverse=True,
        )
        assert walks[0] == [d["_id"] for d in expected], (lead_filter, "direct")
        assert walks[1] == [d["_id"] for d in expected], (lead_filter, "windowed")


async def _walk(
    repo: LeadRepository, lead_filter: LeadFilter, *, windowed: bool, limit: int
) -> list[str]:
    """Every id of the list, page by page (the first page starts from the landmark)."""
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page, cursor = await repo.page(
            lead_filter,
            SORTS["-created_at"],
            limit=limit,
            cursor=cursor,
            query_fingerprint="walk",
            windowed=windowed,
        )
        seen += [d["_id"] for d in page]
        if cursor is None:
            return seen


def _stamped(tenant: str, at: datetime, status: str, name: str) -> dict[str, Any]:
    lead = LeadCreate(last_name=name, first_name="N")
    doc = build_lead(lead, owner_id=None, scoring=DEFAULT_SCORING, scoring_version=0)
    stamp = at.replace(microsecond=at.microsecond // 1000 * 1000)
    doc.update(tenant_id=tenant, version=1, status=status, created_at=stamp, updated_at=stamp)
    return doc


async def test_first_pages_from_landmarks_match_the_direct_query(leads: LeadsHarness) -> None:
    """A first page read from the landmark its query left (or the unfiltered one) holds
    what the direct query holds, whatever changed since: new, late, deleted, re-filtered
    and future documents, ties (an import batch shares one time), and a time range."""
    rng = random.Random(11)
    repo = LeadRepository(leads.app.state.runtime.db, leads.tenant)
    coll = repo.db["leads"]
    now = utcnow()
    batch = now - timedelta(seconds=40)
    docs = [
        _stamped(leads.tenant, batch, rng.choice(["new", "new", "contacted"]), rng.choice(NAMES))
        for _ in range(30)
    ]
    docs += [
        _stamped(
            leads.tenant,
            now - timedelta(seconds=rng.choice([60, 600, 9e4, 3e7]) * rng.random()),
            rng.choice(["new", "contacted"]),
            rng.choice(NAMES),
        )
        for _ in range(60)
    ]
    await coll.insert_many(docs)
    filters = (
        LeadFilter(),
        LeadFilter(status="new"),
        LeadFilter(q="wij"),
        LeadFilter(status="new", created_from=now - timedelta(days=2), created_to=batch + MS),
    )

    async def check(step: str) -> None:
        for lead_filter in filters:
            for limit in (7, 25):
                direct = await _walk(repo, lead_filter, windowed=False, limit=limit)
                windowed = await _walk(repo, lead_filter, windowed=True, limit=limit)
                assert windowed == direct, (step, lead_filter, limit)

    await check("first read")
    mark = LANDMARKS.get(landmark_key(repo.items, {"status": "new"}, "created_at"))
    assert mark is not None
    first_new, _ = await repo.page(
        LeadFilter(status="new"), SORTS["-created_at"], limit=7, cursor=None, windowed=False
    )
    late = now - timedelta(seconds=1)
    await coll.insert_many(
        [
            _stamped(leads.tenant, utcnow() + timedelta(milliseconds=5), "new", "Wijaya"),
            _stamped(leads.tenant, late, "new", "Wibowo"),  # committed after it was stamped
            _stamped(leads.tenant, now + timedelta(days=1), "new", "Kusuma"),  # a skewed clock
            _stamped(leads.tenant, batch, "new", "Wijaya"),  # joins the batch's tie
        ]
    )
    await check("inserted")
    await coll.delete_one({"_id": mark.id})
    await coll.update_many(
        {"_id": {"$in": [d["_id"] for d in first_new[:3]]}}, {"$set": {"status": "contacted"}}
    )
    await coll.update_many(
        {"tenant_id": leads.tenant, "created_at": {"$lt": batch}}, {"$set": {"status": "new"}}
    )
    await check("deleted and re-filtered")
    saved = coll.database["list_landmarks"]
    assert await saved.count_documents({}) >= len(filters)
    LANDMARKS.clear()  # a restart: the landmarks saved in the database place the ranges
    await check("from the saved landmarks")
    LANDMARKS.clear()
    await saved.delete_many({})
    await _walk(repo, LeadFilter(), windowed=True, limit=7)  # only the unfiltered landmark
    await check("from the unfiltered landmark")
