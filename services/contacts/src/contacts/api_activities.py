"""HTTP routes of activities: log, timeline (newest first), edit, delete, complete tasks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from contacts import service_activities as service
from contacts.deps import ResourceId, SettingsDep, created_response, doc_response, list_page
from contacts.repo_activities import TIMELINE, ActivityRepository
from contacts.schemas import (
    ActivityCreate,
    ActivityKind,
    ActivityOut,
    ActivityPage,
    ActivityUpdate,
    Paging,
)
from contacts.views import view
from crm_shared.access import Action
from crm_shared.auth import Access, require
from crm_shared.http.deps import IdempotencyKey, IfMatch, RuntimeDep
from crm_shared.mongo.repository import ListFilter
from crm_shared.ownership import list_owner

router = APIRouter(prefix="/v1/activities", tags=["activities"])

ReadActivities = Annotated[Access, require("activities", Action.READ)]
WriteActivities = Annotated[Access, require("activities", Action.WRITE)]


class ActivityQuery(Paging):
    """Timeline filters (combined with AND) and the page window."""

    contact_id: str | None = Field(default=None, max_length=64)
    account_id: str | None = Field(default=None, max_length=64)
    deal_id: str | None = Field(default=None, max_length=64)
    owner_id: str | None = Field(default=None, max_length=64)
    kind: ActivityKind | None = None
    open_tasks: bool = False
    """Only tasks not done yet."""

    def to_filter(self, access: Access) -> ListFilter:
        """The repository filter; own-scope callers see only their own activities."""
        kind = ActivityKind.TASK.value if self.open_tasks else self.kind
        return ListFilter(
            equals={
                "contact_id": self.contact_id,
                "account_id": self.account_id,
                "deal_id": self.deal_id,
                "owner_id": list_owner(access, self.owner_id, "activity"),
                "kind": kind.value if isinstance(kind, ActivityKind) else kind,
                "done": False if self.open_tasks else None,
            }
        )


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
    access: ReadActivities,
    rt: RuntimeDep,
    settings: SettingsDep,
    filters: Annotated[ActivityQuery, Query()],
) -> JSONResponse:
    """One timeline, newest first: filter by contact, account, deal, owner, kind, open tasks."""
    repo = ActivityRepository(rt.db, access.tenant_id)
    return await list_page(repo, filters.to_filter(access), TIMELINE, filters, settings)


@router.get("/{activity_id}", response_model=ActivityOut)
async def get_activity(
    activity_id: ResourceId, access: ReadActivities, rt: RuntimeDep
) -> JSONResponse:
    """One activity, with its ETag."""
    return doc_response(view(await service.get_activity(rt, access, activity_id)))


@router.patch("/{activity_id}", response_model=ActivityOut)
async def update_activity(
    activity_id: ResourceId,
    body: ActivityUpdate,
    access: WriteActivities,
    rt: RuntimeDep,
    if_match: IfMatch,
) -> JSONResponse:
    """Change subject, description, times or owner (``If-Match`` honoured)."""
    return doc_response(
        view(await service.update_activity(rt, access, activity_id, body, if_match=if_match))
    )


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
    return doc_response(view(await service.complete_task(rt, access, activity_id)))
