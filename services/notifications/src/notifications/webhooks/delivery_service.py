"""Use cases on webhook deliveries: the delivery log, replay, and a test ping."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from crm_shared.auth import Access
from crm_shared.delivery_queue import DeliveryQueue
from crm_shared.errors import Conflict
from crm_shared.events.envelope import new_envelope
from crm_shared.mongo.pagination import fingerprint
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx
from notifications.webhooks.deliveries import DeliveryLog, delivery_job
from notifications.webhooks.service import get_subscription

TEST_EVENT_TYPE = "WebhookTest"
"""The type of the ping ``POST /v1/webhooks/{id}/test`` sends (not a catalogue event)."""


async def list_deliveries(
    rt: Runtime, access: Access, sub_id: str, *, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """A page of a subscription's deliveries, newest first."""
    await get_subscription(rt, access, sub_id)
    return await DeliveryLog(rt.db, access.tenant_id).page(
        sub_id,
        limit=limit,
        cursor=cursor,
        query_fingerprint=fingerprint(access.tenant_id, "webhook-deliveries", sub_id),
        windowed=rt.settings.list_windowing,
    )


async def get_delivery(rt: Runtime, access: Access, sub_id: str, delivery_id: str) -> Document:
    """One delivery of a subscription the caller may see."""
    await get_subscription(rt, access, sub_id)
    return await DeliveryLog(rt.db, access.tenant_id).get(sub_id, delivery_id)


async def replay_delivery(
    rt: Runtime,
    access: Access,
    sub_id: str,
    delivery_id: str,
    *,
    queue: DeliveryQueue,
    offer: Callable[[Iterable[str]], None],
) -> Document:
    """Send a finished (failed or delivered) delivery again, with the same ``webhook-id`` and
    a fresh retry window; 409 while it is still pending."""
    await get_delivery(rt, access, sub_id, delivery_id)
    reopened = await queue.reopen(
        access.tenant_id,
        delivery_id,
        fields={"first_attempt_at": None, "cancelled": False},
        statuses=("failed", "done"),
    )
    if reopened is None:  # neither failed nor delivered: still on its way
        raise Conflict(f"delivery {delivery_id} is still pending; wait for it to finish")
    offer([delivery_id])
    return reopened


async def send_test(
    rt: Runtime,
    access: Access,
    sub_id: str,
    *,
    queue: DeliveryQueue,
    offer: Callable[[Iterable[str]], None],
) -> Document:
    """Queue a ``WebhookTest`` ping to the subscription (signed like any delivery)."""
    await get_subscription(rt, access, sub_id)
    envelope = new_envelope(
        source=f"/services/{rt.settings.service_name}",
        type_=TEST_EVENT_TYPE,
        version=1,
        subject=sub_id,
        tenant_id=access.tenant_id,
        data={"subscription_id": sub_id, "message": "test delivery"},
    )
    job = delivery_job(sub_id, envelope, envelope.to_bytes())

    async def work(tx: Tx) -> None:
        tx.after_commit(partial(offer, await queue.enqueue(tx.session, [job])))

    await rt.uow.run(work)
    return job
