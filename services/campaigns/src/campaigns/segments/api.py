"""HTTP routes of segments: saved rules, static lists (ids or CSV) and previews."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from campaigns.campaigns.schemas import MembersAdd
from campaigns.deps import (
    Paging,
    ReadSegments,
    ResourceId,
    SettingsDep,
    WriteSegments,
)
from campaigns.segments import service
from campaigns.segments.schemas import SegmentCreate, SegmentPreview, SegmentUpdate
from campaigns.segments.views import view
from crm_shared.http.deps import CSV_UPLOAD, IfMatch, RuntimeDep, csv_body
from crm_shared.views import versioned_response

router = APIRouter(prefix="/v1/segments", tags=["segments"])


class SegmentQuery(Paging):
    """List filter."""

    kind: Literal["dynamic", "static"] | None = None


@router.post("", status_code=201)
async def create_segment(
    body: SegmentCreate, access: WriteSegments, rt: RuntimeDep
) -> JSONResponse:
    """Save a dynamic segment (rules) or create an empty static list."""
    doc = await service.create_segment(rt, access, body)
    return versioned_response(
        view(doc), status_code=201, headers={"Location": f"/v1/segments/{doc['_id']}"}
    )


@router.get("")
async def list_segments(
    access: ReadSegments,
    rt: RuntimeDep,
    settings: SettingsDep,
    query: Annotated[SegmentQuery, Query()],
) -> dict[str, Any]:
    """A page of segments, newest first."""
    items, next_cursor = await service.list_segments(
        rt,
        access,
        query.kind,
        limit=min(query.limit, settings.max_page_size),
        cursor=query.cursor,
        windowed=settings.list_windowing,
    )
    return {"items": items, "next_cursor": next_cursor}


@router.post("/preview")
async def preview_rules(
    body: SegmentPreview, access: ReadSegments, rt: RuntimeDep
) -> dict[str, Any]:
    """How many contacts some rules select now, and up to 10 of them."""
    return await service.preview_rules(rt, access, body.rules)


@router.get("/{segment_id}")
async def get_segment(segment_id: ResourceId, access: ReadSegments, rt: RuntimeDep) -> JSONResponse:
    """One segment with its ETag."""
    return versioned_response(view(await service.get_segment(rt, access, segment_id)))


@router.patch("/{segment_id}")
async def update_segment(
    segment_id: ResourceId,
    body: SegmentUpdate,
    access: WriteSegments,
    rt: RuntimeDep,
    if_match: IfMatch,
) -> JSONResponse:
    """Rename a segment or change its rules; ``If-Match`` guards against lost updates."""
    doc = await service.update_segment(rt, access, segment_id, body, if_match=if_match)
    return versioned_response(view(doc))


@router.delete("/{segment_id}", status_code=204)
async def delete_segment(
    segment_id: ResourceId, access: WriteSegments, rt: RuntimeDep, if_match: IfMatch
) -> Response:
    """Delete a segment (a static list with its members)."""
    await service.delete_segment(rt, access, segment_id, if_match=if_match)
    return Response(status_code=204)


@router.get("/{segment_id}/preview")
async def preview_segment(
    segment_id: ResourceId, access: ReadSegments, rt: RuntimeDep
) -> dict[str, Any]:
    """How many contacts the segment holds now, and up to 10 of them."""
    return await service.preview_segment(rt, access, segment_id)


@router.get("/{segment_id}/members")
async def list_members(
    segment_id: ResourceId,
    access: ReadSegments,
    rt: RuntimeDep,
    settings: SettingsDep,
    query: Annotated[Paging, Query()],
) -> dict[str, Any]:
    """A page of a static list's members."""
    items, next_cursor = await service.list_members(
        rt, access, segment_id, limit=min(query.limit, settings.max_page_size), cursor=query.cursor
    )
    return {"items": items, "next_cursor": next_cursor}


@router.post("/{segment_id}/members")
async def add_members(
    segment_id: ResourceId, body: MembersAdd, access: WriteSegments, rt: RuntimeDep
) -> dict[str, Any]:
    """Add contacts to a static list by id."""
    return await service.add_members(rt, access, segment_id, body.contact_ids)


@router.post("/{segment_id}/members/import", openapi_extra=CSV_UPLOAD)
async def import_members(
    segment_id: ResourceId,
    request: Request,
    access: WriteSegments,
    rt: RuntimeDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Add the contacts of a CSV file (``contact_id`` or ``email`` column, raw body with
    ``Content-Type: text/csv``); rows naming no known contact are listed by row."""
    report = await service.import_members(rt, access, segment_id, csv_body(request), settings)
    return report.as_dict()


@router.delete("/{segment_id}/members/{contact_id}", status_code=204)
async def remove_member(
    segment_id: ResourceId, contact_id: ResourceId, access: WriteSegments, rt: RuntimeDep
) -> Response:
    """Take a contact off a static list."""
    await service.remove_member(rt, access, segment_id, contact_id)
    return Response(status_code=204)
