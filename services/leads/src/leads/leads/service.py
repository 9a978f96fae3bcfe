"""Use cases on leads: each runs in one unit of work and emits its events."""

from __future__ import annotations

from datetime import UTC, datetime

from crm_shared.auth import Access
from crm_shared.errors import BadRequest, Conflict, Forbidden, ProblemError, Unprocessable
from crm_shared.events.catalogue import (
    ConvertedAccount,
    ConvertedContact,
    ConvertedDeal,
    LeadAssigned,
    LeadConverted,
    LeadCreated,
    LeadDeleted,
    LeadQualified,
    LeadUpdated,
)
from crm_shared.idempotency import create_once
from crm_shared.ids import as_utc, new_id, utcnow
from crm_shared.mongo.pagination import fingerprint
from crm_shared.mongo.repository import expected_version
from crm_shared.mongo.scoped import Document
from crm_shared.ownership import check_assignee, default_owner, list_owner, visible
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx
from leads.leads.domain import (
    DomainError,
    LeadStatus,
    ReasonRequired,
    check_convertible,
    check_transition,
    merge_fields,
)
from leads.leads.repository import SORTS, LeadFilter, LeadRepository, derived_fields
from leads.leads.schemas import (
    AssignRequest,
    ConvertRequest,
    LeadCreate,
    LeadListQuery,
    LeadQuery,
    LeadSummary,
    LeadUpdate,
    StatusChange,
)
from leads.leads.views import lead_view, snapshot
from leads.scoring.domain import RuleSet, pick_round_robin
from leads.scoring.repository import ConfigRepository
from leads.scoring.schemas import ScoreExplanation
from leads.scoring.service import config_cache, scored_fields, scoring_of


def _domain(exc: DomainError) -> ProblemError:
    """Business-rule violations: a missing reason is invalid input, the rest conflicts."""
    if isinstance(exc, ReasonRequired):
        return Unprocessable(exc.message)
    return Conflict(exc.message)


def build_lead(
    data: LeadCreate, *, owner_id: str | None, scoring: RuleSet, scoring_version: int
) -> Document:
    """A new lead document (without tenant/version/timestamps, which the insert stamps)."""
    doc: Document = data.model_dump(mode="json", exclude={"owner_id"})
    doc.update(_id=new_id("lead"), owner_id=owner_id, status=LeadStatus.NEW.value)
    doc.update(scored_fields(doc, scoring, scoring_version))
    doc.update(derived_fields(doc))
    return doc


async def create_lead(
    rt: Runtime, access: Access, data: LeadCreate, *, idempotency_key: str | None = None
) -> tuple[Document, bool]:
    """Create a lead (409 on a duplicate e-mail); returns (view, replayed)."""
    check_assignee(access, data.owner_id, "lead")
    repo = LeadRepository(rt.db, access.tenant_id)
    configs = ConfigRepository(rt.db, access.tenant_id)
    owner = default_owner(access, data.owner_id)

    # Reads and the round-robin counter stay outside the transaction: the embedded server
    # serialises transaction statements, so the transaction holds only the writes. The
    # unique e-mail index, not a read, decides duplicates.
    config = await config_cache(rt).get(access.tenant_id)
    scoring, version = scoring_of(config)
    method = "manual"
    if owner is None and config.get("auto_assign") and config.get("round_robin_owners"):
        counter = await rt.uow.run_without_transaction(
            lambda tx: configs.next_round_robin(session=tx.session)
        )
        owner, method = pick_round_robin(config["round_robin_owners"], counter), "auto"
    doc = build_lead(data, owner_id=owner, scoring=scoring, scoring_version=version)

    async def work(tx: Tx) -> Document:
        await repo.insert(doc, session=tx.session)
        await tx.emit(LeadCreated(lead_id=doc["_id"], lead=snapshot(doc)), tenant_id=repo.tenant_id)
        if owner is not None:
            await tx.emit(
                LeadAssigned(
                    lead_id=doc["_id"],
                    owner_id=owner,
                    assigned_by=access.principal.sub,
                    method=method,
                ),
                tenant_id=repo.tenant_id,
            )
        return lead_view(doc)

    async def taken_email() -> Exception | None:
        """The lead that already has this e-mail (else the Idempotency-Key is in flight)."""
        existing = await repo.by_email(data.email) if data.email else None
        if existing is None:
            return None
        return Conflict(f"a lead with email {data.email} exists", existing_id=existing["_id"])

    return await create_once(
        rt.uow,
        access.tenant_id,
        data.model_dump(mode="json"),
        work,
        idempotency_key=idempotency_key,
        on_duplicate=taken_email,
    )


