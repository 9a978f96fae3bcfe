"""HTTP routes of contacts: CRUD, list/search, CSV import/export, merge, RFM."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from contacts import service_contacts as service
from contacts.contacts.domain import LifecycleStage
from contacts.csv_format import CONTACT_CSV_COLUMNS
from contacts.deps import (
    ResourceId,
    SettingsDep,
    created_response,
    csv_export,
    doc_response,
    list_page,
    search_text,
)
from contacts.importer import import_contacts
from contacts.purchases.domain import RfmSegment
from contacts.purchases.schemas import RfmOut
from contacts.purchases.service import live_rfm
from contacts.repo_contacts import CONTACT_SORTS, ContactRepository
from contacts.schemas import (
    ContactCreate,
    ContactOut,
    ContactPage,
    ContactUpdate,
    MergeRequest,
    Paging,
)
from contacts.views import view
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
from crm_shared.ids import as_utc, utcnow
from crm_shared.mongo.repository import ListFilter

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])

ReadContacts = Annotated[Access, require("contacts", Action.READ)]
WriteContacts = Annotated[Access, require("contacts", Action.WRITE)]
ImportContacts = Annotated[Access, require("contacts", Action.IMPORT)]


class ContactQuery(BaseModel):
    """List and export filters (combined with AND)."""

    model_config = ConfigDict(extra="forbid")

    owner_id: str | None = Field(default=None, max_length=64)
    account_id: str | None = Field(default=None, max_length=64)
    lifecycle_stage: LifecycleStage | None = None
    tag: str | None = Field(default=None, max_length=50)
    rfm_segment: RfmSegment | None = None
    do_not_contact: bool | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = Field(default=None, max_length=100)
    sort: Literal["-created_at", "created_at", "-updated_at", "name"] = "-created_at"

    def to_filter(self, **fixed: Any) -> ListFilter:
        """The repository filter (``fixed`` equalities override the query's)."""
        return ListFilter(
            equals={
                "owner_id": self.owner_id,
                "account_id": self.account_id,
                "lifecycle_stage": self.lifecycle_stage.value if self.lifecycle_stage else None,
                "tags": self.tag.lower() if self.tag else None,
                "rfm_segment": self.rfm_segment.value if self.rfm_segment else None,
                "do_not_contact": self.do_not_contact,
                **fixed,
            },
            created_from=as_utc(self.created_from),
            created_to=as_utc(self.created_to),
            q=search_text(self.q),
        )


class ContactListQuery(ContactQuery, Paging):
    """List filters plus the page window."""


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
async def list_contacts(
    access: ReadContacts, rt: RuntimeDep, settings: SettingsDep, filters: ListFilters
) -> JSONResponse:
    """A page of contacts: filters, word-prefix search ``q``, sort, cursor."""
    repo = ContactRepository(rt.db, access.tenant_id)
    return await list_page(
        repo, filters.to_filter(), CONTACT_SORTS[filters.sort], filters, settings
    )


@router.get("/export.csv", response_class=StreamingResponse, responses=CSV_DOWNLOAD)
async def export_contacts(
    access: ReadContacts, rt: RuntimeDep, settings: SettingsDep, filters: Filters
) -> StreamingResponse:
    """Every contact of the current filter as CSV, streamed."""
    repo = ContactRepository(rt.db, access.tenant_id)
    docs = repo.iterate(
        filters.to_filter(), CONTACT_SORTS[filters.sort], windowed=settings.list_windowing
    )
    return csv_export("contacts", CONTACT_CSV_COLUMNS, docs)


@router.post("/import", openapi_extra=CSV_UPLOAD)
async def import_csv(request: Request, access: ImportContacts, rt: RuntimeDep) -> dict[str, Any]:
    """Import contacts from a raw ``text/csv`` body; the report lists rejected rows and
    duplicates (an e-mail that exists, or repeats in the file) by row number."""
    report = await import_contacts(rt, access, csv_body(request))
    return report.as_dict()


@router.get("/{contact_id}", response_model=ContactOut)
async def get_contact(contact_id: ResourceId, access: ReadContacts, rt: RuntimeDep) -> JSONResponse:
    """One contact, with its ETag."""
    return doc_response(view(await service.get_contact(rt, access, contact_id)))


@router.patch("/{contact_id}", response_model=ContactOut)
async def update_contact(
    contact_id: ResourceId,
    body: ContactUpdate,
    access: WriteContacts,
    rt: RuntimeDep,
    if_match: IfMatch,
) -> JSONResponse:
    """Change some fields; ``If-Match`` guards against lost updates (409)."""
    return doc_response(
        view(await service.update_contact(rt, access, contact_id, body, if_match=if_match))
    )


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
    return doc_response(
        view(await service.merge_into(rt, access, contact_id, body.source_contact_id))
    )


@router.get("/{contact_id}/rfm", response_model=RfmOut)
async def contact_rfm(
    contact_id: ResourceId, access: ReadContacts, rt: RuntimeDep, settings: SettingsDep
) -> JSONResponse:
    """Live RFM scores (1-5), segment and historical CLV of a contact."""
    contact = await service.get_contact(rt, access, contact_id)
    body = await live_rfm(rt, contact, now=utcnow())
    return JSONResponse(RfmOut.model_validate(body).model_dump(mode="json"))
