"""The windowed newest-first reader returns exactly what the direct query returns."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from crm_shared.ids import utcnow
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
