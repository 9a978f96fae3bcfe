"""The caller's notifications as a Server-Sent Events stream (``text/event-stream``).

Wire format (the HTML standard's Server-Sent Events): a ``retry:`` hint first; then one
event per notification, oldest first, with ``id:`` (the time-sortable notification id),
``event: notification`` and ``data:`` (its JSON); a ``:`` comment line whenever the stream
was idle for ``sse_keepalive_s``.

A stream starts after ``Last-Event-ID`` (or at the moment of connecting): it subscribes
to the hub first, then sends what was stored after that id, then what the hub delivers,
never sending one notification twice.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from crm_shared.ids import utcnow
from crm_shared.mongo.scoped import Document
from notifications.inapp.domain import ReadState, floor_id
from notifications.inapp.hub import NotificationHub
from notifications.inapp.repository import InAppRepository
from notifications.inapp.views import reader_view

CATCH_UP_BATCH = 100
REMEMBERED = 1024
"""Ids a stream remembers having sent (a live notification may also be read back)."""
KEEPALIVE = b": keep-alive\n\n"


def retry_field(retry_ms: int) -> bytes:
    """The reconnection-delay hint sent first."""
    return f"retry: {retry_ms}\n\n".encode()


def event_frame(event_id: str, payload: dict[str, Any]) -> bytes:
    """One ``notification`` event (JSON never spans lines, so one ``data:`` line)."""
    data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return f"id: {event_id}\nevent: notification\ndata: {data}\n\n".encode()


class StreamSession:
    """One caller's open stream: where it is, and which ids it already sent."""

    def __init__(
        self,
        repo: InAppRepository,
        hub: NotificationHub,
        *,
        audiences: list[str],
        state: ReadState,
        last_event_id: str | None,
    ) -> None:
        self.repo = repo
        self.hub = hub
        self.audiences = audiences
        self.state = state
        self.last_id = last_event_id or floor_id(utcnow())
        self._sent: deque[str] = deque(maxlen=REMEMBERED)

    def _frame(self, doc: Document) -> bytes | None:
        """The frame of ``doc``, or None when it was sent already."""
        if doc["_id"] in self._sent:
            return None
        self._sent.append(doc["_id"])
        self.last_id = max(self.last_id, doc["_id"])
        return event_frame(doc["_id"], reader_view(doc, self.state))

    async def _catch_up(self) -> AsyncIterator[bytes]:
        """Everything stored above the last id sent, in batches, oldest first."""
        while True:
            docs = await self.repo.newer_than(self.audiences, self.last_id, limit=CATCH_UP_BATCH)
            for doc in docs:
                if (frame := self._frame(doc)) is not None:
                    yield frame
            if len(docs) < CATCH_UP_BATCH:
                return

    async def frames(self, *, retry_ms: int, keepalive_s: float) -> AsyncIterator[bytes]:
        """The stream's bytes until the hub closes it (the client leaving cancels it)."""
        sub = self.hub.subscribe(self.repo.tenant_id, self.audiences)
        try:
            yield retry_field(retry_ms)
            async for missed in self._catch_up():
                yield missed
            while True:
                batch = await sub.next(keepalive_s)
                if batch is None:
                    yield KEEPALIVE
                    continue
                if batch.closed:
                    return
                for doc in batch.docs:
                    if (frame := self._frame(doc)) is not None:
                        yield frame
                if batch.resync:
                    async for missed in self._catch_up():
                        yield missed
        finally:
            self.hub.unsubscribe(sub)
