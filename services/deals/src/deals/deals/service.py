"""Use cases on deals: each runs in one unit of work that also updates the report read models
(``new - old`` contributions) and writes its events to the outbox. Deals opened by lead
conversions run in the consumer's transaction."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from bson import Decimal128
from pymongo.errors import DuplicateKeyError

from crm_shared.auth import Access
from crm_shared.errors import Unprocessable
from crm_shared.events.catalogue import (
    DealCreated,
    DealLost,
    DealStageChanged,
    DealWon,
    EventData,
    LeadConverted,
)
from crm_shared.idempotency import create_once
from crm_shared.ids import new_id, utcnow
from crm_shared.inbox import AlreadyApplied
from crm_shared.mongo.pagination import fingerprint
from crm_shared.mongo.repository import expected_version
from crm_shared.mongo.scoped import Document
from crm_shared.ownership import check_assignee, list_owner, visible
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx, UnitOfWork
from deals.contacts.domain import PRIMARY
from deals.contacts.repository import ContactProjection
from deals.contacts.service import link_converted_deal
from deals.deals.domain import StageMove, counterpart_stage, plan_move
from deals.deals.repository import NEWEST_FIRST, DealFilter, DealRepository, derived_fields
from deals.deals.schemas import DealCreate, DealQuery, DealUpdate, StageChange
from deals.deals.views import contact_ids, deal_view, snapshot
from deals.pipelines.domain import (
    DomainError,
    InvalidInput,
    Stage,
    StageKind,
    find_stage,
    first_open_stage,
    resolve_probability,
)
from deals.pipelines.repository import PipelineRepository, stages_of
from deals.pipelines.service import pipeline_or_default, problem
from deals.reports.domain import DealFacts, ReportKind, Tally, delta
from deals.reports.repository import ReportRepository
from deals.reports.views import tally_view


def list_fingerprint(tenant_id: str, filter_: DealFilter) -> str:
    """What a deal list cursor is bound to (the board hands out cursors of the same lists)."""
    return fingerprint(tenant_id, filter_)


def history_entry(
    from_stage: str | None, to_stage: str, by: str, *, reopened: bool = False
) -> Document:
    """One stage-history row."""
    return {
        "from_stage": from_stage,
        "to_stage": to_stage,
        "at": utcnow(),
        "by": by,
        "reopened": reopened,
    }


def new_deal(
    *,
    name: str,
    pipeline_id: str,
    stage: Stage,
    amount: Decimal,
    currency: str,
    probability: int,
    expected_close_date: date | None,
    contacts: list[Document],
    account_id: str | None,
    owner_id: str | None,
    campaign_id: str | None,
    source_lead_id: str | None,
    created_by: str,
    deal_id: str | None = None,
) -> Document:
    """A new open deal document (tenant, version and timestamps are stamped on insert)."""
    doc: Document = {
        "_id": deal_id or new_id("deal"),
        "name": name,
        "pipeline_id": pipeline_id,
        "stage": stage.id,
        "status": stage.kind.value,
        "amount": Decimal128(amount),
        "currency": currency,
        "probability": probability,
        "expected_close_date": expected_close_date.isoformat() if expected_close_date else None,
        "contacts": contacts,
        "account_id": account_id,
        "owner_id": owner_id,
        "campaign_id": campaign_id,
        "source_lead_id": source_lead_id,
        "lost_reason": None,
        "closed_at": None,
        "stage_history": [history_entry(None, stage.id, created_by)],
    }
    doc.update(derived_fields(doc))
    return doc


async def insert_deal(tx: Tx, tenant_id: str, doc: Document, *, created_by: str) -> None:
    """Insert a deal, count it in the read models and publish DealCreated."""
    await DealRepository(tx.db, tenant_id).insert(doc, session=tx.session)
    await ReportRepository(tx.db, tenant_id).apply(
        delta(None, DealFacts.from_doc(doc)), session=tx.session
    )
    await tx.emit(
        DealCreated(deal_id=doc["_id"], deal=snapshot(doc), created_by=created_by),
        tenant_id=tenant_id,
    )


async def with_contacts(rt: Runtime, tenant_id: str, docs: list[Document]) -> list[Document]:
    """Views of ``docs`` with their contacts' names from the projection (one read)."""
    ids = [cid for doc in docs for cid in contact_ids(doc)]
    known = await ContactProjection(rt.db, tenant_id).by_ids(ids)
    return [deal_view(doc, known) for doc in docs]


