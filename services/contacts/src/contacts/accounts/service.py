"""Account use cases: create (AccountCreated), list and export, an account's contacts,
read, edit, delete. The unique domain index decides duplicates; 409 problems name the
existing account."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

from bson import Decimal128
from pymongo.errors import DuplicateKeyError

from contacts.accounts.domain import account_domain
from contacts.accounts.repository import ACCOUNT_SORTS, AccountRepository, account_derived
from contacts.accounts.schemas import AccountCreate, AccountListQuery, AccountQuery, AccountUpdate
from contacts.accounts.views import account_created, account_view
from contacts.contacts import service as contact_service
from contacts.contacts.repository import ContactRepository
from contacts.contacts.schemas import ContactListQuery
from crm_shared.auth import Access
from crm_shared.errors import Conflict, Unprocessable
from crm_shared.idempotency import IN_PROGRESS, create_once
from crm_shared.ids import as_utc, new_id
from crm_shared.mongo.repository import ListFilter, expected_version
from crm_shared.mongo.scoped import Document
from crm_shared.ownership import check_assignee, default_owner, writable
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx

KIND = "account"


def _money(value: Decimal | None) -> Decimal128 | None:
    return Decimal128(value) if value is not None else None


def build_account(data: AccountCreate, *, owner_id: str | None) -> Document:
    """A new account document (tenant, version and timestamps are stamped on insert)."""
    doc: Document = data.model_dump(mode="json", exclude={"owner_id"})
    doc["domain"] = account_domain(data.domain, data.website)
    doc["annual_revenue"] = _money(data.annual_revenue)
    doc.update(_id=new_id("acc"), owner_id=owner_id, source_lead_id=None)
    doc.update(account_derived(doc))
    return doc


async def domain_taken(repo: AccountRepository, domain: str | None) -> Conflict | None:
    """The 409 naming the account that already has ``domain``, if one has."""
    existing = await repo.by_domain(domain) if domain else None
    if existing is None:
        return None
    return Conflict(f"an account with domain {domain} exists", existing_id=existing["_id"])


async def create_account(
    rt: Runtime, access: Access, data: AccountCreate, *, idempotency_key: str | None
) -> tuple[dict[str, Any], bool]:
    """Create an account and publish AccountCreated."""
    check_assignee(access, data.owner_id, KIND)
    repo = AccountRepository(rt.db, access.tenant_id)
    await repo.require("parent_account_id", data.parent_account_id)
    doc = build_account(data, owner_id=default_owner(access, data.owner_id))

    async def work(tx: Tx) -> dict[str, Any]:
        await repo.insert(doc, session=tx.session)
        await tx.emit(account_created(doc), tenant_id=repo.tenant_id)
        return account_view(doc)

    async def on_duplicate() -> Conflict | None:
        return await domain_taken(repo, doc["domain"])

    return await create_once(
        rt.uow,
        repo.tenant_id,
        data.model_dump(mode="json"),
        work,
        idempotency_key=idempotency_key,
        on_duplicate=on_duplicate,
    )


async def get_account(rt: Runtime, access: Access, account_id: str) -> Document:
    """One account of the caller's tenant."""
    return await AccountRepository(rt.db, access.tenant_id).get(account_id)


def account_filter(query: AccountQuery) -> ListFilter:
    """The repository filter of an account list."""
    return ListFilter(
        equals={
            "owner_id": query.owner_id,
            "type": query.type.value if query.type else None,
            "tags": query.tag.lower() if query.tag else None,
        },
        created_from=as_utc(query.created_from),
        created_to=as_utc(query.created_to),
        q=contact_service.search_text(query.q),
    )


async def list_accounts(
    rt: Runtime, access: Access, query: AccountListQuery
) -> tuple[list[Document], str | None]:
    """A page of the accounts matching ``query``, in its sort order, and the next cursor."""
    return await AccountRepository(rt.db, access.tenant_id).page(
        account_filter(query),
        ACCOUNT_SORTS[query.sort],
        limit=min(query.limit, rt.settings.max_page_size),
        cursor=query.cursor,
        windowed=rt.settings.list_windowing,
    )


def export_accounts(rt: Runtime, access: Access, query: AccountQuery) -> AsyncIterator[Document]:
    """Every account matching ``query``, in its sort order (read page by page)."""
    return AccountRepository(rt.db, access.tenant_id).iterate(
        account_filter(query), ACCOUNT_SORTS[query.sort], windowed=rt.settings.list_windowing
    )


async def account_contacts(
    rt: Runtime, access: Access, account_id: str, query: ContactListQuery
) -> tuple[list[Document], str | None]:
    """A page of the account's contacts (404 for an unknown account)."""
    await AccountRepository(rt.db, access.tenant_id).get(account_id)
    return await contact_service.list_contacts(rt, access, query, account_id=account_id)


async def update_account(
    rt: Runtime, access: Access, account_id: str, patch: AccountUpdate, *, if_match: int | None
) -> Document:
    """Apply a partial update (no event: the catalogue has no AccountUpdated)."""
    changes = patch.changes()
    if "owner_id" in changes:
        check_assignee(access, changes["owner_id"], KIND)
    repo = AccountRepository(rt.db, access.tenant_id)
    current = writable(access, await repo.get(account_id), KIND)
    parent = changes.get("parent_account_id")
    if parent == account_id:
        raise Unprocessable("an account cannot be its own parent")
    await repo.require("parent_account_id", parent)
    if "annual_revenue" in changes:
        changes["annual_revenue"] = _money(patch.annual_revenue)
    fields = {**changes, **account_derived({**current, **changes})}
    version = expected_version(current, if_match)

    async def work(tx: Tx) -> Document:
        return await repo.update(account_id, version, {"$set": fields}, session=tx.session)

    try:
        return await rt.uow.run_without_transaction(work)
    except DuplicateKeyError as exc:
        raise await domain_taken(repo, changes.get("domain")) or Conflict(IN_PROGRESS) from exc


async def delete_account(
    rt: Runtime, access: Access, account_id: str, *, if_match: int | None
) -> None:
    """Delete an account that no contact belongs to (409 otherwise)."""
    repo = AccountRepository(rt.db, access.tenant_id)
    current = writable(access, await repo.get(account_id), KIND)
    member = await ContactRepository(rt.db, access.tenant_id).first_of_account(account_id)
    if member is not None:
        raise Conflict(
            f"account {account_id} still has contacts; move or delete them first",
            contact_id=member["_id"],
        )
    version = expected_version(current, if_match)

    async def work(tx: Tx) -> None:
        await repo.delete(account_id, version, session=tx.session)

    await rt.uow.run_without_transaction(work)
