"""Contact use cases: create, list and export, read, edit, delete, merge. Each write is one
unit of work that emits its events; the unique e-mail index decides duplicates."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from bson import Decimal128
from pymongo.errors import DuplicateKeyError

from contacts.accounts.repository import AccountRepository
from contacts.activities.repository import ActivityRepository
from contacts.cases.repository import CaseRepository
from contacts.contacts.domain import contact_emails, merge_contacts
from contacts.contacts.repository import CONTACT_SORTS, ContactRepository, contact_derived
from contacts.contacts.schemas import ContactCreate, ContactListQuery, ContactQuery, ContactUpdate
from contacts.contacts.views import contact_snapshot, contact_view
from contacts.purchases.repository import PurchaseRepository, RfmStateRepository
from contacts.purchases.service import refreshed_stats
from contacts.settings import settings_of
from crm_shared.auth import Access
from crm_shared.errors import Conflict, Unprocessable
from crm_shared.events.catalogue import ContactCreated, ContactDeleted, ContactUpdated
from crm_shared.idempotency import IN_PROGRESS, create_once
from crm_shared.ids import as_utc, new_id
from crm_shared.mongo.repository import ListFilter, expected_version
from crm_shared.mongo.scoped import Document
from crm_shared.ownership import check_assignee, default_owner, writable
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx

KIND = "contact"


def build_contact(data: ContactCreate, *, owner_id: str | None) -> Document:
    """A new contact document (tenant, version and timestamps are stamped on insert)."""
    doc: Document = data.model_dump(mode="json", exclude={"owner_id"})
    doc["email"], doc["emails"] = contact_emails(data.email, data.emails)
    doc.update(
        _id=new_id("con"),
        owner_id=owner_id,
        source_lead_id=None,
        purchase_count=0,
        purchase_totals={},
        purchase_total=Decimal128("0"),
        first_purchase_at=None,
        last_purchase_at=None,
        lost_deals=0,
        rfm_segment=None,
    )
    doc.update(contact_derived(doc))
    return doc


async def email_taken(
    repo: ContactRepository, emails: Sequence[str], *, exclude: str | None = None
) -> Conflict | None:
    """The 409 naming the contact that already has one of ``emails``, if one has."""
    taken = {e: i for e, i in (await repo.by_emails(emails)).items() if i != exclude}
    if not taken:
        return None
    email, existing = next(iter(taken.items()))
    return Conflict(f"a contact with email {email} exists", existing_id=existing)


async def create_contact(
    rt: Runtime, access: Access, data: ContactCreate, *, idempotency_key: str | None
) -> tuple[dict[str, Any], bool]:
    """Create a contact (409 naming the existing contact on a duplicate e-mail)."""
    check_assignee(access, data.owner_id, KIND)
    repo = ContactRepository(rt.db, access.tenant_id)
    await AccountRepository(rt.db, access.tenant_id).require("account_id", data.account_id)
    doc = build_contact(data, owner_id=default_owner(access, data.owner_id))

    async def work(tx: Tx) -> dict[str, Any]:
        await repo.insert(doc, session=tx.session)
        await tx.emit(
            ContactCreated(contact_id=doc["_id"], contact=contact_snapshot(doc)),
            tenant_id=repo.tenant_id,
        )
        return contact_view(doc)

    async def on_duplicate() -> Conflict | None:
        return await email_taken(repo, doc["emails"])

    return await create_once(
        rt.uow,
        repo.tenant_id,
        data.model_dump(mode="json"),
        work,
        idempotency_key=idempotency_key,
        on_duplicate=on_duplicate,
    )


def search_text(q: str | None) -> str | None:
    """A search query, ``None`` when blank."""
    return q.strip() or None if q else None


def contact_filter(query: ContactQuery, **fixed: Any) -> ListFilter:
    """The repository filter of a contact list (``fixed`` equalities override the query's)."""
    return ListFilter(
        equals={
            "owner_id": query.owner_id,
            "account_id": query.account_id,
            "lifecycle_stage": query.lifecycle_stage.value if query.lifecycle_stage else None,
            "tags": query.tag.lower() if query.tag else None,
            "rfm_segment": query.rfm_segment.value if query.rfm_segment else None,
            "do_not_contact": query.do_not_contact,
            **fixed,
        },
        created_from=as_utc(query.created_from),
        created_to=as_utc(query.created_to),
        q=search_text(query.q),
    )


async def list_contacts(
    rt: Runtime, access: Access, query: ContactListQuery, **fixed: Any
) -> tuple[list[Document], str | None]:
    """A page of the contacts matching ``query`` (and the ``fixed`` equalities), in its sort
    order, and the next cursor (every role that reads contacts reads them all)."""
    return await ContactRepository(rt.db, access.tenant_id).page(
        contact_filter(query, **fixed),
        CONTACT_SORTS[query.sort],
        limit=min(query.limit, rt.settings.max_page_size),
        cursor=query.cursor,
        windowed=rt.settings.list_windowing,
    )


def export_contacts(rt: Runtime, access: Access, query: ContactQuery) -> AsyncIterator[Document]:
    """Every contact matching ``query``, in its sort order (read page by page)."""
    return ContactRepository(rt.db, access.tenant_id).iterate(
        contact_filter(query), CONTACT_SORTS[query.sort], windowed=rt.settings.list_windowing
    )


async def get_contact(rt: Runtime, access: Access, contact_id: str) -> Document:
    """One contact of the caller's tenant (every role that reads contacts reads them all)."""
    return await ContactRepository(rt.db, access.tenant_id).get(contact_id)


def _changed(
    before: Mapping[str, Any], after: Mapping[str, Any], names: Sequence[str]
) -> list[str]:
    return sorted(k for k in names if before.get(k) != after.get(k))


async def update_contact(
    rt: Runtime, access: Access, contact_id: str, patch: ContactUpdate, *, if_match: int | None
) -> Document:
    """Apply a partial update and publish ContactUpdated; 409 on a taken e-mail."""
    changes = patch.changes()
    if "owner_id" in changes:
        check_assignee(access, changes["owner_id"], KIND)
    repo = ContactRepository(rt.db, access.tenant_id)
    if changes.get("account_id"):
        await AccountRepository(rt.db, repo.tenant_id).require("account_id", patch.account_id)
    current = writable(access, await repo.get(contact_id), KIND)
    if "email" in changes or "emails" in changes:
        primary = changes["email"] if "email" in changes else current.get("email")
        kept = [e for e in current.get("emails") or [] if e != current.get("email")]
        others: list[str] = changes.get("emails", kept)
        changes["email"], changes["emails"] = contact_emails(primary, others)
    merged = {**current, **changes}
    fields = {**changes, **contact_derived(merged)}

    async def work(tx: Tx) -> Document:
        version = expected_version(current, if_match)
        doc = await repo.update(contact_id, version, {"$set": fields}, session=tx.session)
        await tx.emit(
            ContactUpdated(
                contact_id=contact_id,
                contact=contact_snapshot(doc),
                changed_fields=_changed(current, doc, list(changes)),
            ),
            tenant_id=repo.tenant_id,
        )
        return doc

    try:
        return await rt.uow.run(work)
    except DuplicateKeyError as exc:
        taken = await email_taken(repo, fields["emails"], exclude=contact_id)
        raise taken or Conflict(IN_PROGRESS) from exc


async def delete_contact(
    rt: Runtime, access: Access, contact_id: str, *, if_match: int | None
) -> None:
    """Delete a contact and publish ContactDeleted (its activities and cases stay)."""
    repo = ContactRepository(rt.db, access.tenant_id)
    current = writable(access, await repo.get(contact_id), KIND)

    async def work(tx: Tx) -> None:
        await repo.delete(contact_id, expected_version(current, if_match), session=tx.session)
        await tx.emit(
            ContactDeleted(contact_id=contact_id, deleted_by=access.principal.sub),
            tenant_id=repo.tenant_id,
        )

    await rt.uow.run(work)


async def merge_into(rt: Runtime, access: Access, target_id: str, source_id: str) -> Document:
    """Merge ``source_id`` into ``target_id``: fill blanks, union e-mails, phones and tags,
    move the source's activities, cases and purchases, recompute stats, delete the source.
    Publishes ContactDeleted(merged_into) and ContactUpdated."""
    if target_id == source_id:
        raise Unprocessable("a contact cannot be merged into itself")
    tenant = access.tenant_id
    repo = ContactRepository(rt.db, tenant)
    target = writable(access, await repo.get(target_id), KIND)
    source = writable(access, await repo.get(source_id), KIND)
    merged = merge_contacts(target, source)
    fields = {**merged, **contact_derived({**target, **merged})}
    bp, _ = await RfmStateRepository(rt.db).breakpoints(tenant)
    currency = settings_of(rt).default_currency

    async def work(tx: Tx) -> Document:
        s = tx.session
        await repo.delete(source_id, source["version"], session=s)
        await ActivityRepository(tx.db, tenant).reassign(
            "contact_id", source_id, target_id, session=s
        )
        await CaseRepository(tx.db, tenant).reassign("contact_id", source_id, target_id, session=s)
        purchases = PurchaseRepository(tx.db, tenant)
        await purchases.move(source_id, target_id, session=s)
        outcomes = await purchases.of_contact(target_id, session=s)
        stats, _ = refreshed_stats({**target, **fields}, outcomes, bp, currency)
        doc = await repo.update(
            target_id, target["version"], {"$set": {**fields, **stats}}, session=s
        )
        if outcomes:
            await RfmStateRepository(tx.db).mark_dirty(tenant, session=s)
        await tx.emit(
            ContactDeleted(
                contact_id=source_id, merged_into=target_id, deleted_by=access.principal.sub
            ),
            tenant_id=tenant,
        )
        changed = _changed(target, doc, [*fields, *stats])
        await tx.emit(
            ContactUpdated(
                contact_id=target_id, contact=contact_snapshot(doc), changed_fields=changed
            ),
            tenant_id=tenant,
        )
        return doc

    try:
        return await rt.uow.run(work)
    except DuplicateKeyError as exc:  # defensive: the source's e-mails are freed first
        raise Conflict("merge conflicts with another contact's e-mail; retry") from exc
