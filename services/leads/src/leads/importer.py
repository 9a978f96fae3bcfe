"""Streamed CSV import: valid rows kept, per-row errors reported, duplicates not duplicated.

Rows are parsed as they arrive and written in batches; each batch (leads plus their
LeadCreated outbox rows) is one transaction, so a failure never leaves a lead without
its event. The report lists row numbers as a spreadsheet shows them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from crm_shared.auth import Access
from crm_shared.csvio import CsvFormatError, CsvTooLarge, iter_csv_records
from crm_shared.errors import BadRequest, PayloadTooLarge
from crm_shared.events.catalogue import EventData, LeadAssigned, LeadCreated
from crm_shared.ids import utcnow
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx
from leads.csv_format import RowError, parse_lead_row
from leads.domain import pick_round_robin
from leads.repository import LeadRepository
from leads.schemas import LeadCreate, LeadSource
from leads.service import build_lead, scoring_of
from leads.views import snapshot

MAX_REPORTED = 1000
"""At most this many errors and duplicates are listed (counts are always complete)."""


@dataclass
class ImportReport:
    """The outcome of one import."""

    rows: int = 0
    created: int = 0
    failed: int = 0
    duplicate_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)

    def error(self, row: int, message: str) -> None:
        """Record a row that was rejected."""
        self.failed += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append({"row": row, "message": message})

    def duplicate(self, row: int, email: str, existing_id: str | None) -> None:
        """Record a row whose e-mail already belongs to a lead (or an earlier row)."""
        self.duplicate_count += 1
        if len(self.duplicates) < MAX_REPORTED:
            self.duplicates.append({"row": row, "email": email, "existing_id": existing_id})


async def import_leads(
    rt: Runtime,
    access: Access,
    chunks: AsyncIterator[bytes],
    *,
    max_rows: int,
    batch_size: int,
) -> ImportReport:
    """Import a CSV stream into the caller's tenant."""
    repo = LeadRepository(rt.db, access.tenant_id)
    report = ImportReport()
    config = await repo.config()
    scoring, scoring_version = scoring_of(config)
    seen: dict[str, int] = {}
    batch: list[tuple[int, LeadCreate]] = []

    async def flush() -> None:
        emails = [lead.email for _, lead in batch if lead.email]
        existing = await repo.by_emails(emails) if emails else {}
        docs: list[Document] = []
        events: list[EventData] = []
        for row, lead in batch:
            if lead.email and lead.email in existing:
                report.duplicate(row, lead.email, existing[lead.email])
                continue
            doc = build_lead(
                lead,
                owner_id=lead.owner_id,
                scoring=scoring,
                scoring_version=scoring_version,
            )
            docs.append(doc)
        if docs:
            await _assign_round_robin(repo, config, docs)
            now = utcnow()
            for doc in docs:
                doc.update(tenant_id=repo.tenant_id, version=1, created_at=now, updated_at=now)
                events.append(LeadCreated(lead_id=doc["_id"], lead=snapshot(doc)))
                if doc.get("owner_id"):
                    events.append(
                        LeadAssigned(
                            lead_id=doc["_id"],
                            owner_id=doc["owner_id"],
                            assigned_by=access.principal.sub,
                            method="import",
                        )
                    )

            async def work(tx: Tx) -> None:
                await repo.insert_many(docs, session=tx.session)
                await tx.emit_many(events, tenant_id=repo.tenant_id)

            await rt.uow.run(work)
            report.created += len(docs)
        batch.clear()

    try:
        async for row, record in iter_csv_records(chunks, max_rows=max_rows):
            report.rows += 1
            try:
                lead = parse_lead_row(record, default_source=LeadSource.IMPORT)
            except RowError as exc:
                report.error(row, exc.message)
                continue
            if lead.email:
                if lead.email in seen:
                    report.duplicate(row, lead.email, None)
                    continue
                seen[lead.email] = row
            batch.append((row, lead))
            if len(batch) >= batch_size:
                await flush()
        if batch:
            await flush()
    except CsvTooLarge as exc:
        raise PayloadTooLarge(
            f"{exc}; split the file (rows up to the limit were imported)",
            created=report.created,
        ) from exc
    except CsvFormatError as exc:
        raise BadRequest(f"{exc}; rows before it were imported", created=report.created) from exc
    return report


async def _assign_round_robin(repo: LeadRepository, config: Document, docs: list[Document]) -> None:
    """Give unowned imported leads owners when the tenant auto-assigns."""
    owners = config.get("round_robin_owners") or []
    if not (config.get("auto_assign") and owners):
        return
    for doc in docs:
        if doc.get("owner_id") is None:
            doc["owner_id"] = pick_round_robin(owners, await repo.next_round_robin())
