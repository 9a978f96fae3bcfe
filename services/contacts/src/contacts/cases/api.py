"""HTTP routes of cases: open, list (by status, priority, assignee; newest first, SLA
first, or by priority then SLA), edit, status moves, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from contacts.cases import service
from contacts.cases.domain import CasePriority
from contacts.cases.schemas import (
    CaseCreate,
    CaseOut,
    CasePage,
    CaseQuery,
    CaseStatusChange,
    CaseSummary,
    CaseUpdate,
)
from contacts.cases.views import case_view
from contacts.deps import ResourceId, created_response, doc_response, page_response
from crm_shared.access import Action
from crm_shared.auth import Access, require
from crm_shared.http.deps import IdempotencyKey, IfMatch, RuntimeDep
from crm_shared.ids import utcnow

router = APIRouter(prefix="/v1/cases", tags=["cases"])

ReadCases = Annotated[Access, require("cases", Action.READ)]
WriteCases = Annotated[Access, require("cases", Action.WRITE)]


@router.post("", status_code=201, response_model=CaseOut)
async def open_case(
    body: CaseCreate, access: WriteCases, rt: RuntimeDep, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Open a case due by its priority's SLA (publishes CaseOpened)."""
    view, replayed = await service.open_case(rt, access, body, idempotency_key=idempotency_key)
    return created_response(view, replayed, f"/v1/cases/{view['id']}")


@router.get("", response_model=CasePage)
async def list_cases(
    access: ReadCases, rt: RuntimeDep, filters: Annotated[CaseQuery, Query()]
) -> JSONResponse:
    """A page of cases, newest first, by SLA due time (``sort=sla_due_at``), or most urgent
    priority first and then by SLA due time (``sort=priority``)."""
    docs, next_cursor = await service.list_cases(rt, access, filters)
    return page_response([case_view(d) for d in docs], next_cursor)


@router.get("/summary", response_model=CaseSummary)
async def case_summary(access: ReadCases, rt: RuntimeDep) -> CaseSummary:
    """Open cases (new, open, pending) by priority and overdue: the support dashboard."""
    by_priority, overdue = await service.open_counts(rt, access, utcnow())
    return CaseSummary(
        open_by_priority={CasePriority(p): n for p, n in by_priority.items()},
        open_total=sum(by_priority.values()),
        overdue=overdue,
    )


@router.get("/{case_id}", response_model=CaseOut)
async def get_case(case_id: ResourceId, access: ReadCases, rt: RuntimeDep) -> JSONResponse:
    """One case, with its ETag."""
    return doc_response(case_view(await service.get_case(rt, access, case_id)))


@router.patch("/{case_id}", response_model=CaseOut)
async def update_case(
    case_id: ResourceId, body: CaseUpdate, access: WriteCases, rt: RuntimeDep, if_match: IfMatch
) -> JSONResponse:
    """Change subject, description, type, priority (moves the SLA) or assignee."""
    doc = await service.update_case(rt, access, case_id, body, if_match=if_match)
    return doc_response(case_view(doc))


@router.post("/{case_id}/status", response_model=CaseOut)
async def change_status(
    case_id: ResourceId,
    body: CaseStatusChange,
    access: WriteCases,
    rt: RuntimeDep,
    if_match: IfMatch,
) -> JSONResponse:
    """Move the case; illegal moves are 409. Resolving publishes CaseResolved."""
    doc = await service.change_status(rt, access, case_id, body, if_match=if_match)
    return doc_response(case_view(doc))


@router.delete("/{case_id}", status_code=204)
async def delete_case(
    case_id: ResourceId, access: WriteCases, rt: RuntimeDep, if_match: IfMatch
) -> Response:
    """Delete a case."""
    await service.delete_case(rt, access, case_id, if_match=if_match)
    return Response(status_code=204)
