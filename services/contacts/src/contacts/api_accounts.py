"""HTTP routes of accounts: CRUD, list/search, an account's contacts, CSV import/export."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from contacts import service_accounts as service
from contacts.contacts import service as contacts_service
from contacts.contacts.api import ReadContacts
from contacts.contacts.schemas import (
    AccountCreate,
    AccountOut,
    AccountPage,
    AccountType,
    AccountUpdate,
    ContactListQuery,
    ContactPage,
    Paging,
)
from contacts.contacts.views import contact_view, view
from contacts.csv_format import ACCOUNT_CSV_COLUMNS
from contacts.deps import (
    ResourceId,
    SettingsDep,
    created_response,
    csv_export,
    doc_response,
    list_page,
    page_response,
    search_text,
)
from contacts.importer import import_accounts
from contacts.repo_accounts import ACCOUNT_SORTS, AccountRepository
from crm_shared.access import Action
from crm_shared.auth import Access, require
from crm_shared.http.deps import (
    CSV_DOWNLOAD,
    CSV_UPLOAD,
    IdempotencyKey,
    IfMatch,
    RuntimeDep,
    csv_body,
)
from crm_shared.ids import as_utc
from crm_shared.mongo.repository import ListFilter

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])

ReadAccounts = Annotated[Access, require("accounts", Action.READ)]
WriteAccounts = Annotated[Access, require("accounts", Action.WRITE)]
ImportAccounts = Annotated[Access, require("accounts", Action.IMPORT)]


class AccountQuery(BaseModel):
    """List and export filters (combined with AND)."""

    model_config = ConfigDict(extra="forbid")

    owner_id: str | None = Field(default=None, max_length=64)
    type: AccountType | None = None
    tag: str | None = Field(default=None, max_length=50)
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = Field(default=None, max_length=100)
    sort: Literal["-created_at", "-updated_at", "name"] = "-created_at"

    def to_filter(self) -> ListFilter:
        """The repository filter."""
        return ListFilter(
            equals={
                "owner_id": self.owner_id,
                "type": self.type.value if self.type else None,
                "tags": self.tag.lower() if self.tag else None,
            },
            created_from=as_utc(self.created_from),
            created_to=as_utc(self.created_to),
            q=search_text(self.q),
        )


class AccountListQuery(AccountQuery, Paging):
    """List filters plus the page window."""


@router.post("", status_code=201, response_model=AccountOut)
async def create_account(
    body: AccountCreate,
    access: WriteAccounts,
    rt: RuntimeDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Create an account (AccountCreated); 409 naming the existing account on a taken domain."""
    view, replayed = await service.create_account(rt, access, body, idempotency_key=idempotency_key)
    return created_response(view, replayed, f"/v1/accounts/{view['id']}")


@router.get("", response_model=AccountPage)
async def list_accounts(
    access: ReadAccounts,
    rt: RuntimeDep,
    settings: SettingsDep,
    filters: Annotated[AccountListQuery, Query()],
) -> JSONResponse:
    """A page of accounts: filters, word-prefix search ``q``, sort, cursor."""
    repo = AccountRepository(rt.db, access.tenant_id)
    return await list_page(
        repo, filters.to_filter(), ACCOUNT_SORTS[filters.sort], filters, settings
    )


@router.get("/export.csv", response_class=StreamingResponse, responses=CSV_DOWNLOAD)
async def export_accounts(
    access: ReadAccounts,
    rt: RuntimeDep,
    settings: SettingsDep,
    filters: Annotated[AccountQuery, Query()],
) -> StreamingResponse:
    """Every account of the current filter as CSV, streamed."""
    repo = AccountRepository(rt.db, access.tenant_id)
    docs = repo.iterate(
        filters.to_filter(), ACCOUNT_SORTS[filters.sort], windowed=settings.list_windowing
    )
    return csv_export("accounts", ACCOUNT_CSV_COLUMNS, docs)


@router.post("/import", openapi_extra=CSV_UPLOAD)
async def import_csv(request: Request, access: ImportAccounts, rt: RuntimeDep) -> dict[str, Any]:
    """Import accounts from a raw ``text/csv`` body, with a per-row report."""
    report = await import_accounts(rt, access, csv_body(request))
    return report.as_dict()


@router.get("/{account_id}", response_model=AccountOut)
async def get_account(account_id: ResourceId, access: ReadAccounts, rt: RuntimeDep) -> JSONResponse:
    """One account, with its ETag."""
    return doc_response(view(await service.get_account(rt, access, account_id)))


@router.get("/{account_id}/contacts", response_model=ContactPage)
async def account_contacts(
    account_id: ResourceId,
    access: ReadContacts,
    rt: RuntimeDep,
    settings: SettingsDep,
    filters: Annotated[ContactListQuery, Query()],
) -> JSONResponse:
    """The account's contacts (the contact list filters apply too)."""
    await AccountRepository(rt.db, access.tenant_id).get(account_id)
    docs, next_cursor = await contacts_service.list_contacts(
        rt, access, filters, account_id=account_id
    )
    return page_response([contact_view(d) for d in docs], next_cursor)


@router.patch("/{account_id}", response_model=AccountOut)
async def update_account(
    account_id: ResourceId,
    body: AccountUpdate,
    access: WriteAccounts,
    rt: RuntimeDep,
    if_match: IfMatch,
) -> JSONResponse:
    """Change some fields; ``If-Match`` guards against lost updates (409)."""
    return doc_response(
        view(await service.update_account(rt, access, account_id, body, if_match=if_match))
    )


@router.delete("/{account_id}", status_code=204)
async def delete_account(
    account_id: ResourceId, access: WriteAccounts, rt: RuntimeDep, if_match: IfMatch
) -> Response:
    """Delete an account without contacts (409 while contacts belong to it)."""
    await service.delete_account(rt, access, account_id, if_match=if_match)
    return Response(status_code=204)
