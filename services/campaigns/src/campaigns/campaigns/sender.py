"""The durable background sender: enrols the audience of launched campaigns, then turns
their queued members into EmailRequested events, in batches, throttled.

Work lives in the database, not in memory: a launch opens a send job in its enrol phase,
so a restarted instance simply continues. With several instances each job is claimed by
one (a lease on the job document, renewed inside every batch's transaction, taken over
only after it expired).

Enrolment: the holder evaluates the campaign's audience once into a sorted list of
contact ids, skips those up to the job's ``cursor`` (enrolled already, by this instance or
one before it) and enrols the rest in chunks of ``enrol_batch_size``, one transaction per
chunk that also moves the cursor to the chunk's last id; a last transaction ends the
enrolment (the campaign's figures, CampaignLaunched) and switches the job to sending.

Sending: one batch is one transaction: the members are marked requested and their events
written to the outbox together, and re-checked for opt-outs right before, so a contact who
unsubscribed after the launch is never e-mailed. The request id is derived from (tenant,
campaign, contact), so a repeat yields the same id, which the notifications service
deduplicates on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Final

from campaigns.audience.service import campaign_audience, check_out
from campaigns.campaigns import service
from campaigns.campaigns.domain import CampaignStatus, Suppression
from campaigns.campaigns.repository import (
    ENROL,
    SEND,
    CampaignRepository,
    MemberRepository,
    SendJobs,
)
from campaigns.metrics.repository import MetricsRepository
from campaigns.settings import CampaignsSettings
from campaigns.templates.rendering import CampaignTemplate, display_name, render_email
from campaigns.tracking.signing import Claims, LinkBuilder, TrackingSigner
from crm_shared.errors import NotFound
from crm_shared.events.catalogue import EmailRequested, EventData
from crm_shared.ids import utcnow
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx

log = logging.getLogger(__name__)
REQUEST_NAMESPACE: Final = uuid.UUID("6f1c3b52-7a0e-4d6b-9a43-2f8e1c5d9b10")
_MAX_BACKOFF_S: Final = 5.0


def request_id(tenant_id: str, campaign_id: str, contact_id: str) -> str:
    """The EmailRequested id of one member: the same on every run."""
    return str(uuid.uuid5(REQUEST_NAMESPACE, f"{tenant_id}:{campaign_id}:{contact_id}"))


@dataclass(frozen=True)
class BatchOutcome:
    """What one batch did: e-mails requested, and whether the job is over for now."""

    requested: int
    finished: bool


def build_request(
    campaign: Document, contact: Document, template: CampaignTemplate, links: LinkBuilder
) -> EmailRequested:
    """The EmailRequested of one member of a campaign."""
    claims = Claims(campaign["tenant_id"], campaign["_id"], contact["_id"])
    email = render_email(template, contact, links, claims)
    return EmailRequested(
        request_id=request_id(campaign["tenant_id"], campaign["_id"], contact["_id"]),
        to=contact["email"],
        to_name=display_name(contact),
        subject_line=email.subject,
        body_text=email.text,
        body_html=email.html,
        unsubscribe_url=email.unsubscribe_url,
        campaign_id=campaign["_id"],
        contact_id=contact["_id"],
        requested_by=campaign.get("launched_by") or "campaigns",
    )


class Sender:
    """Background task working through the send jobs; :meth:`wake` after a launch."""

    def __init__(
        self, rt: Runtime, settings: CampaignsSettings, *, instance_id: str | None = None
    ) -> None:
        self._rt = rt
        self._settings = settings
        self._jobs = SendJobs(rt.db)
        self._links = LinkBuilder(
            TrackingSigner(settings.tracking_secret), settings.public_base_url
        )
        self._lease = timedelta(seconds=settings.sender_lease_s)
        self.instance_id = instance_id or f"{socket.gethostname()}:{id(self):x}"
        self._wake = asyncio.Event()
        self._stopped = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.requested = 0
        """E-mails this instance requested."""
        self.enrolled = 0
        """Members of launched campaigns this instance enrolled."""

    def wake(self) -> None:
        """Look for work now (a launch, resume or new member was committed)."""
        self._wake.set()

    async def _throttle(self, seconds: float) -> None:
        """Keep to ``send_rate_per_s``: wait ``seconds`` unless stopping."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopped.wait(), timeout=seconds)

    def start(self) -> None:
        """Start the background loop."""
        self._task = asyncio.create_task(self._run(), name="campaign-sender")

    async def stop(self) -> None:
        """Stop after the batch in flight and release this instance's claims."""
        self._stopped.set()
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._task, timeout=15)
        with contextlib.suppress(Exception):
            await self._rt.uow.run_without_transaction(
                lambda tx: self._jobs.release(self.instance_id, session=tx.session)
            )

    async def _run(self) -> None:
        backoff = 0.1
        while not self._stopped.is_set():
            try:
                self._wake.clear()
                for job in await self._jobs.all():
                    if self._stopped.is_set():
                        break
                    if (claimed := await self._claim(job["_id"])) is not None:
                        await self._send(claimed)
                backoff = 0.1
                await self._idle(self._settings.sender_poll_interval_s)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("campaign sender failed; retrying in %.1fs", backoff)
                await self._idle(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_S)

    async def _claim(self, campaign_id: str) -> Document | None:
        """Take or renew this instance's claim on a job (one write, on a plain session); the
        job as claimed, if it was."""
        return await self._rt.uow.run_without_transaction(
            lambda tx: self._jobs.claim(
                campaign_id, self.instance_id, lease=self._lease, session=tx.session
            )
        )

    async def _send(self, job: Document) -> None:
        """Enrol the audience of a job's campaign (as claimed) if that is still to do, then
        send its batches until it is done, paused or taken over."""
        if not await self._enrol(job):
            return
        campaign_id, tenant_id = job["_id"], job["tenant_id"]
        loop = asyncio.get_running_loop()
        while not self._stopped.is_set():
            started = loop.time()
            outcome = await self._rt.uow.run(partial(self._batch, campaign_id, tenant_id))
            self.requested += outcome.requested
            if outcome.finished:
                return
            pause = outcome.requested / self._settings.send_rate_per_s - (loop.time() - started)
            if pause > 0:
                await self._throttle(pause)

    async def _enrol(self, job: Document) -> bool:
        """Enrol the rest of a launched campaign's audience (see the module docstring);
        True when the job is in its send phase, False when this instance should leave it
        (stopping, taken over, paused or completed meanwhile)."""
        if job.get("phase") != ENROL:
            return True
        campaign_id, tenant_id = job["_id"], job["tenant_id"]
        cursor: str | None = job.get("cursor")
        audience = await self._rt.uow.run_without_transaction(
            partial(self._audience, campaign_id, tenant_id)
        )
        remaining = [c for c in audience if cursor is None or c > cursor]
        # evaluating a large audience takes a while: renew the claim before writing
        if self._stopped.is_set() or await self._claim(campaign_id) is None:
            return False
        size = self._settings.enrol_batch_size
        for start in range(0, len(remaining), size):
            if self._stopped.is_set():
                return False
            chunk = remaining[start : start + size]
            enrolled = await self._rt.uow.run(
                partial(self._enrol_chunk, campaign_id, tenant_id, cursor, chunk)
            )
            if enrolled is None:
                return False
            self.enrolled += enrolled
            cursor = chunk[-1]
        return await self._rt.uow.run(
            partial(self._finish_enrolment, campaign_id, tenant_id, cursor)
        )

    async def _audience(self, campaign_id: str, tenant_id: str, tx: Tx) -> list[str]:
        """The campaign's audience evaluated now, as sorted contact ids (none for a
        campaign that is gone or no longer active: the next transaction closes its job)."""
        try:
            campaign = await CampaignRepository(tx.db, tenant_id).get(
                campaign_id, session=tx.session
            )
        except NotFound:
            return []
        if campaign["status"] != CampaignStatus.ACTIVE:
            return []
        return sorted((await campaign_audience(tx, tenant_id, campaign)).contact_ids)

    async def _enrolling(
        self, campaign_id: str, tenant_id: str, cursor: str | None, tx: Tx
    ) -> Document | None:
        """The campaign, if this instance still holds its job in the enrol phase at
        ``cursor`` and the campaign is still active (else ``None``; the job of a campaign
        gone or no longer active is closed)."""
        job = await self._jobs.holding(campaign_id, self.instance_id, session=tx.session)
        if job is None or job.get("phase") != ENROL or job.get("cursor") != cursor:
            return None
        try:
            campaign = await CampaignRepository(tx.db, tenant_id).get(
                campaign_id, session=tx.session
            )
        except NotFound:
            campaign = None
        if campaign is None or campaign["status"] != CampaignStatus.ACTIVE:
            await self._jobs.close(campaign_id, session=tx.session)
            return None
        return campaign

    async def _enrol_chunk(
        self, campaign_id: str, tenant_id: str, cursor: str | None, chunk: list[str], tx: Tx
    ) -> int | None:
        """Enrol one chunk of the audience and move the job's cursor past it (one
        transaction); ``None`` when this instance should leave the job."""
        campaign = await self._enrolling(campaign_id, tenant_id, cursor, tx)
        if campaign is None:
            return None
        enrolled = await service.enrol_chunk(tx, tenant_id, campaign, chunk)
        await self._jobs.renew(
            campaign_id,
            self.instance_id,
            utcnow() + self._lease,
            session=tx.session,
            fields={"cursor": chunk[-1]},
        )
        return enrolled

    async def _finish_enrolment(
        self, campaign_id: str, tenant_id: str, cursor: str | None, tx: Tx
    ) -> bool:
        """End the enrolment and switch the job to sending (one transaction)."""
        campaign = await self._enrolling(campaign_id, tenant_id, cursor, tx)
        if campaign is None:
            return False
        await service.finish_enrolment(tx, tenant_id, campaign)
        await self._jobs.renew(
            campaign_id,
            self.instance_id,
            utcnow() + self._lease,
            session=tx.session,
            fields={"phase": SEND},
        )
        return True

    async def _batch(self, campaign_id: str, tenant_id: str, tx: Tx) -> BatchOutcome:
        """Request the next batch of one campaign's e-mails (one transaction)."""
        job = await self._jobs.holding(campaign_id, self.instance_id, session=tx.session)
        if job is None or job.get("phase") == ENROL:  # enrolment first (see _enrol)
            return BatchOutcome(0, finished=True)
        campaigns = CampaignRepository(tx.db, tenant_id)
        try:
            campaign = await campaigns.get(campaign_id, session=tx.session)
        except NotFound:
            campaign = None
        if campaign is None or campaign["status"] != CampaignStatus.ACTIVE:
            await self._jobs.close(campaign_id, session=tx.session)
            return BatchOutcome(0, finished=True)
        members = MemberRepository(tx.db, tenant_id)
        queued = await members.queued(
            campaign_id, self._settings.send_batch_size, session=tx.session
        )
        if not queued:
            await campaigns.update(
                campaign_id,
                campaign["version"],
                {"$set": {"status": CampaignStatus.COMPLETED.value, "completed_at": utcnow()}},
                session=tx.session,
            )
            await self._jobs.close(campaign_id, session=tx.session)
            return BatchOutcome(0, finished=True)
        recipients = await check_out(tx, tenant_id, [m["contact_id"] for m in queued])
        template = CampaignTemplate.from_doc(campaign["template"])
        events: list[EventData] = []
        requested: list[str] = []
        left_out: dict[Suppression, list[str]] = {}
        for contact_id, recipient in recipients.items():
            if recipient.suppressed is not None or recipient.contact is None:
                reason = recipient.suppressed or Suppression.CONTACT_DELETED
                left_out.setdefault(reason, []).append(contact_id)
                continue
            events.append(build_request(campaign, recipient.contact, template, self._links))
            requested.append(contact_id)
        for reason, ids in left_out.items():
            fields = {"status": reason.status.value, "reason": reason.value}
            await members.mark(campaign_id, ids, fields, session=tx.session)
        await members.mark(campaign_id, requested, {"requested_at": utcnow()}, session=tx.session)
        await MetricsRepository(tx.db, tenant_id).add(
            campaign_id,
            {"requested": len(events), "suppressed": sum(len(v) for v in left_out.values())},
            session=tx.session,
            sender=True,
        )
        await tx.emit_many(events, tenant_id=tenant_id)
        lease_until = utcnow() + self._lease
        await self._jobs.renew(campaign_id, self.instance_id, lease_until, session=tx.session)
        return BatchOutcome(len(events), finished=False)

    async def _idle(self, seconds: float) -> None:
        """Wait ``seconds`` or until :meth:`wake` (or stop), whichever comes first."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
