"""Live fan-out of new notifications to this instance's open event streams.

One MongoDB change stream per instance watches inserts into ``notifications``, so a
notification stored by *any* replica reaches the streams open here within milliseconds
(the embedded server supports change streams too: about 2 ms, no idle cost). Each open
stream holds a :class:`Subscription` for its tenant and audiences. When the change
stream had to be reopened, or a slow stream's buffer overflowed, the stream is told to
re-read what it may have missed from the collection (ids above the last one it sent).

Shutdown: :meth:`NotificationHub.stop` ends every stream. Under uvicorn the lifespan
shutdown runs only after open responses finished, so the hub also ends the streams as
soon as the process gets SIGTERM or SIGINT (chained before the server's own handler);
clients reconnect to another replica with ``Last-Event-ID``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from fastapi import FastAPI
from pymongo.asynchronous.change_stream import AsyncChangeStream
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import PyMongoError

from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from notifications.inapp.repository import NOTIFICATIONS

log = logging.getLogger(__name__)
BUFFER = 256
"""Notifications buffered per stream before it is told to re-read instead."""
RETRY_S = (0.2, 0.5, 1.0, 2.0, 5.0)
EXIT_SIGNALS = (signal.SIGTERM, signal.SIGINT)
INSERTS = [{"$match": {"operationType": "insert"}}]


@dataclass
class Batch:
    """What a stream should do next: send ``docs``, re-read (``resync``) or end."""

    docs: list[Document] = field(default_factory=list)
    resync: bool = False
    closed: bool = False


class Subscription:
    """One open stream's inbox of new notifications (one reader, on the event loop)."""

    def __init__(self, tenant_id: str, audiences: Iterable[str]) -> None:
        self.tenant_id = tenant_id
        self.audiences = frozenset(audiences)
        self._docs: deque[Document] = deque()
        self._resync = False
        self._closed = False
        self._wake = asyncio.Event()

    def offer(self, doc: Document) -> None:
        """A new notification for this stream (overflow turns into a re-read)."""
        if len(self._docs) >= BUFFER:
            self._docs.clear()
            self._resync = True
        else:
            self._docs.append(doc)
        self._wake.set()

    def resync(self) -> None:
        """Ask the stream to re-read the collection (something may have been missed)."""
        self._resync = True
        self._wake.set()

    def close(self) -> None:
        """End the stream."""
        self._closed = True
        self._wake.set()

    async def next(self, timeout: float) -> Batch | None:
        """What arrived since the last call, waiting up to ``timeout`` s (None: nothing)."""
        if not (self._docs or self._resync or self._closed):
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except TimeoutError:
                return None
        batch = Batch(list(self._docs), self._resync, self._closed)
        self._docs.clear()
        self._resync = False
        return batch


class NotificationHub:
    """The instance's change-stream watcher and the subscriptions it feeds."""

    def __init__(self) -> None:
        self._subscriptions: dict[tuple[str, str], set[Subscription]] = {}
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._chained: dict[signal.Signals, tuple[Any, Any]] = {}

    def subscribe(self, tenant_id: str, audiences: Iterable[str]) -> Subscription:
        """A subscription to new notifications of ``audiences`` in the tenant."""
        sub = Subscription(tenant_id, audiences)
        if self._closing:
            sub.close()
        for audience in sub.audiences:
            self._subscriptions.setdefault((tenant_id, audience), set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Forget ``sub`` (its stream ended)."""
        for audience in sub.audiences:
            subs = self._subscriptions.get((sub.tenant_id, audience))
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subscriptions[(sub.tenant_id, audience)]

    @property
    def open_streams(self) -> int:
        """How many streams are subscribed."""
        return len({id(s) for subs in self._subscriptions.values() for s in subs})

    def dispatch(self, doc: Document) -> None:
        """Hand a newly stored notification to every stream of its tenant and audience."""
        for sub in list(self._subscriptions.get((doc["tenant_id"], doc["audience"]), ())):
            sub.offer(doc)

    def close_streams(self) -> None:
        """End every open stream and refuse new ones (the instance is going away)."""
        self._closing = True
        for subs in list(self._subscriptions.values()):
            for sub in list(subs):
                sub.close()

    def _each_subscription(self) -> set[Subscription]:
        return {s for subs in self._subscriptions.values() for s in subs}

    async def start(self, app: FastAPI, runtime: Runtime) -> None:
        """Open the change stream (so nothing stored from now on is missed), follow it in
        the background and publish the hub on ``app.state`` (an ``on_startup`` hook)."""
        collection = runtime.db[NOTIFICATIONS]
        first = await collection.watch(INSERTS)
        app.state.inapp_hub = self
        self._task = asyncio.create_task(self._watch(collection, first), name="inapp-hub")
        self._chain_exit_signals()

    async def stop(self, app: FastAPI, runtime: Runtime) -> None:
        """End every stream and stop watching (an ``on_shutdown`` hook)."""
        self.close_streams()
        self._restore_signals()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _watch(
        self, collection: AsyncCollection[Document], first: AsyncChangeStream[Document]
    ) -> None:
        """Follow inserts for the app's lifetime, reopening the change stream on errors."""
        changes: AsyncChangeStream[Document] | None = first
        token: Any = None
        failures = 0
        while True:
            try:
                if changes is None:
                    changes = await collection.watch(INSERTS, resume_after=token)
                    log.info("in-app change stream reopened")
                    for sub in self._each_subscription():
                        sub.resync()
                failures = 0
                async with changes:
                    async for change in changes:
                        token = changes.resume_token
                        self.dispatch(change["fullDocument"])
            except PyMongoError as exc:
                delay = RETRY_S[min(failures, len(RETRY_S) - 1)]
                failures += 1
                if failures > 1:
                    token = None  # the resume point may be gone: re-read instead
                log.warning("in-app change stream failed (%s); retrying in %.1f s", exc, delay)
                await asyncio.sleep(delay)
            changes = None

    def _chain_exit_signals(self) -> None:
        """End the streams first when the process is told to exit (see the module doc)."""
        if threading.current_thread() is not threading.main_thread():
            return
        loop = asyncio.get_running_loop()
        for sig in EXIT_SIGNALS:
            previous = signal.getsignal(sig)
            if not callable(previous):
                continue  # nobody handles it here: the default action ends the process

            def handler(signum: int, frame: FrameType | None, previous: Any = previous) -> None:
                loop.call_soon_threadsafe(self.close_streams)
                previous(signum, frame)

            signal.signal(sig, handler)
            self._chained[sig] = (previous, handler)

    def _restore_signals(self) -> None:
        """Put back the handlers :meth:`_chain_exit_signals` wrapped (if still ours)."""
        if threading.current_thread() is not threading.main_thread():
            return
        for sig, (previous, ours) in self._chained.items():
            if signal.getsignal(sig) is ours:
                signal.signal(sig, previous)
        self._chained.clear()
