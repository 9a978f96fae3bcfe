"""The e-mail consumer group (``notifications``): an EmailRequested only queues its
delivery, in the consumer's transaction (the deliveries of a batch of events are written
together just before the commit); the channel's dispatcher sends it."""

from __future__ import annotations

from functools import partial
from typing import Any

from crm_shared.delivery_queue import EnqueueOnCommit
from crm_shared.events.catalogue import EmailRequested
from crm_shared.events.envelope import CloudEvent
from crm_shared.kafka.consumer import ConsumerSpec
from crm_shared.settings import ServiceSettings
from crm_shared.uow import Tx
from notifications.email.repository import delivery_job


def email_consumer(settings: ServiceSettings, enqueue: EnqueueOnCommit) -> ConsumerSpec:
    """The ``notifications`` consumer group: e-mail requests from the campaigns topic."""
    return ConsumerSpec(
        group=settings.service_name,
        topics=[settings.topic("campaigns")],
        handlers={"EmailRequested": partial(email_requested, enqueue)},
        inbox=False,  # a delivery's id is its request's: a redelivery queues nothing more
    )


async def email_requested(
    enqueue: EnqueueOnCommit, envelope: CloudEvent, event: Any, tx: Tx
) -> None:
    """EmailRequested: queue one delivery (its ``_id`` is the request id, so a request is
    never sent twice)."""
    assert isinstance(event, EmailRequested)
    enqueue.add(tx, [delivery_job(envelope, event)])
