"""CSV import of contacts and accounts, run as background jobs by ``crm_shared.import_jobs``
(roles with the import right act on the whole tenant, so owners are taken as given): each
batch (documents plus their outbox rows and the job's checkpoint) is one transaction; rows
whose e-mail or domain already exists are reported as duplicates naming the existing
record."""

from __future__ import annotations

from contacts.accounts.domain import account_domain
from contacts.accounts.repository import AccountRepository
from contacts.accounts.schemas import AccountCreate
from contacts.accounts.service import build_account
from contacts.accounts.views import account_created
from contacts.contacts.domain import contact_emails
from contacts.contacts.repository import ContactRepository
from contacts.contacts.schemas import ContactCreate
from contacts.contacts.service import build_contact
from contacts.contacts.views import contact_snapshot
from contacts.imports.csv_format import parse_account_row, parse_contact_row
from crm_shared.auth import Access
from crm_shared.csv_import import CsvImporter, ImportReport
from crm_shared.events.catalogue import ContactCreated, EventData
from crm_shared.ids import utcnow
from crm_shared.mongo.repository import Repository
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx

CONTACTS_IMPORT = "contacts"
ACCOUNTS_IMPORT = "accounts"


async def _write(
    rt: Runtime,
    repo: Repository,
    docs: list[Document],
    events: list[EventData],
    report: ImportReport,
) -> None:
    now = utcnow()
    for doc in docs:
        doc.update(tenant_id=repo.tenant_id, version=1, created_at=now, updated_at=now)

    async def work(tx: Tx) -> None:
        await repo.insert_many(docs, session=tx.session)
        await tx.emit_many(events, tenant_id=repo.tenant_id)
        await report.committing(tx, created=len(docs))

    await rt.uow.run(work)


async def contact_importer(rt: Runtime, access: Access) -> CsvImporter[ContactCreate]:
    """How a CSV becomes contacts of the caller's tenant (run as a background job)."""
    repo = ContactRepository(rt.db, access.tenant_id)

    def keys(contact: ContactCreate) -> list[str]:
        return contact_emails(contact.email, contact.emails)[1]

    async def flush(batch: list[tuple[int, ContactCreate]], report: ImportReport) -> None:
        existing = await repo.by_emails([e for _, c in batch for e in keys(c)])
        docs: list[Document] = []
        for row, contact in batch:
            taken = next((e for e in keys(contact) if e in existing), None)
            if taken is not None:
                report.duplicate(row, taken, existing[taken])
                continue
            docs.append(build_contact(contact, owner_id=contact.owner_id))
        if docs:
            events: list[EventData] = [
                ContactCreated(contact_id=d["_id"], contact=contact_snapshot({**d, "version": 1}))
                for d in docs
            ]
            await _write(rt, repo, docs, events, report)

    return CsvImporter(parse=parse_contact_row, keys=keys, flush=flush)


async def account_importer(rt: Runtime, access: Access) -> CsvImporter[AccountCreate]:
    """How a CSV becomes accounts of the caller's tenant (run as a background job)."""
    repo = AccountRepository(rt.db, access.tenant_id)

    async def flush(batch: list[tuple[int, AccountCreate]], report: ImportReport) -> None:
        built = [(row, build_account(a, owner_id=a.owner_id)) for row, a in batch]
        existing = await repo.by_domains([d["domain"] for _, d in built if d["domain"]])
        docs: list[Document] = []
        for row, doc in built:
            if doc["domain"] in existing:
                report.duplicate(row, doc["domain"], existing[doc["domain"]])
                continue
            docs.append(doc)
        if docs:
            events: list[EventData] = [account_created(d) for d in docs]
            await _write(rt, repo, docs, events, report)

    return CsvImporter(
        parse=parse_account_row,
        keys=lambda a: [d] if (d := account_domain(a.domain, a.website)) else [],
        flush=flush,
    )
