"""Use cases on pipelines: create, edit stages (a stage holding deals cannot go), delete."""

from __future__ import annotations

from pymongo.errors import DuplicateKeyError

from crm_shared.auth import Access
from crm_shared.errors import Conflict
from crm_shared.idempotency import IdempotencyStore, request_fingerprint
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx
from deals.deal_repository import DealRepository
from deals.deal_service import problem
from deals.domain import DEFAULT_STAGES, DomainError, StageDraft, build_stages, removed_stages
from deals.pipeline_repository import PipelineRepository, new_pipeline, stages_of
from deals.schemas import PipelineCreate, PipelineUpdate
from deals.views import pipeline_view


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
    await PipelineRepository(rt.db, access.tenant_id).ensure_default()
    doc = new_pipeline(data.name, stages)
    keys = IdempotencyStore(rt.db, access.tenant_id)
    body_hash = request_fingerprint(data.model_dump(mode="json"))

    async def work(tx: Tx) -> tuple[Document, bool]:
        if idempotency_key:
            stored = await keys.replay(idempotency_key, body_hash, session=tx.session)
            if stored is not None:
                return stored, True
        await PipelineRepository(tx.db, access.tenant_id).insert(doc, session=tx.session)
        view = pipeline_view(doc)
        if idempotency_key:
            await keys.remember(idempotency_key, body_hash, view, session=tx.session)
        return view, False

    try:
        return await rt.uow.run(work)
    except DuplicateKeyError as exc:
        raise Conflict("a request with this Idempotency-Key is in progress") from exc


async def update_pipeline(
    rt: Runtime, access: Access, pipeline_id: str, patch: PipelineUpdate, *, if_match: int | None
) -> Document:
    """Rename and/or replace the ordered stage list; removing a stage with deals is a 409."""
    tenant = access.tenant_id

    async def work(tx: Tx) -> Document:
        repo = PipelineRepository(tx.db, tenant)
        current = await repo.get(pipeline_id, session=tx.session)
        version = if_match if if_match is not None else current["version"]
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
        return await repo.update(pipeline_id, version, fields, session=tx.session)

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
        version = if_match if if_match is not None else current["version"]
        await repo.delete(pipeline_id, version, session=tx.session)

    await rt.uow.run(work)
