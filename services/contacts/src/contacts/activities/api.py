"""HTTP routes of activities: log, timeline (newest first), edit, delete, complete tasks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from contacts.activities import service
from contacts.activities.schemas import (
    ActivityCreate,
    ActivityOut,
    ActivityPage,
    ActivityQuery,
    ActivityUpdate,
)
from contacts.activities.views import activity_view
from contacts.deps import ResourceId, created_response, doc_response, page_response
from crm_shared.access import Action
from crm_shared.auth import Access, require
from crm_shared.http.deps import IdempotencyKey, IfMatch, RuntimeDep

router = APIRouter(prefix="/v1/activities", tags=["activities"])

ReadActivities = Annotated[Access, require("activities", Action.READ)]
WriteActivities = Annotated[Access, require("activities", Action.WRITE)]


@router.post("", status_code=201, response_model=ActivityOut)
async def log_activity(
    body: ActivityCreate,
    access: WriteActivities,
    rt: RuntimeDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Log a call, e-mail, meeting, task or note (publishes ActivityLogged)."""
    view, replayed = await service.log_activity(rt, access, body, idempotency_key=idempotency_key)
    return created_response(view, replayed, f"/v1/activities/{view['id']}")


@router.get("", response_model=ActivityPage)
async def timeline(
    access: ReadActivities, rt: RuntimeDep, filters: Annotated[ActivityQuery, Query()]
) -> JSONResponse:
    """One timeline, newest first: filter by contact, account, deal, owner, kind, open tasks."""
    docs, next_cursor = await service.timeline(rt, access, filters)
    return page_response([activity_view(d) for d in docs], next_cursor)


@router.get("/{activity_id}", response_model=ActivityOut)
async def get_activity(
    activity_id: ResourceId, access: ReadActivities, rt: RuntimeDep
) -> JSONResponse:
    """One activity, with its ETag."""
    return doc_response(activity_view(await service.get_activity(rt, access, activity_id)))


@router.patch("/{activity_id}", response_model=ActivityOut)
async def update_activity(
    activity_id: ResourceId,
    body: ActivityUpdate,
    access: WriteActivities,
    rt: RuntimeDep,
    if_match: IfMatch,
) -> JSONResponse:
    """Change subject, description, times or owner (``If-Match`` honoured)."""
    doc = await service.update_activity(rt, access, activity_id, body, if_match=if_match)
    return doc_response(activity_view(doc))


@router.delete("/{activity_id}", status_code=204)
async def delete_activity(
    activity_id: ResourceId, access: WriteActivities, rt: RuntimeDep, if_match: IfMatch
) -> Response:
    """Delete an activity."""
    await service.delete_activity(rt, access, activity_id, if_match=if_match)
    return Response(status_code=204)


@router.post("/{activity_id}/complete", response_model=ActivityOut)
async def complete_task(
    activity_id: ResourceId, access: WriteActivities, rt: RuntimeDep
) -> JSONResponse:
    """Mark a task done (publishes ActivityCompleted); 409 for other kinds or done tasks."""
    return doc_response(activity_view(await service.complete_task(rt, access, activity_id)))
