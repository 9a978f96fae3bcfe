"""Use cases on campaigns: create, read, change, delete and list (launches live in
``campaigns.launch``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bson import Decimal128
from pymongo.errors import DuplicateKeyError

from campaigns.campaign_repository import CampaignRepository, SendJobs
from campaigns.domain import MUTABLE_BEFORE_LAUNCH, CampaignStatus
from campaigns.member_repository import MemberRepository
from campaigns.metrics.repository import MetricsRepository
from campaigns.schemas import CampaignCreate, CampaignUpdate
from campaigns.segments.repository import SegmentRepository
from campaigns.views import member_view, view
from crm_shared.auth import Access
from crm_shared.errors import Conflict, Unprocessable
from crm_shared.idempotency import IdempotencyStore, request_fingerprint
from crm_shared.ids import new_id
from crm_shared.mongo.pagination import fingerprint
from crm_shared.mongo.repository import ListFilter, newest_first
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx

NEWEST = newest_first("created_at")
_MONEY = frozenset({"budget", "actual_cost", "expected_revenue"})
_DATES = frozenset({"start_date", "end_date"})


def stored(name: str, value: Any) -> Any:
    """An API value as stored (Decimal128 money, ISO dates, template dict)."""
    if value is None:
        return None
    if name in _MONEY:
        return Decimal128(value)
    if name in _DATES:
        return value.isoformat()
    if name == "template":
        return value.model_dump()
    return value


async def check_segments(rt: Runtime, tenant_id: str, segment_ids: list[str]) -> None:
    """422 unless every segment exists in the tenant."""
    if not segment_ids:
        return
    found = {s["_id"] for s in await SegmentRepository(rt.db, tenant_id).many(segment_ids)}
    if missing := [s for s in segment_ids if s not in found]:
        raise Unprocessable(f"unknown segments: {', '.join(missing)}")


async def create_campaign(
    rt: Runtime, access: Access, data: CampaignCreate, *, idempotency_key: str | None
) -> tuple[Document, bool]:
    """Create a planned campaign; returns (view, replayed)."""
    tenant = access.tenant_id
    await check_segments(rt, tenant, data.segment_ids)
    doc: Document = {"_id": new_id("cmp")}
    doc.update((name, stored(name, getattr(data, name))) for name in CampaignCreate.model_fields)
    doc.update(
        owner_id=data.owner_id or access.principal.sub,
        status=CampaignStatus.PLANNED.value,
        created_by=access.principal.sub,
    )
    body_hash = request_fingerprint(data.model_dump(mode="json"))
    keys = IdempotencyStore(rt.db, tenant)

    async def work(tx: Tx) -> tuple[Document, bool]:
        if idempotency_key:
            replay = await keys.replay(idempotency_key, body_hash, session=tx.session)
            if replay is not None:
                return replay, True
        await CampaignRepository(tx.db, tenant).insert(dict(doc), session=tx.session)
        body = view(await CampaignRepository(tx.db, tenant).get(doc["_id"], session=tx.session))
        if idempotency_key:
            await keys.remember(idempotency_key, body_hash, body, session=tx.session)
        return body, False

    try:
        return await rt.uow.run(work)
    except DuplicateKeyError as exc:
        raise Conflict("a request with this Idempotency-Key is in progress") from exc


async def get_campaign(rt: Runtime, access: Access, campaign_id: str) -> Document:
    """One campaign."""
    return await CampaignRepository(rt.db, access.tenant_id).get(campaign_id)


async def update_campaign(
    rt: Runtime, access: Access, campaign_id: str, patch: CampaignUpdate, *, if_match: int | None
) -> Document:
    """Apply a partial update (409 on a stale ``If-Match``, or on changing the audience or
    the e-mail of a launched campaign)."""
    changes = patch.changes()
    tenant = access.tenant_id
    if "segment_ids" in changes:
        await check_segments(rt, tenant, changes["segment_ids"])
    repo = CampaignRepository(rt.db, tenant)
    current = await repo.get(campaign_id)
    if current["status"] != CampaignStatus.PLANNED and MUTABLE_BEFORE_LAUNCH & set(changes):
        raise Conflict("template and segment_ids cannot change once the campaign was launched")
    merged: Mapping[str, Any] = {**current, **{k: stored(k, v) for k, v in changes.items()}}
    start, end = merged.get("start_date"), merged.get("end_date")
    if start and end and end < start:
        raise Unprocessable("end_date must not be before start_date")
    fields = {k: stored(k, v) for k, v in changes.items()}
    version = if_match if if_match is not None else current["version"]
    return await repo.update(campaign_id, version, {"$set": fields})


async def delete_campaign(
    rt: Runtime, access: Access, campaign_id: str, *, if_match: int | None
) -> None:
    """Delete a campaign that is not sending, with its members and counters."""
    tenant = access.tenant_id

    async def work(tx: Tx) -> None:
        repo = CampaignRepository(tx.db, tenant)
        current = await repo.get(campaign_id, session=tx.session)
        if current["status"] == CampaignStatus.ACTIVE:
            raise Conflict("the campaign is sending: pause or complete it first")
        version = if_match if if_match is not None else current["version"]
        await repo.delete(campaign_id, version, session=tx.session)
        await MemberRepository(tx.db, tenant).drop_campaign(campaign_id, session=tx.session)
        await MetricsRepository(tx.db, tenant).drop(campaign_id, session=tx.session)
        await SendJobs(tx.db).close(campaign_id, session=tx.session)

    await rt.uow.run(work)


async def list_campaigns(
    rt: Runtime,
    access: Access,
    filter_: ListFilter,
    *,
    limit: int,
    cursor: str | None,
    windowed: bool,
) -> tuple[list[Document], str | None]:
    """A page of campaigns, newest first."""
    repo = CampaignRepository(rt.db, access.tenant_id)
    docs, next_cursor = await repo.page(
        filter_,
        NEWEST,
        limit=limit,
        cursor=cursor,
        query_fingerprint=fingerprint(access.tenant_id, filter_.to_query()),
        windowed=windowed,
    )
    return [view(d) for d in docs], next_cursor


async def campaigns_of_contact(
    rt: Runtime, access: Access, contact_id: str, *, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """A page of the campaigns a contact is a member of (newest first), each with the
    contact's membership."""
    tenant = access.tenant_id
    members, next_cursor = await MemberRepository(rt.db, tenant).of_contact(
        contact_id,
        limit=limit,
        cursor=cursor,
        query_fingerprint=fingerprint(tenant, "contact", contact_id),
    )
    found = await CampaignRepository(rt.db, tenant).many([m["campaign_id"] for m in members])
    by_id = {c["_id"]: c for c in found}
    items = [
        {**view(by_id[m["campaign_id"]]), "membership": member_view(m)}
        for m in members
        if m["campaign_id"] in by_id
    ]
    return items, next_cursor
