"""Automations: manage rules, and fire them on events (once per rule and event).

Actions that are database work (send a templated e-mail, add to a campaign, notify a user)
happen in the consumer's transaction, so they happen exactly once with the run record.
Assigning an owner is a call to the leads API, which cannot join the transaction: the
run enqueues it as a job (crm_shared.delivery_queue) that :mod:`campaigns.automations.assign`
performs after the commit and records on the run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from campaigns.audience.repository import ContactProjection
from campaigns.automations.assign import assign_queue
from campaigns.automations.domain import caused_by_automation, matches, recipient
from campaigns.automations.repository import AutomationRepository, RunRepository, run_key
from campaigns.automations.schemas import AutomationIn, AutomationPatch
from campaigns.campaigns.repository import MemberRepository
from campaigns.campaigns.service import enrol_members
from campaigns.templates.domain import parse
from campaigns.templates.rendering import display_name, merge_values
from campaigns.tracking.signing import Claims, LinkBuilder
from crm_shared.auth import Access
from crm_shared.cache import TenantCache
from crm_shared.errors import ProblemError
from crm_shared.events.catalogue import EmailRequested, UserNotificationRequested
from crm_shared.events.envelope import CloudEvent
from crm_shared.ids import new_id
from crm_shared.mongo.pagination import fingerprint
from crm_shared.mongo.repository import ListFilter, expected_version, newest_first
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx, UnitOfWork

NEWEST = newest_first("created_at")
AUTOMATION_ACTOR = "automation"


def _actor(automation_id: str) -> str:
    return f"{AUTOMATION_ACTOR}:{automation_id}"


def request_id(automation_id: str, event_id: str, action_index: int) -> str:
    """The deterministic id of what one action requested (re-firing yields the same id)."""
    digest = hashlib.sha256(f"{automation_id}:{event_id}:{action_index}".encode()).hexdigest()
    return f"auto_{digest[:32]}"


# --- managing rules -------------------------------------------------------------------


def rules_cache(uow: UnitOfWork) -> TenantCache[list[Document]]:
    """Each tenant's active rules, cached: every trigger event of every tenant looks at
    them (the use cases below invalidate a tenant's entry once a change is written)."""
    return uow.tenant_cache(
        "automation-rules", lambda tenant: AutomationRepository(uow.db, tenant).active()
    )


async def wanted_by_rules(uow: UnitOfWork, envelope: CloudEvent) -> bool:
    """Whether an active rule of the event's tenant is triggered by the event's type."""
    rules = await rules_cache(uow).get(envelope.tenantid)
    return any(rule["trigger"]["event_type"] == envelope.type for rule in rules)


def _forget_rules(rt: Runtime, tx: Tx, tenant_id: str) -> None:
    tx.after_commit(lambda: rules_cache(rt.uow).invalidate(tenant_id))


async def create_automation(rt: Runtime, access: Access, data: AutomationIn) -> Document:
    """Store a new rule."""
    doc: Document = {
        "_id": new_id("auto"),
        **data.model_dump(mode="json"),
        "fired": 0,
        "created_by": access.principal.sub,
    }
    repo = AutomationRepository(rt.db, access.tenant_id)

    async def work(tx: Tx) -> None:
        await repo.insert(doc, session=tx.session)
        _forget_rules(rt, tx, access.tenant_id)

    await rt.uow.run_without_transaction(work)
    return await repo.get(doc["_id"])


async def get_automation(rt: Runtime, access: Access, automation_id: str) -> Document:
    """One rule (404 in another tenant)."""
    return await AutomationRepository(rt.db, access.tenant_id).get(automation_id)


async def update_automation(
    rt: Runtime, access: Access, automation_id: str, if_match: int | None, patch: AutomationPatch
) -> Document:
    """Change a rule (409 when ``if_match`` is not its version any more)."""
    changes = patch.model_dump(mode="json", exclude_unset=True)
    repo = AutomationRepository(rt.db, access.tenant_id)
    version = expected_version(await repo.get(automation_id), if_match)

    async def work(tx: Tx) -> Document:
        _forget_rules(rt, tx, access.tenant_id)
        return await repo.update(automation_id, version, {"$set": changes}, session=tx.session)

    return await rt.uow.run_without_transaction(work)


async def delete_automation(
    rt: Runtime, access: Access, automation_id: str, if_match: int | None
) -> None:
    """Delete a rule (its runs stay, for the record)."""
    repo = AutomationRepository(rt.db, access.tenant_id)
    version = expected_version(await repo.get(automation_id), if_match)

    async def work(tx: Tx) -> None:
        await repo.delete(automation_id, version, session=tx.session)
        _forget_rules(rt, tx, access.tenant_id)

    await rt.uow.run_without_transaction(work)


async def list_automations(
    rt: Runtime, access: Access, *, event_type: str | None, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """A page of rules, newest first."""
    filter_ = ListFilter(equals={"trigger.event_type": event_type})
    return await AutomationRepository(rt.db, access.tenant_id).page(
        filter_,
        NEWEST,
        limit=limit,
        cursor=cursor,
        query_fingerprint=fingerprint(filter_.to_query()),
        windowed=rt.settings.list_windowing,
    )


async def list_runs(
    rt: Runtime, access: Access, automation_id: str, *, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """A page of a rule's runs, newest first."""
    await AutomationRepository(rt.db, access.tenant_id).get(automation_id)
    filter_ = ListFilter(equals={"automation_id": automation_id})
    return await RunRepository(rt.db, access.tenant_id).page(
        filter_,
        NEWEST,
        limit=limit,
        cursor=cursor,
        query_fingerprint=fingerprint(filter_.to_query()),
        windowed=False,
    )


# --- firing ----------------------------------------------------------------------------


class Firing:
    """What firing needs besides the transaction: link signing, the assign queue and the
    wake-ups of the dispatcher and the campaign sender."""

    def __init__(
        self,
        links: LinkBuilder,
        wake_assign: Callable[[], None],
        wake_sender: Callable[[], None],
    ) -> None:
        self.links = links
        self.wake_assign = wake_assign
        self.wake_sender = wake_sender

    async def fire(self, tx: Tx, envelope: CloudEvent, data: Mapping[str, Any]) -> int:
        """Run every matching active rule of the event's tenant once; returns how many
        fired. Events caused by automations never trigger rules (no loops)."""
        if caused_by_automation(data):
            return 0
        tenant = envelope.tenantid
        rules = AutomationRepository(tx.db, tenant)
        runs = RunRepository(tx.db, tenant)
        fired = 0
        for rule in await rules_cache(tx.uow).get(tenant):
            trigger = rule["trigger"]
            if trigger["event_type"] != envelope.type:
                continue
            if not matches(data, trigger.get("conditions", [])):
                continue
            run_id = run_key(rule["_id"], envelope.id)
            if await runs.fired_before(run_id, session=tx.session):
                continue
            results = [
                await self._act(tx, rule, envelope, data, i, action)
                for i, action in enumerate(rule["actions"])
            ]
            await runs.record(
                {
                    "_id": run_id,
                    "automation_id": rule["_id"],
                    "event_id": envelope.id,
                    "event_type": envelope.type,
                    "subject": envelope.subject,
                    "results": results,
                },
                session=tx.session,
            )
            await rules.count_fired(rule["_id"], session=tx.session)
            fired += 1
        return fired

    async def _act(
        self,
        tx: Tx,
        rule: Document,
        envelope: CloudEvent,
        data: Mapping[str, Any],
        index: int,
        action: Mapping[str, Any],
    ) -> Document:
        kind = action["type"]
        rid = request_id(rule["_id"], envelope.id, index)
        if kind == "send_email":
            return await self._send_email(tx, rule, envelope, data, rid, action)
        if kind == "add_to_campaign":
            return await self._add_to_campaign(tx, rule, envelope, data, action)
        if kind == "notify_user":
            await tx.emit(
                UserNotificationRequested(
                    request_id=rid,
                    user_id=action["user_id"],
                    title=action["title"],
                    body=action.get("body", ""),
                    link=_link(envelope),
                    automation_id=rule["_id"],
                ),
                tenant_id=envelope.tenantid,
            )
            return {"type": kind, "status": "requested", "request_id": rid}
        return await self._assign(tx, rule, envelope, data, rid, index, action)

    async def _send_email(
        self,
        tx: Tx,
        rule: Document,
        envelope: CloudEvent,
        data: Mapping[str, Any],
        rid: str,
        action: Mapping[str, Any],
    ) -> Document:
        tenant = envelope.tenantid
        person = recipient(data)
        if person is None:
            return {"type": "send_email", "status": "skipped", "reason": "no e-mail address"}
        contact_id = person.get("contact_id") or await _contact_of(tx, tenant, person["email"])
        if contact_id and await _opted_out(tx, tenant, contact_id):
            return {"type": "send_email", "status": "skipped", "reason": "opted out"}
        unsubscribe = (
            self.links.unsubscribe_url(Claims(tenant, "", contact_id)) if contact_id else None
        )
        values = {**merge_values(person), "company": person.get("company")}
        values["unsubscribe_url"] = unsubscribe
        template = action["template"]
        html = template.get("body_html")
        await tx.emit(
            EmailRequested(
                request_id=rid,
                to=person["email"],
                to_name=display_name(person),
                subject_line=parse(template["subject"]).render_line(values),
                body_text=parse(template["body_text"]).render(values, html=False),
                body_html=parse(html).render(values, html=True) if html else None,
                automation_id=rule["_id"],
                contact_id=contact_id,
                lead_id=person.get("lead_id"),
                requested_by=_actor(rule["_id"]),
                unsubscribe_url=unsubscribe,
            ),
            tenant_id=tenant,
        )
        return {"type": "send_email", "status": "requested", "request_id": rid}

    async def _add_to_campaign(
        self,
        tx: Tx,
        rule: Document,
        envelope: CloudEvent,
        data: Mapping[str, Any],
        action: Mapping[str, Any],
    ) -> Document:
        contact_id = data.get("contact_id")
        if not isinstance(contact_id, str):
            return {"type": "add_to_campaign", "status": "skipped", "reason": "no contact"}
        try:
            outcome = await enrol_members(
                tx,
                envelope.tenantid,
                action["campaign_id"],
                [contact_id],
                by=_actor(rule["_id"]),
                wake=self.wake_sender,
            )
        except ProblemError as exc:  # campaign deleted or completed since the rule was saved
            return {"type": "add_to_campaign", "status": "failed", "reason": exc.detail}
        return {"type": "add_to_campaign", "status": "done", **outcome}

    async def _assign(
        self,
        tx: Tx,
        rule: Document,
        envelope: CloudEvent,
        data: Mapping[str, Any],
        rid: str,
        index: int,
        action: Mapping[str, Any],
    ) -> Document:
        lead_id = data.get("lead_id")
        if not isinstance(lead_id, str):
            return {"type": "assign_owner", "status": "skipped", "reason": "no lead"}
        await assign_queue(tx.db).enqueue(
            tx.session,
            [
                {
                    "_id": rid,
                    "tenant_id": envelope.tenantid,
                    "lead_id": lead_id,
                    "owner_id": action.get("owner_id"),
                    "run_id": run_key(rule["_id"], envelope.id),
                    "action_index": index,
                }
            ],
        )
        tx.after_commit(self.wake_assign)
        return {"type": "assign_owner", "status": "queued", "request_id": rid}


def _link(envelope: CloudEvent) -> str | None:
    """Where the notification points in the console: the triggering record."""
    subject = envelope.subject or ""
    prefix = subject.split("_", 1)[0]
    paths = {"lead": "leads", "contact": "contacts", "deal": "deals", "case": "cases"}
    return f"/{paths[prefix]}/{subject}" if prefix in paths else None


async def _contact_of(tx: Tx, tenant: str, email: str) -> str | None:
    """The contact with this e-mail in the projection, if any (a lead's opt-out check)."""
    found = await ContactProjection(tx.db, tenant).by_emails([email])
    return found.get(email.lower()) or found.get(email)


async def _opted_out(tx: Tx, tenant: str, contact_id: str) -> bool:
    """Whether the contact is do-not-contact or unsubscribed."""
    contacts = await ContactProjection(tx.db, tenant).by_ids([contact_id], session=tx.session)
    if contacts.get(contact_id, {}).get("do_not_contact"):
        return True
    unsubscribed = await MemberRepository(tx.db, tenant).unsubscribed(
        [contact_id], session=tx.session
    )
    return contact_id in unsubscribed
