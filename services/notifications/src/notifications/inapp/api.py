"""HTTP routes of the caller's in-app notifications: list, count, mark read, live stream.

Every route sees only notifications addressed to the caller's user id (the token's
``sub``) or to a role the caller holds, in the caller's tenant; anything else is a 404.

The stream authenticates with the usual ``Authorization: Bearer`` header, so browsers
read it with ``fetch`` and a streamed body (``EventSource`` cannot set headers); such a
client resends the last ``id:`` it saw as ``Last-Event-ID`` (or ``?last_event_id=``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request
from fastapi.responses import StreamingResponse

from crm_shared.access import Action
from crm_shared.auth import Access, require
from crm_shared.errors import BadRequest
from crm_shared.http.deps import RuntimeDep
from notifications.deps import SettingsDep
from notifications.inapp import service
from notifications.inapp.domain import id_time
from notifications.inapp.hub import NotificationHub
from notifications.inapp.schemas import NotificationQuery

router = APIRouter(prefix="/v1/notifications", tags=["notifications"])
ReadOwn = Annotated[Access, require("notifications", Action.READ)]
WriteOwn = Annotated[Access, require("notifications", Action.WRITE)]
NotificationId = Annotated[str, Path(min_length=1, max_length=64)]
EventId = Annotated[str | None, Query(max_length=64)]
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@router.get("")
async def list_notifications(
    access: ReadOwn,
    rt: RuntimeDep,
    settings: SettingsDep,
    query: Annotated[NotificationQuery, Query()],
) -> dict[str, Any]:
    """A page of the caller's notifications, newest first (``unread_only`` to filter)."""
    items, next_cursor = await service.list_notifications(
        rt,
        access,
        unread_only=query.unread_only,
        limit=min(query.limit, settings.max_page_size),
        cursor=query.cursor,
        windowed=settings.list_windowing,
    )
    return {"items": items, "next_cursor": next_cursor}


@router.get("/unread-count")
async def unread_count(access: ReadOwn, rt: RuntimeDep) -> dict[str, Any]:
    """``{"unread": n, "capped": bool}``: counting stops at 1000 (``capped`` then)."""
    return await service.unread_count(rt, access)


EVENT_STREAM: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-Sent Events (``notification`` events, keep-alive comments)",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    }
}


@router.get("/stream", response_class=StreamingResponse, responses=EVENT_STREAM)
async def stream(
    request: Request,
    access: ReadOwn,
    rt: RuntimeDep,
    settings: SettingsDep,
    last_event_id_header: Annotated[
        str | None, Header(alias="Last-Event-ID", max_length=64)
    ] = None,
    last_event_id: EventId = None,
) -> StreamingResponse:
    """Server-Sent Events: first what came after ``Last-Event-ID``, then new notifications
    as they are stored (by any instance), with keep-alive comments while idle."""
    resume = last_event_id_header or last_event_id
    if resume is not None and id_time(resume) is None:
        raise BadRequest("Last-Event-ID must be an id this stream sent (ntf_...)")
    hub: NotificationHub = request.app.state.inapp_hub
    session = await service.open_stream(rt, access, hub, last_event_id=resume)
    return StreamingResponse(
        session.frames(retry_ms=settings.sse_retry_ms, keepalive_s=settings.sse_keepalive_s),
        media_type="text/event-stream",
        headers=STREAM_HEADERS,
    )


@router.post("/read-all")
async def read_all(access: WriteOwn, rt: RuntimeDep, settings: SettingsDep) -> dict[str, Any]:
    """Mark every notification the caller sees read, up to the newest one now."""
    return await service.read_all(rt, access, windowed=settings.list_windowing)


@router.post("/{notification_id}/read")
async def mark_read(
    notification_id: NotificationId,
    access: WriteOwn,
    rt: RuntimeDep,
) -> dict[str, Any]:
    """Mark one of the caller's notifications read (idempotent)."""
    return await service.mark_read(rt, access, notification_id)