def lead_filter(access: Access, query: LeadQuery) -> LeadFilter:
    """The repository filter of a list or export query, restricted to own leads for
    own-scope callers."""
    owner = list_owner(access, query.owner_id, "lead")
    return LeadFilter(
        status=query.status.value if query.status else None,
        rating=query.rating.value if query.rating else None,
        owner_id=owner,
        source=query.source.value if query.source else None,
        tag=query.tag.lower() if query.tag else None,
        created_from=as_utc(query.created_from),
        created_to=as_utc(query.created_to),
        q=query.q.strip() or None if query.q else None,
    )


async def list_leads(
    rt: Runtime, access: Access, query: LeadListQuery, *, max_page_size: int, windowed: bool
) -> tuple[list[Document], str | None]:
    """A page of visible leads (views) and the next cursor."""
    filter_ = lead_filter(access, query)
    docs, next_cursor = await LeadRepository(rt.db, access.tenant_id).page(
        filter_,
        SORTS[query.sort],
        limit=min(query.limit, max_page_size),
        cursor=query.cursor,
        query_fingerprint=fingerprint(access.tenant_id, filter_, query.sort),
        windowed=windowed,
    )
    return [lead_view(d) for d in docs], next_cursor


async def lead_summary(
    rt: Runtime, access: Access, start: datetime | None, end: datetime | None
) -> LeadSummary:
    """Leads created from ``start`` (default: the start of this month, UTC) until ``end``
    (default: now), by rating; a sales user counts only their own leads."""
    now = datetime.now(UTC)
    start = as_utc(start) or now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = as_utc(end) or now
    if end <= start:
        raise BadRequest("`to` must be after `from`")
    owner = access.principal.sub if access.own_only else None
    counts = await LeadRepository(rt.db, access.tenant_id).created_by_rating(start, end, owner)
    return LeadSummary(start=start, end=end, new_leads=sum(counts.values()), by_rating=counts)


async def get_lead(rt: Runtime, access: Access, lead_id: str) -> Document:
    """One visible lead."""
    return visible(access, await LeadRepository(rt.db, access.tenant_id).get(lead_id), "lead")


async def explain_score(rt: Runtime, access: Access, lead_id: str) -> ScoreExplanation:
    """The rules that fired for a visible lead, with the thresholds that turn its score into
    its rating."""
    lead = visible(access, await LeadRepository(rt.db, access.tenant_id).get(lead_id), "lead")
    scoring, version = scoring_of(await ConfigRepository(rt.db, access.tenant_id).config())
    return ScoreExplanation(
        score=lead["score"],
        rating=lead["rating"],
        reasons=lead.get("score_reasons") or [],
        junk_flag=bool(lead.get("junk")),
        hot_threshold=scoring.hot_threshold,
        warm_threshold=scoring.warm_threshold,
        junk_below=scoring.junk_below,
        up_to_date=lead["status"] == LeadStatus.CONVERTED.value
        or int(lead.get("scoring_version", 0)) >= version,
    )


async def update_lead(
    rt: Runtime, access: Access, lead_id: str, patch: LeadUpdate, *, if_match: int | None
) -> Document:
    """Apply a partial update, rescore, publish LeadUpdated (and LeadAssigned on owner change)."""
    changes = patch.changes()
    if "owner_id" in changes:
        check_assignee(access, changes["owner_id"], "lead")
    repo = LeadRepository(rt.db, access.tenant_id)
    configs = ConfigRepository(rt.db, access.tenant_id)

    async def work(tx: Tx) -> Document:
        current = visible(access, await repo.get(lead_id, session=tx.session), "lead")
        version = expected_version(current, if_match)
        if current["status"] == LeadStatus.CONVERTED.value:
            raise Conflict(f"lead {lead_id} is converted; edit the contact instead")
        email = changes.get("email")
        if email and email != current.get("email"):
            other = await repo.by_email(email, session=tx.session)
            if other is not None:
                raise Conflict(f"a lead with email {email} exists", existing_id=other["_id"])
        merged = {**current, **changes}
        scoring, sv = scoring_of(await configs.config(session=tx.session))
        new_fields = {**changes, **scored_fields(merged, scoring, sv), **derived_fields(merged)}
        doc = await repo.update(lead_id, version, {"$set": new_fields}, session=tx.session)
        changed = sorted(k for k in changes if current.get(k) != doc.get(k))
        await tx.emit(
            LeadUpdated(lead_id=lead_id, lead=snapshot(doc), changed_fields=changed),
            tenant_id=repo.tenant_id,
        )
        if "owner_id" in changed and doc.get("owner_id"):
            await tx.emit(
                LeadAssigned(
                    lead_id=lead_id,
                    owner_id=doc["owner_id"],
                    previous_owner_id=current.get("owner_id"),
                    assigned_by=access.principal.sub,
                    method="manual",
                ),
                tenant_id=repo.tenant_id,
            )
        return doc

    return await rt.uow.run(work)


