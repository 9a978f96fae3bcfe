"""Pydantic v2 request models of pipelines (``extra="forbid"``, bounded sizes)."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import BaseModel, Field, StringConstraints, model_validator

from crm_shared.fields import MODEL_CONFIG
from deals.pipelines.domain import STAGE_ID_PATTERN, StageDraft, StageKind

StageId = Annotated[str, StringConstraints(pattern=STAGE_ID_PATTERN)]
Probability = Annotated[int, Field(ge=0, le=100)]


class StageIn(BaseModel):
    """A stage of a pipeline as sent by a client (``id`` derived from the name if missing)."""

    model_config = MODEL_CONFIG

    id: StageId | None = None
    name: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    probability: Probability
    kind: StageKind = StageKind.OPEN

    def draft(self) -> StageDraft:
        """The domain's view of this stage."""
        return StageDraft(name=self.name, probability=self.probability, kind=self.kind, id=self.id)


Stages = Annotated[list[StageIn], Field(min_length=3, max_length=30)]
PipelineName = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class PipelineCreate(BaseModel):
    """Body of ``POST /v1/pipelines``; without ``stages`` the default stages are used."""

    model_config = MODEL_CONFIG

    name: PipelineName
    stages: Stages | None = None


class PipelineUpdate(BaseModel):
    """Body of ``PATCH /v1/pipelines/{id}``: rename, and/or the full new ordered stage list
    (rename, reorder, add stages, change probabilities; a removed stage must hold no deals)."""

    model_config = MODEL_CONFIG

    name: PipelineName | None = None
    stages: Stages | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.name is None and self.stages is None:
            raise ValueError("send name and/or stages")
        return self
