"""Use cases of the leads CSV: the streamed export of a list query, and the import, run as
a background job by ``crm_shared.import_jobs`` (valid rows kept, per-row errors reported,
duplicates (existing e-mail, or repeated in the file) not duplicated).

Each batch (leads plus their LeadCreated/LeadAssigned outbox rows, and the job's
checkpoint) is one transaction, so a failure never leaves a lead without its event and a
resumed job never imports a row twice. The report lists row numbers as a
spreadsheet shows them, and duplicates by ``email``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

from crm_shared.auth import Access
from crm_shared.csv_import import CsvImporter, ImportReport
from crm_shared.events.catalogue import EventData, LeadAssigned, LeadCreated
from crm_shared.ids import utcnow
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx
from leads.imports.csv_format import lead_to_csv_row, parse_lead_row
from leads.leads.domain import LeadSource
from leads.leads.repository import SORTS, LeadRepository
from leads.leads.schemas import LeadCreate, LeadQuery
from leads.leads.service import build_lead, lead_filter
from leads.leads.views import snapshot
from leads.scoring.domain import pick_round_robin
from leads.scoring.repository import ConfigRepository
from leads.scoring.service import config_cache, scoring_of


def export_rows(
    rt: Runtime, access: Access, query: LeadQuery, *, windowed: bool
) -> AsyncIterator[list[object]]:
    """Every visible lead of ``query``, in its sort order, as CSV rows (read page by page).
    The filter is checked now (a refused owner filter fails before any row is sent)."""
    docs = LeadRepository(rt.db, access.tenant_id).iterate(
        lead_filter(access, query), SORTS[query.sort], windowed=windowed
    )

    async def rows() -> AsyncIterator[list[object]]:
        async for doc in docs:
            yield lead_to_csv_row(doc)

    return rows()


LEADS_IMPORT = "leads"
"""The kind of the leads service's import jobs."""


def _parse(record: Mapping[str, str]) -> LeadCreate:
    return parse_lead_row(record, default_source=LeadSource.IMPORT)


def _keys(lead: LeadCreate) -> list[str]:
    return [lead.email] if lead.email else []


async def lead_importer(rt: Runtime, access: Access) -> CsvImporter[LeadCreate]:
    """How a CSV becomes leads of the caller's tenant (run as a background job)."""
    repo = LeadRepository(rt.db, access.tenant_id)
    configs = ConfigRepository(rt.db, access.tenant_id)
    config = await config_cache(rt).get(access.tenant_id)
    scoring, scoring_version = scoring_of(config)

    async def flush(batch: list[tuple[int, LeadCreate]], report: ImportReport) -> None:
        emails = [email for _, lead in batch for email in _keys(lead)]
        existing = await repo.by_emails(emails) if emails else {}
        docs: list[Document] = []
        for row, lead in batch:
            if lead.email and lead.email in existing:
                report.duplicate(row, lead.email, existing[lead.email])
                continue
            docs.append(
                build_lead(
                    lead,
                    owner_id=lead.owner_id,
                    scoring=scoring,
                    scoring_version=scoring_version,
                )
            )
        if not docs:
            return
        await _assign_round_robin(rt, configs, config, docs)
        now = utcnow()
        events: list[EventData] = []
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
            await report.committing(tx, created=len(docs))

        await rt.uow.run(work)

    return CsvImporter(parse=_parse, keys=_keys, flush=flush, key_name="email")


async def _assign_round_robin(
    rt: Runtime, configs: ConfigRepository, config: Document, docs: list[Document]
) -> None:
    """Give unowned imported leads owners when the tenant auto-assigns (the counter is
    taken outside the batch's transaction, as a create does)."""
    owners = config.get("round_robin_owners") or []
    unowned = [doc for doc in docs if doc.get("owner_id") is None]
    if not (config.get("auto_assign") and owners and unowned):
        return

    async def work(tx: Tx) -> None:
        for doc in unowned:
            counter = await configs.next_round_robin(session=tx.session)
            doc["owner_id"] = pick_round_robin(owners, counter)

    await rt.uow.run_without_transaction(work)
