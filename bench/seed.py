"""Leads stored the fastest honest way: the import's documents, straight through insert_many.

Each row of ``bench.data`` becomes the document the CSV import builds (parsed, scored,
search fields derived), and each batch is stamped with one ``created_at`` as the import
stamps it, then inserted with the service's indexes in place. No events are written.
"""

from __future__ import annotations

import time
from typing import Any

from pymongo import AsyncMongoClient

from bench.data import CSV_COLUMNS, csv_row
from crm_shared.ids import utcnow
from crm_shared.mongo.scoped import Document
from leads.imports.csv_format import parse_lead_row
from leads.leads.domain import LeadSource
from leads.leads.repository import LEADS
from leads.leads.service import build_lead
from leads.scoring.schemas import DEFAULT_SCORING_CONFIG
from leads.settings import LeadsSettings

BATCH = LeadsSettings.model_fields["import_batch_size"].default
"""The service's default import batch (``import_batch_size``)."""


def lead_document(i: int, tag: str) -> Document:
    """Row ``i`` of the generated CSV as the import builds it (without tenant and times)."""
    row = dict(zip(CSV_COLUMNS, csv_row(i, tag).rstrip("\r\n").split(","), strict=True))
    lead = parse_lead_row(row, default_source=LeadSource.IMPORT)
    return build_lead(lead, owner_id=None, scoring=DEFAULT_SCORING_CONFIG, scoring_version=0)


async def seed_leads(mongo_url: str, db: str, tenant: str, rows: int, tag: str) -> dict[str, Any]:
    """Insert ``rows`` leads into ``tenant`` in import-sized batches; returns the rate."""
    client: AsyncMongoClient[Any] = AsyncMongoClient(mongo_url, retryWrites=False)
    started = time.perf_counter()
    try:
        leads = client[db][LEADS]
        for start in range(0, rows, BATCH):
            docs = [lead_document(i, tag) for i in range(start, min(start + BATCH, rows))]
            now = utcnow()
            for doc in docs:
                doc.update(tenant_id=tenant, version=1, created_at=now, updated_at=now)
            await leads.insert_many(docs, ordered=True)
    finally:
        await client.close()
    elapsed = time.perf_counter() - started
    return {"created": rows, "seconds": round(elapsed, 1), "per_s": round(rows / elapsed, 1)}
