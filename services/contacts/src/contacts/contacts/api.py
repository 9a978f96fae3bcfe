"""HTTP routes of contacts: CRUD, list/search, CSV import/export, merge, RFM."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from contacts.contacts import service
from contacts.contacts.schemas import (
    ContactCreate,
    ContactListQuery,
    ContactOut,
    ContactPage,
    ContactQuery,
    ContactUpdate,
    MergeRequest,
)
from contacts.contacts.views import contact_view
from contacts.deps import (
    ResourceId,
    created_response,
    csv_export,
    doc_response,
    page_response,
)
from contacts.imports.csv_format import CONTACT_CSV_COLUMNS
from contacts.imports.service import CONTACTS_IMPORT
from contacts.purchases import service as purchases
from contacts.purchases.schemas import RfmOut
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
from crm_shared.ids import utcnow
from crm_shared.import_jobs.http import (
    JOB_RESPONSES,
    ImportJobOut,
    JobId,
    cancel_job,
    read_job,
    start_import,
)

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])

ReadContacts = Annotated[Access, require("contacts", Action.READ)]
WriteContacts = Annotated[Access, require("contacts", Action.WRITE)]
ImportContacts = Annotated[Access, require("contacts", Action.IMPORT)]

Filters = Annotated[ContactQuery, Query()]
ListFilters = Annotated[ContactListQuery, Query()]


@router.post("", status_code=201, response_model=ContactOut)
async def create_contact(
    body: ContactCreate,
    access: WriteContacts,
    rt: RuntimeDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Create a contact; 409 naming the existing contact when an e-mail is taken."""
    view, replayed = await service.create_contact(rt, access, body, idempotency_key=idempotency_key)
    return created_response(view, replayed, f"/v1/contacts/{view['id']}")


@router.get("", response_model=ContactPage)
async def list_contacts(access: ReadContacts, rt: RuntimeDep, filters: ListFilters) -> JSONResponse:
    """A page of contacts: filters, word-prefix search ``q``, sort, cursor."""
    docs, next_cursor = await service.list_contacts(rt, access, filters)
    return page_response([contact_view(d) for d in docs], next_cursor)


@router.get("/export.csv", response_class=StreamingResponse, responses=CSV_DOWNLOAD)
async def export_contacts(
    access: ReadContacts, rt: RuntimeDep, filters: Filters
) -> StreamingResponse:
    """Every contact of the current filter as CSV, streamed."""
    return csv_export("contacts", CONTACT_CSV_COLUMNS, service.export_contacts(rt, access, filters))


@router.post("/import", openapi_extra=CSV_UPLOAD, responses=JOB_RESPONSES)
async def import_csv(request: Request, access: ImportContacts, rt: RuntimeDep) -> Any:
    """Import contacts from a raw ``text/csv`` body as a background job (with ``Prefer:
    respond-async``, 202 and the job's URL at once; else the report when it is done).
    The report lists rejected rows and duplicates (an e-mail that exists, or repeats in
    the file) by row number."""
    return await start_import(
        rt.imports,
        CONTACTS_IMPORT,
        access,
        request,
        csv_body(request),
        jobs_path="/v1/contacts/imports",
    )


@router.get("/imports/{job_id}", response_model=ImportJobOut)
async def import_job(job_id: JobId, access: ImportContacts, rt: RuntimeDep) -> dict[str, Any]:
    """An import of contacts: its status and report so far."""
    return await read_job(rt.imports, CONTACTS_IMPORT, access, job_id)


@router.delete("/imports/{job_id}", response_model=ImportJobOut)
async def cancel_import(job_id: JobId, access: ImportContacts, rt: RuntimeDep) -> dict[str, Any]:
    """Cancel an import of contacts: a queued one never starts, a running one stops before
    its next batch (the rows imported before stay); 409 once it finished."""
    return await cancel_job(rt.imports, CONTACTS_IMPORT, access, job_id)


@router.get("/{contact_id}", response_model=ContactOut)
async def get_contact(contact_id: ResourceId, access: ReadContacts, rt: RuntimeDep) -> JSONResponse:
    """One contact, with its ETag."""
    return doc_response(contact_view(await service.get_contact(rt, access, contact_id)))


@router.patch("/{contact_id}", response_model=ContactOut)
async def update_contact(
    contact_id: ResourceId,
    body: ContactUpdate,
    access: WriteContacts,
    rt: RuntimeDep,
    if_match: IfMatch,
) -> JSONResponse:
    """Change some fields; ``If-Match`` guards against lost updates (409)."""
    doc = await service.update_contact(rt, access, contact_id, body, if_match=if_match)
    return doc_response(contact_view(doc))


@router.delete("/{contact_id}", status_code=204)
async def delete_contact(
    contact_id: ResourceId, access: WriteContacts, rt: RuntimeDep, if_match: IfMatch
) -> Response:
    """Delete a contact (publishes ContactDeleted)."""
    await service.delete_contact(rt, access, contact_id, if_match=if_match)
    return Response(status_code=204)


@router.post("/{contact_id}/merge", response_model=ContactOut)
async def merge_contact(
    contact_id: ResourceId, body: MergeRequest, access: WriteContacts, rt: RuntimeDep
) -> JSONResponse:
    """Merge ``source_contact_id`` into this contact; the source is deleted."""
    doc = await service.merge_into(rt, access, contact_id, body.source_contact_id)
    return doc_response(contact_view(doc))


@router.get("/{contact_id}/rfm", response_model=RfmOut)
async def contact_rfm(contact_id: ResourceId, access: ReadContacts, rt: RuntimeDep) -> JSONResponse:
    """Live RFM scores (1-5), segment and historical CLV of a contact."""
    body = await purchases.contact_rfm(rt, access, contact_id, now=utcnow())
    return JSONResponse(RfmOut.model_validate(body).model_dump(mode="json"))
