"""Inbox: remember ``<group>:<event id>`` in the handler's transaction so redelivery is a no-op."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from crm_shared.events.envelope import CloudEvent
from crm_shared.ids import utcnow
from crm_shared.mongo.indexes import CollectionIndexes, Expiry, index
from crm_shared.uow import Tx

INBOX_COLLECTION = "inbox"
INBOX_RETENTION = timedelta(days=14)
"""Longer than any topic retention we plan for; older keys are pruned."""

INBOX_INDEXES = CollectionIndexes(
    INBOX_COLLECTION,
    [index([("received_at", ASCENDING)], name="received")],
    expire=Expiry("received_at", INBOX_RETENTION),
    retired=("inbox_ttl",),
)


class AlreadyApplied(Exception):
    """The event was handled before by this group; the transaction is abandoned.

    ``mend``, if given, is awaited by the consumer once the transaction is gone: what the
    first delivery's follow-up (``Tx.then``) was to do, in case it did not get to."""

    def __init__(self, key: str, *, mend: Callable[[], Awaitable[None]] | None = None) -> None:
        super().__init__(key)
        self.mend = mend


async def record_once(tx: Tx, *, group: str, event_id: str, event_type: str) -> None:
    """Insert the inbox key or raise :class:`AlreadyApplied` if it exists."""
    try:
        await tx.db[INBOX_COLLECTION].insert_one(
            {"_id": f"{group}:{event_id}", "type": event_type, "received_at": utcnow()},
            session=tx.session,
        )
    except DuplicateKeyError as exc:
        raise AlreadyApplied(event_id) from exc


async def record_all(tx: Tx, *, group: str, envelopes: Sequence[CloudEvent]) -> None:
    """Insert the inbox keys of a batch in one round trip; any key seen before fails the
    whole insert (the caller then applies the batch event by event)."""
    now = utcnow()
    await tx.db[INBOX_COLLECTION].insert_many(
        [{"_id": f"{group}:{e.id}", "type": e.type, "received_at": now} for e in envelopes],
        ordered=True,
        session=tx.session,
    )