async def create_deal(
    rt: Runtime, access: Access, data: DealCreate, *, idempotency_key: str | None = None
) -> tuple[Document, bool]:
    """Create an open deal; returns (view, replayed)."""
    check_assignee(access, data.owner_id, "deal")
    tenant = access.tenant_id
    pipeline = await pipeline_or_default(rt.uow, tenant, data.pipeline_id)
    stages = stages_of(pipeline)
    try:
        stage = find_stage(stages, data.stage, pipeline["_id"]) if data.stage else None
        stage = stage or first_open_stage(stages)
        if stage.kind is not StageKind.OPEN:
            raise InvalidInput("create the deal in an open stage, then move it to close it")
        probability = resolve_probability(stage, data.probability)
    except DomainError as exc:
        raise problem(exc) from exc
    doc = new_deal(
        name=data.name,
        pipeline_id=pipeline["_id"],
        stage=stage,
        amount=data.amount,
        currency=data.currency,
        probability=probability,
        expected_close_date=data.expected_close_date,
        contacts=[c.model_dump(mode="json") for c in data.contacts],
        account_id=data.account_id,
        owner_id=data.owner_id or access.principal.sub,
        campaign_id=data.campaign_id,
        source_lead_id=None,
        created_by=access.principal.sub,
    )
    known = await ContactProjection(rt.db, tenant).by_ids(contact_ids(doc))

    async def work(tx: Tx) -> Document:
        await insert_deal(tx, tenant, doc, created_by=access.principal.sub)
        return deal_view(doc, known)

    return await create_once(
        rt.uow, tenant, data.model_dump(mode="json"), work, idempotency_key=idempotency_key
    )


async def get_deal(rt: Runtime, access: Access, deal_id: str) -> Document:
    """One visible deal as a view."""
    doc = visible(access, await DealRepository(rt.db, access.tenant_id).get(deal_id), "deal")
    return (await with_contacts(rt, access.tenant_id, [doc]))[0]


def _stage_changed(
    doc: Mapping[str, Any], from_stage: str | None, by: str, *, was_won: bool
) -> DealStageChanged:
    return DealStageChanged(
        deal_id=doc["_id"],
        pipeline_id=doc["pipeline_id"],
        from_stage=from_stage,
        to_stage=doc["stage"],
        amount=snapshot(doc).amount,
        currency=doc["currency"],
        probability=doc["probability"],
        owner_id=doc.get("owner_id"),
        source_lead_id=doc.get("source_lead_id"),
        changed_by=by,
        is_won=doc["status"] == StageKind.WON.value,
        is_lost=doc["status"] == StageKind.LOST.value,
        was_won=was_won,
    )


def _closed(doc: Mapping[str, Any], by: str) -> DealWon | DealLost:
    common: dict[str, Any] = {
        "deal_id": doc["_id"],
        "amount": snapshot(doc).amount,
        "currency": doc["currency"],
        "pipeline_id": doc["pipeline_id"],
        "contact_ids": contact_ids(doc),
        "account_id": doc.get("account_id"),
        "owner_id": doc.get("owner_id"),
        "source_lead_id": doc.get("source_lead_id"),
        "campaign_id": doc.get("campaign_id"),
        "closed_at": doc["closed_at"],
        "closed_by": by,
    }
    if doc["status"] == StageKind.WON.value:
        return DealWon(**common)
    return DealLost(**common, lost_reason=doc["lost_reason"])


