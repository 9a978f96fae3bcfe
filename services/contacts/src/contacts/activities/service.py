"""Activity use cases: log (ActivityLogged), the timeline, edit, delete, complete tasks
(ActivityCompleted). Own-scope callers (sales) see and change only their own activities."""

from __future__ import annotations

from typing import Any

from contacts.accounts.repository import AccountRepository
from contacts.activities.domain import ActivityKind
from contacts.activities.repository import TIMELINE, ActivityRepository
from contacts.activities.schemas import ActivityCreate, ActivityQuery, ActivityUpdate
from contacts.activities.views import activity_view
from contacts.contacts.repository import ContactRepository
from crm_shared.auth import Access
from crm_shared.errors import Conflict, Unprocessable
from crm_shared.events.catalogue import ActivityCompleted, ActivityLogged
from crm_shared.idempotency import create_once
from crm_shared.ids import new_id, utcnow
from crm_shared.mongo.repository import ListFilter, expected_version
from crm_shared.mongo.scoped import Document
from crm_shared.ownership import check_assignee, list_owner, visible
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx

KIND = "activity"


async def log_activity(
    rt: Runtime, access: Access, data: ActivityCreate, *, idempotency_key: str | None
) -> tuple[dict[str, Any], bool]:
    """Log an activity on a contact, account and/or deal; it belongs to the caller unless
    ``owner_id`` says otherwise."""
    check_assignee(access, data.owner_id, KIND)
    tenant = access.tenant_id
    await ContactRepository(rt.db, tenant).require("contact_id", data.contact_id)
    await AccountRepository(rt.db, tenant).require("account_id", data.account_id)
    repo = ActivityRepository(rt.db, tenant)
    doc: Document = data.model_dump(exclude={"occurred_at"})
    doc.update(
        _id=new_id("act"),
        kind=data.kind.value,
        owner_id=data.owner_id or access.principal.sub,
        occurred_at=data.occurred_at or utcnow(),
        done=False if data.kind is ActivityKind.TASK else None,
        completed_at=None,
        completed_by=None,
        logged_by=access.principal.sub,
    )

    async def work(tx: Tx) -> dict[str, Any]:
        await repo.insert(doc, session=tx.session)
        await tx.emit(
            ActivityLogged(
                activity_id=doc["_id"],
                kind=doc["kind"],
                subject_line=doc["subject"],
                contact_id=doc["contact_id"],
                account_id=doc["account_id"],
                deal_id=doc["deal_id"],
                owner_id=doc["owner_id"],
                due_at=doc["due_at"],
                occurred_at=doc["occurred_at"],
                logged_by=access.principal.sub,
            ),
            tenant_id=tenant,
        )
        return activity_view(doc)

    return await create_once(
        rt.uow, tenant, data.model_dump(mode="json"), work, idempotency_key=idempotency_key
    )


async def get_activity(rt: Runtime, access: Access, activity_id: str) -> Document:
    """One activity the caller may see (404 for others' activities under own scope)."""
    repo = ActivityRepository(rt.db, access.tenant_id)
    return visible(access, await repo.get(activity_id), KIND)


def activity_filter(query: ActivityQuery, access: Access) -> ListFilter:
    """The repository filter of a timeline; own-scope callers see only their own activities."""
    kind = ActivityKind.TASK.value if query.open_tasks else query.kind
    return ListFilter(
        equals={
            "contact_id": query.contact_id,
            "account_id": query.account_id,
            "deal_id": query.deal_id,
            "owner_id": list_owner(access, query.owner_id, KIND),
            "kind": kind.value if isinstance(kind, ActivityKind) else kind,
            "done": False if query.open_tasks else None,
        }
    )


async def timeline(
    rt: Runtime, access: Access, query: ActivityQuery
) -> tuple[list[Document], str | None]:
    """A page of the activities matching ``query``, newest first, and the next cursor."""
    return await ActivityRepository(rt.db, access.tenant_id).page(
        activity_filter(query, access),
        TIMELINE,
        limit=min(query.limit, rt.settings.max_page_size),
        cursor=query.cursor,
        windowed=rt.settings.list_windowing,
    )


async def update_activity(
    rt: Runtime, access: Access, activity_id: str, patch: ActivityUpdate, *, if_match: int | None
) -> Document:
    """Edit an activity's subject, description, times or owner."""
    changes = patch.model_dump(include=set(patch.model_fields_set))
    if "owner_id" in changes:
        check_assignee(access, changes["owner_id"], KIND)
    repo = ActivityRepository(rt.db, access.tenant_id)
    current = visible(access, await repo.get(activity_id), KIND)
    if changes.get("due_at") is not None and current["kind"] != ActivityKind.TASK.value:
        raise Unprocessable("only tasks have a due_at")
    if "owner_id" in changes and changes["owner_id"] is None:
        changes["owner_id"] = current["owner_id"]
    version = expected_version(current, if_match)

    async def work(tx: Tx) -> Document:
        return await repo.update(activity_id, version, {"$set": changes}, session=tx.session)

    return await rt.uow.run_without_transaction(work)


async def delete_activity(
    rt: Runtime, access: Access, activity_id: str, *, if_match: int | None
) -> None:
    """Delete an activity."""
    repo = ActivityRepository(rt.db, access.tenant_id)
    current = visible(access, await repo.get(activity_id), KIND)
    version = expected_version(current, if_match)

    async def work(tx: Tx) -> None:
        await repo.delete(activity_id, version, session=tx.session)

    await rt.uow.run_without_transaction(work)


async def complete_task(rt: Runtime, access: Access, activity_id: str) -> Document:
    """Mark a task done and publish ActivityCompleted; 409 for non-tasks and done tasks."""
    repo = ActivityRepository(rt.db, access.tenant_id)
    current = visible(access, await repo.get(activity_id), KIND)
    if current["kind"] != ActivityKind.TASK.value:
        raise Conflict(f"activity {activity_id} is a {current['kind']}, not a task")
    if current.get("done"):
        raise Conflict(f"task {activity_id} is already done")
    now = utcnow()

    async def work(tx: Tx) -> Document:
        doc = await repo.update(
            activity_id,
            current["version"],
            {"$set": {"done": True, "completed_at": now, "completed_by": access.principal.sub}},
            session=tx.session,
        )
        await tx.emit(
            ActivityCompleted(
                activity_id=activity_id,
                contact_id=doc.get("contact_id"),
                account_id=doc.get("account_id"),
                deal_id=doc.get("deal_id"),
                completed_by=access.principal.sub,
                completed_at=now,
            ),
            tenant_id=repo.tenant_id,
        )
        return doc

    return await rt.uow.run(work)
