"""Case use cases: open (CaseOpened, SLA due time by priority), list, the open counts,
edit, move through the status rules, resolve (CaseResolved with ``sla_breached``), delete."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from contacts.accounts.repository import AccountRepository
from contacts.cases.domain import (
    CASE_PRIORITY_RANK,
    CasePriority,
    CaseStatus,
    DomainError,
    check_case_transition,
    ends_case,
    sla_breached,
    sla_due_at,
)
from contacts.cases.repository import CASE_SORTS, CaseRepository
from contacts.cases.schemas import CaseCreate, CaseQuery, CaseStatusChange, CaseUpdate
from contacts.cases.views import case_view
from contacts.contacts.repository import ContactRepository
from contacts.settings import settings_of
from crm_shared.auth import Access
from crm_shared.errors import Conflict
from crm_shared.events.catalogue import CaseOpened, CaseResolved
from crm_shared.fields import from_bson
from crm_shared.idempotency import create_once
from crm_shared.ids import new_id, utcnow
from crm_shared.mongo.repository import ListFilter, expected_version
from crm_shared.mongo.scoped import Document
from crm_shared.ownership import list_owner, visible
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx

KIND = "case"


async def open_case(
    rt: Runtime, access: Access, data: CaseCreate, *, idempotency_key: str | None
) -> tuple[dict[str, Any], bool]:
    """Open a case (status ``new``) due by the SLA of its priority."""
    tenant = access.tenant_id
    await ContactRepository(rt.db, tenant).require("contact_id", data.contact_id)
    await AccountRepository(rt.db, tenant).require("account_id", data.account_id)
    repo = CaseRepository(rt.db, tenant)
    now = utcnow()
    doc: Document = data.model_dump(mode="json")
    doc.update(
        _id=new_id("case"),
        tenant_id=tenant,
        version=1,
        created_at=now,
        updated_at=now,
        status=CaseStatus.NEW.value,
        priority_rank=CASE_PRIORITY_RANK[data.priority],
        sla_due_at=sla_due_at(now, data.priority.value, settings_of(rt).sla_hours()),
        resolution=None,
        resolved_at=None,
        resolved_by=None,
        sla_breached=None,
        opened_by=access.principal.sub,
    )

    async def work(tx: Tx) -> dict[str, Any]:
        await repo.insert_many([doc], session=tx.session)  # stamped: SLA runs from created_at
        await tx.emit(
            CaseOpened(
                case_id=doc["_id"],
                subject_line=doc["subject"],
                type=doc["type"],
                priority=doc["priority"],
                contact_id=doc["contact_id"],
                account_id=doc["account_id"],
                assignee_id=doc["assignee_id"],
                sla_due_at=doc["sla_due_at"],
                opened_by=access.principal.sub,
            ),
            tenant_id=tenant,
        )
        return case_view(doc)

    return await create_once(
        rt.uow, tenant, data.model_dump(mode="json"), work, idempotency_key=idempotency_key
    )


async def get_case(rt: Runtime, access: Access, case_id: str) -> Document:
    """One case of the caller's tenant."""
    repo = CaseRepository(rt.db, access.tenant_id)
    return visible(access, await repo.get(case_id), KIND, field="assignee_id")


def case_filter(query: CaseQuery, access: Access) -> ListFilter:
    """The repository filter of a case list (own-scope callers see their own cases)."""
    return ListFilter(
        equals={
            "status": query.status.value if query.status else None,
            "priority": query.priority.value if query.priority else None,
            "assignee_id": list_owner(access, query.assignee_id, KIND),
            "contact_id": query.contact_id,
            "account_id": query.account_id,
        }
    )


async def list_cases(
    rt: Runtime, access: Access, query: CaseQuery
) -> tuple[list[Document], str | None]:
    """A page of cases matching ``query``, in its sort order, and the next cursor."""
    return await CaseRepository(rt.db, access.tenant_id).page(
        case_filter(query, access),
        CASE_SORTS[query.sort],
        limit=min(query.limit, rt.settings.max_page_size),
        cursor=query.cursor,
        windowed=rt.settings.list_windowing,
    )


async def open_counts(rt: Runtime, access: Access, now: datetime) -> tuple[dict[str, int], int]:
    """Cases not resolved yet, by priority, and how many of them are past their SLA."""
    return await CaseRepository(rt.db, access.tenant_id).open_counts(now)


async def update_case(
    rt: Runtime, access: Access, case_id: str, patch: CaseUpdate, *, if_match: int | None
) -> Document:
    """Edit a case; a new priority moves the SLA due time (from when it was opened)."""
    changes = patch.changes()
    repo = CaseRepository(rt.db, access.tenant_id)
    current = visible(access, await repo.get(case_id), KIND, field="assignee_id")
    if "priority" in changes:
        opened = from_bson(current["created_at"])
        changes["sla_due_at"] = sla_due_at(opened, changes["priority"], settings_of(rt).sla_hours())
        changes["priority_rank"] = CASE_PRIORITY_RANK[CasePriority(changes["priority"])]
    version = expected_version(current, if_match)

    async def work(tx: Tx) -> Document:
        return await repo.update(case_id, version, {"$set": changes}, session=tx.session)

    return await rt.uow.run_without_transaction(work)


async def change_status(
    rt: Runtime, access: Access, case_id: str, change: CaseStatusChange, *, if_match: int | None
) -> Document:
    """Move a case (409 for illegal moves); resolving publishes CaseResolved, reopening a
    resolved case clears its resolution."""
    repo = CaseRepository(rt.db, access.tenant_id)
    current = visible(access, await repo.get(case_id), KIND, field="assignee_id")
    status = CaseStatus(current["status"])
    try:
        check_case_transition(status, change.status)
    except DomainError as exc:
        raise Conflict(exc.message, current_status=status.value) from exc
    now = utcnow()
    fields: Document = {"status": change.status.value}
    resolved = ends_case(status, change.status)
    if resolved:
        breached = sla_breached(now, from_bson(current["sla_due_at"]))
        fields.update(
            resolution=change.resolution,
            resolved_at=now,
            resolved_by=access.principal.sub,
            sla_breached=breached,
        )
    elif change.status is CaseStatus.OPEN and status is CaseStatus.RESOLVED:
        fields.update(resolution=None, resolved_at=None, resolved_by=None, sla_breached=None)

    async def work(tx: Tx) -> Document:
        doc = await repo.update(
            case_id, expected_version(current, if_match), {"$set": fields}, session=tx.session
        )
        if resolved:
            await tx.emit(
                CaseResolved(
                    case_id=case_id,
                    priority=doc["priority"],
                    contact_id=doc.get("contact_id"),
                    account_id=doc.get("account_id"),
                    assignee_id=doc.get("assignee_id"),
                    resolution=change.resolution,
                    resolved_by=access.principal.sub,
                    resolved_at=now,
                    sla_breached=fields["sla_breached"],
                ),
                tenant_id=repo.tenant_id,
            )
        return doc

    return await rt.uow.run(work)


async def delete_case(rt: Runtime, access: Access, case_id: str, *, if_match: int | None) -> None:
    """Delete a case."""
    repo = CaseRepository(rt.db, access.tenant_id)
    current = visible(access, await repo.get(case_id), KIND, field="assignee_id")
    version = expected_version(current, if_match)

    async def work(tx: Tx) -> None:
        await repo.delete(case_id, version, session=tx.session)

    await rt.uow.run_without_transaction(work)