async def change_status(
    rt: Runtime, access: Access, lead_id: str, change: StatusChange, *, if_match: int | None
) -> Document:
    """Move a lead through its status rules; qualified publishes LeadQualified."""
    repo = LeadRepository(rt.db, access.tenant_id)

    async def work(tx: Tx) -> Document:
        current = visible(access, await repo.get(lead_id, session=tx.session), "lead")
        try:
            check_transition(LeadStatus(current["status"]), change.status, change.reason)
        except DomainError as exc:
            raise _domain(exc) from exc
        fields: Document = {"status": change.status.value}
        fields["unqualified_reason"] = (
            change.reason if change.status is LeadStatus.UNQUALIFIED else None
        )
        version = expected_version(current, if_match)
        doc = await repo.update(lead_id, version, {"$set": fields}, session=tx.session)
        if change.status is LeadStatus.QUALIFIED:
            event: LeadQualified | LeadUpdated = LeadQualified(
                lead_id=lead_id, lead=snapshot(doc), qualified_by=access.principal.sub
            )
        else:
            event = LeadUpdated(lead_id=lead_id, lead=snapshot(doc), changed_fields=sorted(fields))
        await tx.emit(event, tenant_id=repo.tenant_id)
        return doc

    return await rt.uow.run(work)


async def assign_lead(
    rt: Runtime, access: Access, lead_id: str, request: AssignRequest
) -> Document:
    """Assign explicitly or by round-robin over the configured owners."""
    check_assignee(access, request.owner_id, "lead")
    if access.own_only and request.round_robin:
        raise Forbidden("round-robin assignment needs a manager role")
    repo = LeadRepository(rt.db, access.tenant_id)
    configs = ConfigRepository(rt.db, access.tenant_id)

    async def work(tx: Tx) -> Document:
        current = visible(access, await repo.get(lead_id, session=tx.session), "lead")
        owner, method = request.owner_id, "manual"
        if request.round_robin:
            config = await configs.config(session=tx.session)
            counter = await configs.next_round_robin(session=tx.session)
            try:
                owner = pick_round_robin(config.get("round_robin_owners") or [], counter)
            except DomainError as exc:
                raise Conflict(exc.message) from exc
            method = "round_robin"
        assert owner is not None
        doc = await repo.update(
            lead_id, current["version"], {"$set": {"owner_id": owner}}, session=tx.session
        )
        await tx.emit(
            LeadAssigned(
                lead_id=lead_id,
                owner_id=owner,
                previous_owner_id=current.get("owner_id"),
                assigned_by=access.principal.sub,
                method=method,
            ),
            tenant_id=repo.tenant_id,
        )
        return doc

    return await rt.uow.run(work)


