"""HTTP routes of accounts: CRUD, list/search, an account's contacts, CSV import/export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from contacts.accounts import service
from contacts.accounts.schemas import (
    AccountCreate,
    AccountListQuery,
    AccountOut,
    AccountPage,
    AccountQuery,
    AccountUpdate,
)
from contacts.accounts.views import account_view
from contacts.contacts.api import ReadContacts
from contacts.contacts.schemas import ContactListQuery, ContactPage
from contacts.contacts.views import contact_view
from contacts.deps import (
    ResourceId,
    created_response,
    csv_export,
    doc_response,
    page_response,
)
from contacts.imports.csv_format import ACCOUNT_CSV_COLUMNS
from contacts.imports.service import ACCOUNTS_IMPORT
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
from crm_shared.import_jobs.http import (
    JOB_RESPONSES,
    ImportJobOut,
    JobId,
    cancel_job,
    read_job,
    start_import,
)

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])

ReadAccounts = Annotated[Access, require("accounts", Action.READ)]
WriteAccounts = Annotated[Access, require("accounts", Action.WRITE)]
ImportAccounts = Annotated[Access, require("accounts", Action.IMPORT)]


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
    access: ReadAccounts, rt: RuntimeDep, filters: Annotated[AccountListQuery, Query()]
) -> JSONResponse:
    """A page of accounts: filters, word-prefix search ``q``, sort, cursor."""
    docs, next_cursor = await service.list_accounts(rt, access, filters)
    return page_response([account_view(d) for d in docs], next_cursor)


@router.get("/export.csv", response_class=StreamingResponse, responses=CSV_DOWNLOAD)
async def export_accounts(
    access: ReadAccounts, rt: RuntimeDep, filters: Annotated[AccountQuery, Query()]
) -> StreamingResponse:
    """Every account of the current filter as CSV, streamed."""
    return csv_export("accounts", ACCOUNT_CSV_COLUMNS, service.export_accounts(rt, access, filters))


@router.post("/import", openapi_extra=CSV_UPLOAD, responses=JOB_RESPONSES)
async def import_csv(request: Request, access: ImportAccounts, rt: RuntimeDep) -> Any:
    """Import accounts from a raw ``text/csv`` body as a background job (with ``Prefer:
    respond-async``, 202 and the job's URL at once; else the report when it is done).
    The report lists rejected rows and duplicates (a domain that exists, or repeats in
    the file) by row number."""
    return await start_import(
        rt.imports,
        ACCOUNTS_IMPORT,
        access,
        request,
        csv_body(request),
        jobs_path="/v1/accounts/imports",
    )


@router.get("/imports/{job_id}", response_model=ImportJobOut)
async def import_job(job_id: JobId, access: ImportAccounts, rt: RuntimeDep) -> dict[str, Any]:
    """An import of accounts: its status and report so far."""
    return await read_job(rt.imports, ACCOUNTS_IMPORT, access, job_id)


@router.delete("/imports/{job_id}", response_model=ImportJobOut)
async def cancel_import(job_id: JobId, access: ImportAccounts, rt: RuntimeDep) -> dict[str, Any]:
    """Cancel an import of accounts: a queued one never starts, a running one stops before
    its next batch (the rows imported before stay); 409 once it finished."""
    return await cancel_job(rt.imports, ACCOUNTS_IMPORT, access, job_id)


@router.get("/{account_id}", response_model=AccountOut)
async def get_account(account_id: ResourceId, access: ReadAccounts, rt: RuntimeDep) -> JSONResponse:
    """One account, with its ETag."""
    return doc_response(account_view(await service.get_account(rt, access, account_id)))


@router.get("/{account_id}/contacts", response_model=ContactPage)
async def account_contacts(
    account_id: ResourceId,
    access: ReadContacts,
    rt: RuntimeDep,
    filters: Annotated[ContactListQuery, Query()],
) -> JSONResponse:
    """The account's contacts (the contact list filters apply too)."""
    docs, next_cursor = await service.account_contacts(rt, access, account_id, filters)
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
    doc = await service.update_account(rt, access, account_id, body, if_match=if_match)
    return doc_response(account_view(doc))


@router.delete("/{account_id}", status_code=204)
async def delete_account(
    account_id: ResourceId, access: WriteAccounts, rt: RuntimeDep, if_match: IfMatch
) -> Response:
    """Delete an account without contacts (409 while contacts belong to it)."""
    await service.delete_account(rt, access, account_id, if_match=if_match)
    return Response(status_code=204)
