"""Use cases on pipelines: list, create, edit stages (a stage holding deals cannot go),
delete; and the mapping of the service's business-rule errors to HTTP problems."""

from __future__ import annotations

from crm_shared.auth import Access
from crm_shared.cache import TenantCache
from crm_shared.errors import Conflict, ProblemError, Unprocessable
from crm_shared.idempotency import create_once
from crm_shared.mongo.pagination import fingerprint
from crm_shared.mongo.repository import expected_version
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx, UnitOfWork
from deals.deals.repository import DealRepository
from deals.pipelines.domain import (
    DEFAULT_STAGES,
    DomainError,
    InvalidInput,
    StageDraft,
    build_stages,
    removed_stages,
)
from deals.pipelines.repository import PipelineRepository, new_pipeline, stages_of
from deals.pipelines.schemas import PipelineCreate, PipelineUpdate
from deals.pipelines.views import pipeline_view


def problem(exc: DomainError) -> ProblemError:
    """A business-rule violation as HTTP: invalid input 422, state conflicts 409."""
    return Unprocessable(exc.message) if isinstance(exc, InvalidInput) else Conflict(exc.message)


def pipelines_cache(uow: UnitOfWork) -> TenantCache[dict[str, Document]]:
    """Each tenant's pipelines by id (the default one created on first use), cached: every
    deal created looks at its pipeline. The use cases below invalidate a tenant's entry
    once a change has committed; other instances see it within ``cache_ttl_s``."""

    async def load(tenant_id: str) -> dict[str, Document]:
        repo = PipelineRepository(uow.db, tenant_id)
        # the default is created on first use: one write that emits nothing
        await uow.run_without_transaction(lambda tx: repo.ensure_default(session=tx.session))
        return await repo.names()

    return uow.tenant_cache("pipelines", load)


async def pipeline_or_default(uow: UnitOfWork, tenant_id: str, pipeline_id: str | None) -> Document:
    """The named pipeline, or the tenant's default one, from the cache; a pipeline the
    cache does not know yet (created by another instance) is read (404 if there is none)."""
    pipelines = await pipelines_cache(uow).get(tenant_id)
    if pipeline_id is None:
        return next(p for p in pipelines.values() if p.get("is_default"))
    found = pipelines.get(pipeline_id)
    return (
        found if found is not None else await PipelineRepository(uow.db, tenant_id).get(pipeline_id)
    )


def _forget_pipelines(rt: Runtime, tx: Tx, tenant_id: str) -> None:
    tx.after_commit(lambda: pipelines_cache(rt.uow).invalidate(tenant_id))


async def list_pipelines(
    rt: Runtime, access: Access, *, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """A page of the tenant's pipelines (views), oldest (the default, created on first use)
    first, and the next cursor."""
    await pipeline_or_default(rt.uow, access.tenant_id, None)
    repo = PipelineRepository(rt.db, access.tenant_id)
    docs, next_cursor = await repo.oldest_first(
        limit=limit, cursor=cursor, query_fingerprint=fingerprint(access.tenant_id, "pipelines")
    )
    return [pipeline_view(d) for d in docs], next_cursor


async def get_pipeline(rt: Runtime, access: Access, pipeline_id: str) -> Document:
    """One pipeline as a view."""
    return pipeline_view(await PipelineRepository(rt.db, access.tenant_id).get(pipeline_id))


async def create_pipeline(
    rt: Runtime, access: Access, data: PipelineCreate, *, idempotency_key: str | None = None
) -> tuple[Document, bool]:
    """Create a pipeline (default stages unless given); returns (view, replayed)."""
    drafts = (
        [s.draft() for s in data.stages]
        if data.stages is not None
        else [StageDraft(s.name, s.probability, s.kind, s.id) for s in DEFAULT_STAGES]
    )
    try:
        stages = build_stages(drafts)
    except DomainError as exc:
        raise problem(exc) from exc
    # the tenant's default pipeline exists before any other, so "default" stays the first
    await pipeline_or_default(rt.uow, access.tenant_id, None)
    doc = new_pipeline(data.name, stages)

    async def work(tx: Tx) -> Document:
        await PipelineRepository(tx.db, access.tenant_id).insert(doc, session=tx.session)
        _forget_pipelines(rt, tx, access.tenant_id)
        return pipeline_view(doc)

    return await create_once(
        rt.uow,
        access.tenant_id,
        data.model_dump(mode="json"),
        work,
        idempotency_key=idempotency_key,
    )


async def update_pipeline(
    rt: Runtime, access: Access, pipeline_id: str, patch: PipelineUpdate, *, if_match: int | None
) -> Document:
    """Rename and/or replace the ordered stage list; removing a stage with deals is a 409."""
    tenant = access.tenant_id

    async def work(tx: Tx) -> Document:
        repo = PipelineRepository(tx.db, tenant)
        current = await repo.get(pipeline_id, session=tx.session)
        version = expected_version(current, if_match)
        fields: Document = {}
        if patch.name is not None:
            fields["name"] = patch.name
        if patch.stages is not None:
            before = stages_of(current)
            try:
                after = build_stages([s.draft() for s in patch.stages], before)
            except DomainError as exc:
                raise problem(exc) from exc
            deals = DealRepository(tx.db, tenant)
            for stage_id in removed_stages(before, after):
                if await deals.holds_deals(pipeline_id, stage_id, session=tx.session):
                    raise Conflict(
                        f"stage {stage_id} holds deals; move them before removing it",
                        stage=stage_id,
                    )
            fields["stages"] = [s.as_dict() for s in after]
        _forget_pipelines(rt, tx, tenant)
        return await repo.update(pipeline_id, version, {"$set": fields}, session=tx.session)

    return pipeline_view(await rt.uow.run(work))


async def delete_pipeline(
    rt: Runtime, access: Access, pipeline_id: str, *, if_match: int | None
) -> None:
    """Delete a pipeline that holds no deals; the default pipeline stays."""
    tenant = access.tenant_id

    async def work(tx: Tx) -> None:
        repo = PipelineRepository(tx.db, tenant)
        current = await repo.get(pipeline_id, session=tx.session)
        if current.get("is_default"):
            raise Conflict("the default pipeline cannot be deleted")
        if await DealRepository(tx.db, tenant).holds_deals(pipeline_id, session=tx.session):
            raise Conflict(f"pipeline {pipeline_id} holds deals; move or delete them first")
        version = expected_version(current, if_match)
        await repo.delete(pipeline_id, version, session=tx.session)
        _forget_pipelines(rt, tx, tenant)

    await rt.uow.run(work)