async def _save(
    tx: Tx,
    tenant_id: str,
    current: Document,
    version: int,
    update: Mapping[str, Any],
) -> Document:
    """Versioned update of a deal plus the read-model delta; returns the new document."""
    doc = await DealRepository(tx.db, tenant_id).update(
        current["_id"], version, update, session=tx.session
    )
    await ReportRepository(tx.db, tenant_id).apply(
        delta(DealFacts.from_doc(current), DealFacts.from_doc(doc)), session=tx.session
    )
    return doc


async def update_deal(
    rt: Runtime, access: Access, deal_id: str, patch: DealUpdate, *, if_match: int | None
) -> Document:
    """Apply a partial update; a new pipeline moves the deal to the matching stage there."""
    changes = patch.sent()
    if "owner_id" in changes:
        check_assignee(access, changes["owner_id"], "deal")
    tenant = access.tenant_id
    repo = DealRepository(rt.db, tenant)

    async def work(tx: Tx) -> Document:
        current = visible(access, await repo.get(deal_id, session=tx.session), "deal")
        fields = _stored_changes(changes)
        pipeline_id: str = changes.get("pipeline_id") or current["pipeline_id"]
        moved = pipeline_id != current["pipeline_id"]
        if moved or "probability" in changes:
            pipeline = await PipelineRepository(tx.db, tenant).get(pipeline_id, session=tx.session)
            stages = stages_of(pipeline)
            try:
                stage = (
                    counterpart_stage(stages, StageKind(current["status"]))
                    if moved
                    else find_stage(stages, current["stage"], pipeline_id)
                )
                fields["probability"] = resolve_probability(stage, changes.get("probability"))
            except DomainError as exc:
                raise problem(exc) from exc
            fields["stage"] = stage.id
        if "name" in fields or "contacts" in fields:
            fields.update(derived_fields({**current, **fields}))
        update: Document = {"$set": fields}
        if moved:
            entry = history_entry(current["stage"], fields["stage"], access.principal.sub)
            update["$push"] = {"stage_history": entry}
        version = expected_version(current, if_match)
        doc = await _save(tx, tenant, current, version, update)
        if moved:
            event = _stage_changed(doc, current["stage"], access.principal.sub, was_won=False)
            await tx.emit(event, tenant_id=tenant)
        return doc

    doc = await rt.uow.run(work)
    return (await with_contacts(rt, tenant, [doc]))[0]


def _stored_changes(changes: Mapping[str, Any]) -> Document:
    """API values as stored values (Decimal128 amount, ISO date, contact dicts)."""
    fields: Document = {}
    for name, value in changes.items():
        if name == "amount":
            fields[name] = Decimal128(value)
        elif name == "expected_close_date":
            fields[name] = value.isoformat() if value else None
        elif name == "contacts":
            fields[name] = [c.model_dump(mode="json") for c in value]
        elif name != "probability":
            fields[name] = value
    return fields


def _move_fields(move: StageMove) -> Document:
    fields: Document = {
        "stage": move.to_stage.id,
        "status": move.to_stage.kind.value,
        "probability": move.probability,
        "lost_reason": move.lost_reason,
    }
    fields["closed_at"] = utcnow() if move.entered_closed else None
    return fields


async def move_stage(
    rt: Runtime, access: Access, deal_id: str, change: StageChange, *, if_match: int | None
) -> Document:
    """Move a deal to another stage of its pipeline (closing, reopening); publishes
    DealStageChanged, and DealWon / DealLost on entering a closed stage."""
    tenant = access.tenant_id
    repo = DealRepository(rt.db, tenant)
    by = access.principal.sub

    async def work(tx: Tx) -> Document:
        current = visible(access, await repo.get(deal_id, session=tx.session), "deal")
        version = expected_version(current, if_match)
        pipeline = await PipelineRepository(tx.db, tenant).get(
            current["pipeline_id"], session=tx.session
        )
        try:
            move = plan_move(
                stages_of(pipeline),
                pipeline_id=pipeline["_id"],
                current=current["stage"],
                target=change.stage,
                lost_reason=change.lost_reason,
                probability=change.probability,
            )
        except DomainError as exc:
            raise problem(exc) from exc
        entry = history_entry(current["stage"], change.stage, by, reopened=move.reopened)
        update = {"$set": _move_fields(move), "$push": {"stage_history": entry}}
        doc = await _save(tx, tenant, current, version, update)
        events: list[EventData] = [_stage_changed(doc, current["stage"], by, was_won=move.was_won)]
        if move.entered_closed:
            events.append(_closed(doc, by))
        await tx.emit_many(events, tenant_id=tenant)
        return doc

    doc = await rt.uow.run(work)
    return (await with_contacts(rt, tenant, [doc]))[0]


