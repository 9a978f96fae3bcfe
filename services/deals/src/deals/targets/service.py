"""Use cases on sales targets: list, set and remove. Targets are settings (no events), but
each write still runs in one unit of work."""

from __future__ import annotations

from crm_shared.auth import Access
from crm_shared.errors import NotFound
from crm_shared.mongo.pagination import fingerprint
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx
from deals.reports.service import owner_scope
from deals.targets.repository import TargetRepository
from deals.targets.schemas import TargetIn
from deals.targets.views import target_view


async def list_targets(
    rt: Runtime, access: Access, owner_id: str | None, *, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """A page of targets (views) by period then owner (sales see their own), and the next
    cursor."""
    owner = owner_scope(access, owner_id)
    query = {"owner_id": owner} if owner else {}
    docs, next_cursor = await TargetRepository(rt.db, access.tenant_id).by_period(
        owner,
        limit=limit,
        cursor=cursor,
        query_fingerprint=fingerprint(access.tenant_id, query),
    )
    return [target_view(d) for d in docs], next_cursor


async def put_target(
    rt: Runtime, access: Access, owner_id: str, period: str, body: TargetIn
) -> Document:
    """Set the amount ``owner_id`` should win in ``period``; returns the target's view."""

    async def work(tx: Tx) -> Document:
        return await TargetRepository(tx.db, access.tenant_id).put(
            owner_id, period, body.amount, body.currency, session=tx.session
        )

    return target_view(await rt.uow.run(work))


async def delete_target(rt: Runtime, access: Access, owner_id: str, period: str) -> None:
    """Remove a target (404 when there is none)."""

    async def work(tx: Tx) -> bool:
        repo = TargetRepository(tx.db, access.tenant_id)
        return await repo.remove(owner_id, period, session=tx.session)

    if not await rt.uow.run(work):
        raise NotFound(f"no target for {owner_id} in {period}")
