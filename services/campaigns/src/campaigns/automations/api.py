"""HTTP routes of automations: rules "when <event> matches <conditions> then <actions>"."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from campaigns.automations import service
from campaigns.automations.schemas import AutomationIn, AutomationPatch
from crm_shared.access import Action
from crm_shared.auth import Access, require
from crm_shared.http.deps import IfMatch, RuntimeDep
from crm_shared.views import document_view, versioned_response

router = APIRouter(prefix="/v1/automations", tags=["automations"])
ReadAutomations = Annotated[Access, require("automations", Action.READ)]
WriteAutomations = Annotated[Access, require("automations", Action.WRITE)]
AutomationId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=1024)]


@router.get("")
async def list_automations(
    access: ReadAutomations,
    rt: RuntimeDep,
    event_type: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """The tenant's rules, newest first (optionally only those waiting for ``event_type``)."""
    docs, next_cursor = await service.list_automations(
        rt, access, event_type=event_type, limit=limit, cursor=cursor
    )
    return {"items": [document_view(d) for d in docs], "next_cursor": next_cursor}


@router.post("", status_code=201)
async def create_automation(
    body: AutomationIn, access: WriteAutomations, rt: RuntimeDep
) -> JSONResponse:
    """Create a rule; it fires on events published from now on."""
    doc = await service.create_automation(rt, access, body)
    view = document_view(doc)
    return versioned_response(
        view, status_code=201, headers={"Location": f"/v1/automations/{view['id']}"}
    )


@router.get("/{automation_id}")
async def get_automation(
    automation_id: AutomationId, access: ReadAutomations, rt: RuntimeDep
) -> JSONResponse:
    """One rule with its ETag."""
    doc = await service.get_automation(rt, access, automation_id)
    return versioned_response(document_view(doc))


@router.patch("/{automation_id}")
async def update_automation(
    automation_id: AutomationId,
    body: AutomationPatch,
    access: WriteAutomations,
    rt: RuntimeDep,
    if_match: IfMatch,
) -> JSONResponse:
    """Change a rule (``If-Match``: the version you read)."""
    doc = await service.update_automation(rt, access, automation_id, if_match, body)
    return versioned_response(document_view(doc))


@router.delete("/{automation_id}", status_code=204)
async def delete_automation(
    automation_id: AutomationId, access: WriteAutomations, rt: RuntimeDep, if_match: IfMatch
) -> Response:
    """Delete a rule."""
    await service.delete_automation(rt, access, automation_id, if_match)
    return Response(status_code=204)


@router.get("/{automation_id}/runs")
async def list_runs(
    automation_id: AutomationId,
    access: ReadAutomations,
    rt: RuntimeDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    """When the rule fired, on which event, and what each action did; newest first."""
    docs, next_cursor = await service.list_runs(
        rt, access, automation_id, limit=limit, cursor=cursor
    )
    return {"items": [document_view(d) for d in docs], "next_cursor": next_cursor}
