"""Use cases of in-app notifications: create one from an event, list, count, mark read,
open a live stream."""

from __future__ import annotations

from typing import Any

from crm_shared.auth import Access
from crm_shared.events.catalogue import NotificationSent
from crm_shared.ids import new_id
from crm_shared.mongo.pagination import fingerprint
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx
from notifications.inapp.domain import ID_PREFIX, Draft, audiences_of, id_time, is_read
from notifications.inapp.hub import NotificationHub
from notifications.inapp.repository import NEWEST_FIRST, AudienceFilter, InAppRepository
from notifications.inapp.stream import StreamSession
from notifications.inapp.views import reader_view, view

CHANNEL = "in_app"
UNREAD_COUNT_CAP = 1000
"""Unread counts stop here (a badge shows "999+"); counting further costs for nothing."""


async def notify(tx: Tx, *, tenant_id: str, source_event_id: str, draft: Draft) -> str | None:
    """Store ``draft`` as the notification of event ``source_event_id`` and emit
    NotificationSent in the same transaction; a redelivered event adds nothing (None)."""
    repo = InAppRepository(tx.db, tenant_id)
    if await repo.from_source(source_event_id, session=tx.session) is not None:
        return None
    notification_id = new_id(ID_PREFIX)
    created_at = id_time(notification_id)
    doc: Document = {
        "_id": notification_id,
        "audience": draft.audience,
        "kind": draft.kind,
        "title": draft.title,
        "body": draft.body,
        "link": draft.link,
        "data": dict(draft.data),
        "source_event_id": source_event_id,
        "created_at": created_at,
    }
    await repo.insert(doc, session=tx.session)
    event = NotificationSent(
        notification_id=notification_id,
        channel=CHANNEL,
        recipient=draft.recipient,
        sent_at=created_at,
    )
    await tx.emit(event, tenant_id=tenant_id)
    return notification_id


def _repo(rt: Runtime, access: Access) -> InAppRepository:
    return InAppRepository(rt.db, access.tenant_id)


async def list_notifications(
    rt: Runtime,
    access: Access,
    *,
    unread_only: bool,
    limit: int,
    cursor: str | None,
    windowed: bool,
) -> tuple[list[dict[str, Any]], str | None]:
    """A page of the caller's notifications, newest first."""
    repo = _repo(rt, access)
    audiences = audiences_of(access.principal)
    state = await repo.read_state(access.principal.sub)
    docs, next_cursor = await repo.page(
        AudienceFilter(audiences, state if unread_only else None),
        NEWEST_FIRST,
        limit=limit,
        cursor=cursor,
        query_fingerprint=fingerprint(audiences, unread_only),
        windowed=windowed,
    )
    return [reader_view(doc, state) for doc in docs], next_cursor


async def unread_count(rt: Runtime, access: Access) -> dict[str, Any]:
    """How many of the caller's notifications are unread (counted up to a cap)."""
    repo = _repo(rt, access)
    state = await repo.read_state(access.principal.sub)
    count = await repo.count(audiences_of(access.principal), state, cap=UNREAD_COUNT_CAP)
    return {"unread": count, "capped": count >= UNREAD_COUNT_CAP}


async def mark_read(rt: Runtime, access: Access, notification_id: str) -> dict[str, Any]:
    """Mark one of the caller's notifications read (idempotent); 404 when it is not theirs."""
    repo = _repo(rt, access)
    user_id = access.principal.sub
    doc = await repo.visible(notification_id, audiences_of(access.principal))
    state = await repo.read_state(user_id)
    if not is_read(notification_id, state.read_through, state.receipts):

        async def work(tx: Tx) -> None:
            await repo.add_receipt(user_id, notification_id, session=tx.session)

        await rt.uow.run_without_transaction(work)
    return view(doc, read=True)


async def read_all(rt: Runtime, access: Access, *, windowed: bool) -> dict[str, Any]:
    """Mark every notification the caller can see read, up to the newest one now."""
    repo = _repo(rt, access)
    newest = await repo.newest(audiences_of(access.principal), windowed=windowed)
    if newest is not None:
        user_id = access.principal.sub

        async def work(tx: Tx) -> None:
            await repo.mark_read_through(user_id, newest["_id"], session=tx.session)

        await rt.uow.run_without_transaction(work)
    return {"read_through": newest["_id"] if newest else None}


async def open_stream(
    rt: Runtime, access: Access, hub: NotificationHub, *, last_event_id: str | None
) -> StreamSession:
    """The caller's event stream, starting after ``last_event_id`` (or now)."""
    repo = _repo(rt, access)
    return StreamSession(
        repo,
        hub,
        audiences=audiences_of(access.principal),
        state=await repo.read_state(access.principal.sub),
        last_event_id=last_event_id,
    )
