"""HTTP routes of pipelines (writes for admins and sales managers)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from crm_shared.http.deps import IdempotencyKey, IfMatch, RuntimeDep
from crm_shared.views import versioned_response
from deals.deps import ReadPipelines, ResourceId, WritePipelines
from deals.pipelines import service
from deals.pipelines.schemas import PipelineCreate, PipelineUpdate

router = APIRouter(prefix="/v1/pipelines", tags=["pipelines"])


@router.get("")
async def list_pipelines(
    access: ReadPipelines,
    rt: RuntimeDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=1024)] = None,
) -> dict[str, Any]:
    """The tenant's pipelines, oldest (the default) first; the default is created on first use."""
    items, next_cursor = await service.list_pipelines(rt, access, limit=limit, cursor=cursor)
    return {"items": items, "next_cursor": next_cursor}


@router.post("", status_code=201)
async def create_pipeline(
    body: PipelineCreate,
    access: WritePipelines,
    rt: RuntimeDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Create a pipeline; without ``stages`` it gets the default stages."""
    view, replayed = await service.create_pipeline(
        rt, access, body, idempotency_key=idempotency_key
    )
    headers = {"Location": f"/v1/pipelines/{view['id']}"}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return versioned_response(view, status_code=201, headers=headers)


@router.get("/{pipeline_id}")
async def get_pipeline(
    pipeline_id: ResourceId, access: ReadPipelines, rt: RuntimeDep
) -> JSONResponse:
    """One pipeline with its ETag."""
    return versioned_response(await service.get_pipeline(rt, access, pipeline_id))


@router.patch("/{pipeline_id}")
async def update_pipeline(
    pipeline_id: ResourceId,
    body: PipelineUpdate,
    access: WritePipelines,
    rt: RuntimeDep,
    if_match: IfMatch,
) -> JSONResponse:
    """Rename, or send the whole new ordered stage list (rename, reorder, add, probabilities);
    removing a stage that holds deals is a 409."""
    return versioned_response(
        await service.update_pipeline(rt, access, pipeline_id, body, if_match=if_match)
    )


@router.delete("/{pipeline_id}", status_code=204)
async def delete_pipeline(
    pipeline_id: ResourceId, access: WritePipelines, rt: RuntimeDep, if_match: IfMatch
) -> Response:
    """Delete an empty pipeline (not the default one)."""
    await service.delete_pipeline(rt, access, pipeline_id, if_match=if_match)
    return Response(status_code=204)