async def delete_deal(rt: Runtime, access: Access, deal_id: str, *, if_match: int | None) -> None:
    """Delete a deal and take it out of the read models."""
    tenant = access.tenant_id
    repo = DealRepository(rt.db, tenant)

    async def work(tx: Tx) -> None:
        current = visible(access, await repo.get(deal_id, session=tx.session), "deal")
        version = expected_version(current, if_match)
        await repo.delete(deal_id, version, session=tx.session)
        await ReportRepository(tx.db, tenant).apply(
            delta(DealFacts.from_doc(current), None), session=tx.session
        )

    await rt.uow.run(work)


def deal_filter(access: Access, query: DealQuery) -> DealFilter:
    """The repository filter of a list query, restricted to own deals for own-scope callers."""
    owner = list_owner(access, query.owner_id, "deal")
    if query.stage is not None and query.pipeline_id is None:
        raise Unprocessable("stage ids belong to a pipeline: give pipeline_id with stage")
    return DealFilter(
        pipeline_id=query.pipeline_id,
        stage=query.stage,
        owner_id=owner,
        account_id=query.account_id,
        contact_id=query.contact_id,
        status=query.status.value if query.status else None,
        lost_reason=query.lost_reason.strip() if query.lost_reason else None,
        q=query.q.strip() or None if query.q else None,
        close_from=query.close_from,
        close_to=query.close_to,
    )


async def list_deals(
    rt: Runtime, access: Access, query: DealQuery, *, max_page_size: int, windowed: bool
) -> tuple[list[Document], str | None]:
    """A page of visible deals (views with contact names) and the next cursor."""
    filter_ = deal_filter(access, query)
    docs, next_cursor = await DealRepository(rt.db, access.tenant_id).page(
        filter_,
        NEWEST_FIRST,
        limit=min(query.limit, max_page_size),
        cursor=query.cursor,
        query_fingerprint=list_fingerprint(access.tenant_id, filter_),
        windowed=windowed,
    )
    return await with_contacts(rt, access.tenant_id, docs), next_cursor


async def board(
    rt: Runtime, access: Access, pipeline_id: str | None, *, per_stage: int, windowed: bool
) -> Document:
    """A kanban view: the pipeline's stages in order, each with totals per currency (from
    the read model) and its newest deals, plus a cursor for the rest of each column."""
    tenant = access.tenant_id
    pipeline = await pipeline_or_default(rt.uow, tenant, pipeline_id)
    owner = access.principal.sub if access.own_only else None
    buckets = await ReportRepository(rt.db, tenant).read(ReportKind.PIPELINE, owner_id=owner)
    totals: dict[str, dict[str, Tally]] = {}
    for key, tally in buckets.items():
        if key.pipeline_id == pipeline["_id"] and key.stage is not None:
            by_currency = totals.setdefault(key.stage, {})
            by_currency[key.currency] = by_currency.get(key.currency, Tally()) + tally
    repo = DealRepository(rt.db, tenant)

    async def column(stage: Stage) -> tuple[list[Document], str | None]:
        if not totals.get(stage.id):
            return [], None
        filter_ = DealFilter(pipeline_id=pipeline["_id"], stage=stage.id, owner_id=owner)
        return await repo.page(
            filter_,
            NEWEST_FIRST,
            limit=per_stage,
            cursor=None,
            query_fingerprint=list_fingerprint(tenant, filter_),
            windowed=windowed,
        )

    stages = stages_of(pipeline)
    columns = await asyncio.gather(*(column(stage) for stage in stages))
    views = iter(await with_contacts(rt, tenant, [d for docs, _ in columns for d in docs]))
    out = []
    for stage, (docs, next_cursor) in zip(stages, columns, strict=True):
        stage_totals = [
            {"currency": currency, **tally_view(tally)}
            for currency, tally in sorted(totals.get(stage.id, {}).items())
        ]
        out.append(
            {
                **stage.as_dict(),
                "count": sum(t.count for t in totals.get(stage.id, {}).values()),
                "totals": stage_totals,
                "deals": [next(views) for _ in docs],
                "next_cursor": next_cursor,
            }
        )
    return {"pipeline_id": pipeline["_id"], "name": pipeline["name"], "stages": out}


