"""The e-mail channel of one app: EmailRequested -> a queued delivery -> SMTP ->
NotificationSent/Failed.

The consumer only enqueues (``handlers``); a :class:`~crm_shared.delivery_queue.Dispatcher`
sends claimed deliveries concurrently over the SMTP pool and records each batch of
outcomes, with their events, in one transaction (``service.record_outcomes``).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from fastapi import FastAPI

from crm_shared.delivery_queue import (
    DeliveryQueue,
    Dispatcher,
    EnqueueOnCommit,
    Job,
    Outcome,
    backoff_delay,
)
from crm_shared.ids import utcnow
from crm_shared.kafka.consumer import ConsumerSpec
from crm_shared.runtime import Runtime
from notifications.email.handlers import email_consumer
from notifications.email.message import build_message, classify
from notifications.email.repository import EMAIL_DELIVERIES
from notifications.email.sender import SmtpPool
from notifications.email.service import fail_interrupted, record_outcomes
from notifications.settings import NotificationsSettings

log = logging.getLogger(__name__)
SETTLE_LINGER_S = 0.25
"""How long finished sends wait to be recorded with others (fewer, larger transactions)."""


class EmailChannel:
    """E-mail delivery of one app: its consumer group, dispatcher and SMTP pool."""

    def __init__(self, settings: NotificationsSettings) -> None:
        self.settings = settings
        self.runtime: Runtime | None = None
        self.queue: DeliveryQueue | None = None
        self.dispatcher: Dispatcher | None = None
        self.pool: SmtpPool | None = None
        self._enqueue = EnqueueOnCommit(
            EMAIL_DELIVERIES, self.offer, dispatcher=lambda: self.dispatcher
        )
        """Deliveries of each open consumer transaction, written just before it commits,
        claimed by this instance's dispatcher (which sends them once they are durable)."""

    # --- lifecycle (ServiceDefinition hooks) --------------------------------------------

    async def start(self, app: FastAPI, runtime: Runtime) -> None:
        """Open the SMTP pool and start dispatching deliveries."""
        s = self.settings
        self.runtime = runtime
        self.queue = DeliveryQueue(
            runtime.db, EMAIL_DELIVERIES, claim_timeout_s=s.email_claim_timeout_s
        )
        self.pool = SmtpPool(s)
        self.dispatcher = Dispatcher(
            self.queue,
            self.send,
            concurrency=s.smtp_connections,
            batch_size=s.email_batch_size,
            poll_interval_s=s.email_poll_interval_s,
            settle_linger_s=SETTLE_LINGER_S,
            settle=self.record,
            on_expired=self.interrupted,
            name="email-dispatcher",
        )
        self.dispatcher.start()
        runtime.dispatchers["email"] = self.dispatcher
        app.state.email = self

    async def stop(self, app: FastAPI, runtime: Runtime) -> None:
        """Stop dispatching (settling what is in hand), then close the SMTP pool."""
        if self.dispatcher is not None:
            await self.dispatcher.stop()
        if self.pool is not None:
            await self.pool.close()

    def offer(self, ids: list[str]) -> None:
        """Hand deliveries just queued to the dispatcher (their transaction committed)."""
        if self.dispatcher is not None:
            self.dispatcher.offer(ids)

    # --- consumer ------------------------------------------------------------------------

    def consumer_spec(self) -> ConsumerSpec:
        """The ``notifications`` consumer group: e-mail requests from the campaigns topic."""
        return email_consumer(self.settings, self._enqueue)

    # --- dispatcher callbacks --------------------------------------------------------------

    async def send(self, job: Job) -> Outcome:
        """Send one claimed delivery; a transient failure is retried with backoff until
        ``email_max_attempts``, a permanent one fails at once."""
        assert self.pool is not None
        try:
            mail = build_message(job.doc, mail_from=self.settings.mail_from)
            reply = await self.pool.send(mail.data, recipient=mail.recipient)
        except Exception as exc:
            failure = classify(exc)
            if failure.permanent or job.attempts >= self.settings.email_max_attempts:
                return Outcome.failed(
                    job, error=failure.error, permanent=failure.permanent, failed_at=utcnow()
                )
            delay = backoff_delay(
                job.attempts,
                base_s=self.settings.email_retry_base_s,
                cap_s=self.settings.email_retry_max_s,
            )
            return Outcome.retry(
                job, due_at=utcnow() + timedelta(seconds=delay), error=failure.error
            )
        return Outcome.done(job, smtp_reply=reply, error=None, sent_at=utcnow())

    async def record(self, outcomes: list[Outcome]) -> None:
        """Record a batch of outcomes and their events in one transaction."""
        assert self.runtime is not None
        assert self.queue is not None
        await record_outcomes(self.runtime.uow, self.queue, outcomes)

    async def interrupted(self, jobs: list[Job]) -> None:
        """Deliveries whose sender died mid-send may have gone out: fail, never resend."""
        log.warning("%d e-mail deliveries interrupted while sending", len(jobs))
        assert self.runtime is not None
        assert self.queue is not None
        await fail_interrupted(self.runtime.uow, self.queue, jobs)
