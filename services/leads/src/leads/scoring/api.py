"""HTTP routes of the lead configuration: scoring rules and round-robin assignment."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from crm_shared.http.deps import RuntimeDep
from leads.deps import ReadScoring, WriteScoring
from leads.scoring import service
from leads.scoring.schemas import AssignmentConfig, ScoringConfig

config_router = APIRouter(prefix="/v1/leads/config", tags=["lead configuration"])


@config_router.get("/scoring", response_model=ScoringConfig)
async def get_scoring(access: ReadScoring, rt: RuntimeDep) -> dict[str, Any]:
    """The tenant's scoring rules and rating thresholds."""
    return (await service.get_scoring(rt, access)).model_dump(mode="json")


@config_router.put("/scoring", response_model=ScoringConfig)
async def put_scoring(
    body: ScoringConfig, access: WriteScoring, rt: RuntimeDep, request: Request
) -> dict[str, Any]:
    """Replace the scoring rules; existing leads are rescored in the background."""
    rescorer = request.app.state.rescorer
    scoring = await service.replace_scoring(rt, access, body, rescore=rescorer.schedule)
    return scoring.model_dump(mode="json")


@config_router.get("/assignment", response_model=AssignmentConfig)
async def get_assignment(access: ReadScoring, rt: RuntimeDep) -> AssignmentConfig:
    """Round-robin assignment settings."""
    return await service.get_assignment(rt, access)


@config_router.put("/assignment", response_model=AssignmentConfig)
async def put_assignment(
    body: AssignmentConfig, access: WriteScoring, rt: RuntimeDep
) -> AssignmentConfig:
    """Set round-robin owners and auto-assignment."""
    return await service.set_assignment(rt, access, body)
