"""HTTP routes of leads: parse, call a use case, shape the response.

Two routers with the same prefix: ``router`` (the collection: create, list, summary) and
``lead_router`` (one lead by id). The app mounts the CSV routes between them, so
``/v1/leads/export.csv`` is matched before ``/v1/leads/{lead_id}``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from crm_shared.http.deps import IdempotencyKey, IfMatch, RuntimeDep
from crm_shared.views import versioned_response
from leads.deps import LeadId, ReadLeads, SettingsDep, WriteLeads
from leads.leads import service
from leads.leads.schemas import (
    AssignRequest,
    ConvertRequest,
    LeadCreate,
    LeadListQuery,
    LeadOut,
    LeadPage,
    LeadSummary,
    LeadUpdate,
    MergeRequest,
    StatusChange,
)
from leads.leads.views import lead_view
from leads.scoring.schemas import ScoreExplanation

router = APIRouter(prefix="/v1/leads", tags=["leads"])
lead_router = APIRouter(prefix="/v1/leads", tags=["leads"])

ListFilters = Annotated[LeadListQuery, Query()]


def lead_response(doc: dict[str, Any]) -> JSONResponse:
    """A lead body with its ETag."""
    return versioned_response(lead_view(doc))


@router.post("", status_code=201, response_model=LeadOut)
async def create_lead(
    body: LeadCreate, access: WriteLeads, rt: RuntimeDep, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Create a lead. Scored on creation; 409 if the e-mail already has a lead."""
    view, replayed = await service.create_lead(rt, access, body, idempotency_key=idempotency_key)
    headers = {"Location": f"/v1/leads/{view['id']}", "ETag": f'"{view["version"]}"'}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(view, status_code=201, headers=headers)


@router.get("", response_model=LeadPage)
async def list_leads(
    access: ReadLeads,
    rt: RuntimeDep,
    settings: SettingsDep,
    filters: ListFilters,
) -> JSONResponse:
    """A page of leads: filters, search ``q`` (word prefixes, accent-insensitive), sort."""
    items, next_cursor = await service.list_leads(
        rt,
        access,
        filters,
        max_page_size=settings.max_page_size,
        windowed=settings.list_windowing,
    )
    return JSONResponse({"items": items, "next_cursor": next_cursor})


@router.get("/summary", response_model=LeadSummary)
async def lead_summary(
    access: ReadLeads,
    rt: RuntimeDep,
    start: Annotated[datetime | None, Query(alias="from")] = None,
    end: Annotated[datetime | None, Query(alias="to")] = None,
) -> LeadSummary:
    """Leads created from ``from`` (default: the start of this month, UTC) until ``to``
    (default: now), by rating; a sales user counts only their own leads."""
    return await service.lead_summary(rt, access, start, end)


@lead_router.get("/{lead_id}", response_model=LeadOut)
async def get_lead(lead_id: LeadId, access: ReadLeads, rt: RuntimeDep) -> JSONResponse:
    """One lead, with its ETag."""
    return lead_response(await service.get_lead(rt, access, lead_id))


@lead_router.get("/{lead_id}/score", response_model=ScoreExplanation)
async def explain_score(lead_id: LeadId, access: ReadLeads, rt: RuntimeDep) -> ScoreExplanation:
    """Why the lead has its score and rating: the scoring rules that fired (with their
    points) and the tenant's rating thresholds."""
    return await service.explain_score(rt, access, lead_id)


@lead_router.patch("/{lead_id}", response_model=LeadOut)
async def update_lead(
    lead_id: LeadId, body: LeadUpdate, access: WriteLeads, rt: RuntimeDep, if_match: IfMatch
) -> JSONResponse:
    """Change some fields; rescored. ``If-Match`` guards against lost updates (409)."""
    return lead_response(await service.update_lead(rt, access, lead_id, body, if_match=if_match))


@lead_router.delete("/{lead_id}", status_code=204)
async def delete_lead(
    lead_id: LeadId, access: WriteLeads, rt: RuntimeDep, if_match: IfMatch
) -> Response:
    """Delete a lead (publishes LeadDeleted)."""
    await service.delete_lead(rt, access, lead_id, if_match=if_match)
    return Response(status_code=204)


@lead_router.post("/{lead_id}/status", response_model=LeadOut)
async def change_status(
    lead_id: LeadId, body: StatusChange, access: WriteLeads, rt: RuntimeDep, if_match: IfMatch
) -> JSONResponse:
    """Move the lead to another status; illegal moves are 409, unqualified needs a reason."""
    return lead_response(await service.change_status(rt, access, lead_id, body, if_match=if_match))


@lead_router.post("/{lead_id}/assign", response_model=LeadOut)
async def assign_lead(
    lead_id: LeadId, body: AssignRequest, access: WriteLeads, rt: RuntimeDep
) -> JSONResponse:
    """Assign to an owner, or round-robin over the configured owners."""
    return lead_response(await service.assign_lead(rt, access, lead_id, body))


@lead_router.post("/{lead_id}/convert", response_model=LeadOut)
async def convert_lead(
    lead_id: LeadId, body: ConvertRequest, access: WriteLeads, rt: RuntimeDep
) -> JSONResponse:
    """Convert into contact (+ account, + optional deal) via LeadConverted; twice is 409."""
    return lead_response(await service.convert_lead(rt, access, lead_id, body))


@lead_router.post("/{lead_id}/merge", response_model=LeadOut)
async def merge_lead(
    lead_id: LeadId, body: MergeRequest, access: WriteLeads, rt: RuntimeDep
) -> JSONResponse:
    """Merge ``source_lead_id`` into this lead; the source is deleted."""
    return lead_response(await service.merge_leads(rt, access, lead_id, body.source_lead_id))