async def convert_lead(
    rt: Runtime, access: Access, lead_id: str, request: ConvertRequest
) -> Document:
    """Mark the lead converted and publish LeadConverted; a second convert is a 409."""
    repo = LeadRepository(rt.db, access.tenant_id)
    # read outside the transaction (it holds only writes); the versioned update below
    # refuses the conversion if the lead changed since
    current = visible(access, await repo.get(lead_id), "lead")
    # the ids of what the conversion creates are chosen here: LeadConverted tells them, so
    # the deal is opened with its contact and account, and each creation is idempotent
    deal_id = new_id("deal") if request.create_deal else None
    contact_id = new_id("con")

    async def work(tx: Tx) -> Document:
        try:
            check_convertible(LeadStatus(current["status"]))
        except DomainError as exc:
            raise _domain(exc) from exc
        now = utcnow()
        account_name = request.account_name or current.get("company")
        deal = request.create_deal
        conversion: Document = {
            "account_name": account_name,
            "account_id": request.account_id,
            "deal": deal.model_dump(mode="json") if deal else None,
            "converted_at": now,
            "converted_by": access.principal.sub,
        }
        if deal_id:
            conversion["deal_id"] = deal_id
        doc = await repo.update(
            lead_id,
            current["version"],
            {"$set": {"status": LeadStatus.CONVERTED.value, "converted": conversion}},
            session=tx.session,
        )
        website = current.get("website")
        domain = website.split("//", 1)[-1].split("/", 1)[0] if website else None
        if not domain and current.get("email"):
            domain = current["email"].rsplit("@", 1)[-1]
        await tx.emit(
            LeadConverted(
                lead_id=lead_id,
                converted_by=access.principal.sub,
                converted_at=now,
                owner_id=current.get("owner_id"),
                source=current["source"],
                campaign_id=current.get("campaign_id"),
                tags=current.get("tags") or [],
                contact=ConvertedContact(
                    contact_id=contact_id,
                    first_name=current.get("first_name"),
                    last_name=current["last_name"],
                    email=current.get("email"),
                    phone=current.get("phone"),
                    title=current.get("title"),
                ),
                account=ConvertedAccount(
                    name=account_name,
                    website=website,
                    domain=domain,
                    account_id=request.account_id,
                    new_account_id=new_id("acc"),
                )
                if account_name
                else None,
                deal=ConvertedDeal(
                    deal_id=deal_id,
                    name=deal.name,
                    amount=deal.amount,
                    currency=deal.currency,
                    expected_close_date=deal.expected_close_date,
                )
                if deal
                else None,
            ),
            tenant_id=repo.tenant_id,
        )
        return doc

    return await rt.uow.run(work)


async def merge_leads(rt: Runtime, access: Access, target_id: str, source_id: str) -> Document:
    """Merge ``source_id`` into ``target_id``: fill gaps, union tags, delete the source."""
    if target_id == source_id:
        raise Unprocessable("a lead cannot be merged into itself")
    repo = LeadRepository(rt.db, access.tenant_id)
    configs = ConfigRepository(rt.db, access.tenant_id)

    async def work(tx: Tx) -> Document:
        target = visible(access, await repo.get(target_id, session=tx.session), "lead")
        source = visible(access, await repo.get(source_id, session=tx.session), "lead")
        for lead in (target, source):
            if lead["status"] == LeadStatus.CONVERTED.value:
                raise Conflict(f"lead {lead['_id']} is converted and cannot be merged")
        await repo.delete(source_id, source["version"], session=tx.session)
        merged = merge_fields(target, source)
        scoring, sv = scoring_of(await configs.config(session=tx.session))
        full = {**target, **merged}
        fields = {**merged, **scored_fields(full, scoring, sv), **derived_fields(full)}
        doc = await repo.update(target_id, target["version"], {"$set": fields}, session=tx.session)
        await tx.emit(
            LeadDeleted(lead_id=source_id, merged_into=target_id, deleted_by=access.principal.sub),
            tenant_id=repo.tenant_id,
        )
        changed = sorted(k for k in merged if target.get(k) != doc.get(k))
        await tx.emit(
            LeadUpdated(lead_id=target_id, lead=snapshot(doc), changed_fields=changed),
            tenant_id=repo.tenant_id,
        )
        return doc

    return await rt.uow.run(work)


async def delete_lead(rt: Runtime, access: Access, lead_id: str, *, if_match: int | None) -> None:
    """Delete a lead and publish LeadDeleted."""
    repo = LeadRepository(rt.db, access.tenant_id)

    async def work(tx: Tx) -> None:
        current = visible(access, await repo.get(lead_id, session=tx.session), "lead")
        version = expected_version(current, if_match)
        await repo.delete(lead_id, version, session=tx.session)
        await tx.emit(
            LeadDeleted(lead_id=lead_id, deleted_by=access.principal.sub),
            tenant_id=repo.tenant_id,
        )

    await rt.uow.run(work)