def _chosen_parties(event: LeadConverted) -> tuple[str | None, str | None] | None:
    """The contact and account ids the conversion chose (the account the user picked,
    else the one a new account gets); ``None`` for events before they were chosen."""
    if event.contact.contact_id is None:
        return None
    account = event.account
    account_id = (account.account_id or account.new_account_id) if account else None
    return event.contact.contact_id, account_id


async def create_from_lead(tx: Tx, tenant_id: str, event: LeadConverted) -> None:
    """Open the deal a lead conversion asked for, in the default pipeline's first stage,
    with the contact and account the conversion chose (recorded as ``conversion_parties``).

    The deal is unique per lead (an index on ``source_lead_id``): another event for the
    same lead fails the insert and raises :class:`AlreadyApplied` (the consumer counts it
    a duplicate), which spares a read; a redelivery after the deal was deleted is stopped
    by the inbox key. The contacts service may link the lead to an existing contact or
    account instead of creating the chosen ones: the contact's event replaces them on the
    deal, and a follow-up after the commit does so for a contact projected meanwhile (when
    both events are handled at once, one of the two sees the other's write). Events from
    before the ids were chosen take the contact from the projection, if there yet. The
    default pipeline comes from the pipelines cache.
    """
    draft = event.deal
    if draft is None:
        return
    pipeline = await pipeline_or_default(tx.uow, tenant_id, None)
    stage = first_open_stage(stages_of(pipeline))
    chosen = _chosen_parties(event)
    if chosen is None:
        contact = await ContactProjection(tx.db, tenant_id).converted_from(event.lead_id)
        chosen = (contact["_id"], contact.get("account_id")) if contact else (None, None)
    contact_id, account_id = chosen
    doc = new_deal(
        name=draft.name,
        pipeline_id=pipeline["_id"],
        stage=stage,
        amount=draft.amount,
        currency=draft.currency,
        probability=resolve_probability(stage, None),
        expected_close_date=draft.expected_close_date,
        contacts=[{"contact_id": contact_id, "role": PRIMARY}] if contact_id else [],
        account_id=account_id,
        owner_id=event.owner_id,
        campaign_id=event.campaign_id,
        source_lead_id=event.lead_id,
        created_by=event.converted_by,
        deal_id=draft.deal_id,
    )
    doc["conversion_parties"] = {"contact_id": contact_id, "account_id": account_id}
    link_late = functools.partial(_link_late_contact, tx.uow, tenant_id, event.lead_id)
    try:
        await insert_deal(tx, tenant_id, doc, created_by=event.converted_by)
    except DuplicateKeyError as exc:
        raise AlreadyApplied(event.lead_id, mend=link_late) from exc
    tx.then(link_late)


async def _link_late_contact(uow: UnitOfWork, tenant_id: str, lead_id: str) -> None:
    """Once the converted lead's deal is committed, link the contact projected meanwhile.

    The contact's handler projects the contact, then looks for the deal; this looks for
    the contact after the deal is committed: when both events are handled at once, one of
    the two sees the other's write. On a redelivery this mends a deal whose first
    follow-up did not run."""
    contact = await ContactProjection(uow.db, tenant_id).converted_from(lead_id)
    if contact is None:
        return
    await uow.run(
        lambda tx: link_converted_deal(
            tx, tenant_id, lead_id, contact["_id"], contact.get("account_id")
        )
    )
