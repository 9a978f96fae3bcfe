"""Pydantic v2 models of the scoring and assignment settings and of a score's explanation.

``ScoringConfig`` is what a tenant stores and the API exchanges; it fits the domain's
:class:`~leads.scoring.domain.RuleSet`, so it scores leads directly.
"""

from __future__ import annotations

from typing import Annotated, Final, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from crm_shared.fields import CUSTOM_KEY_RE, MODEL_CONFIG, OptId
from leads.scoring.domain import DEFAULT_SCORING, Rating, ScoringOp

SCORABLE_FIELDS: Final = frozenset(
    {"source", "company", "title", "email", "phone", "website", "tags", "campaign_id"}
    | {"email_domain"}
)
"""Fields a scoring rule may test, besides ``custom.<key>``."""


class ScoringRule(BaseModel):
    """One scoring rule: when ``field op value`` holds, ``points`` are added."""

    model_config = MODEL_CONFIG

    id: OptId = None
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    field: str
    op: ScoringOp
    value: (
        bool
        | int
        | Annotated[float, Field(allow_inf_nan=False)]
        | Annotated[str, StringConstraints(max_length=200)]
        | Annotated[list[Annotated[str, StringConstraints(max_length=200)]], Field(max_length=100)]
        | None
    ) = None
    points: Annotated[int, Field(ge=-100, le=100)]

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str) -> str:
        if value in SCORABLE_FIELDS:
            return value
        if value.startswith("custom.") and CUSTOM_KEY_RE.match(value[len("custom.") :]):
            return value
        allowed = ", ".join(sorted(SCORABLE_FIELDS))
        raise ValueError(f"unknown field '{value}'; use one of {allowed} or custom.<key>")

    @model_validator(mode="after")
    def _value_fits_op(self) -> Self:
        op, value = self.op, self.value
        if op in (ScoringOp.IN, ScoringOp.NOT_IN):
            if not isinstance(value, list) or not value:
                raise ValueError(f"op '{op}' needs a non-empty list of strings as value")
        elif op in (ScoringOp.EXISTS, ScoringOp.NOT_EXISTS):
            if value is not None:
                raise ValueError(f"op '{op}' takes no value")
        elif op in (ScoringOp.GTE, ScoringOp.LTE):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"op '{op}' needs a number as value")
        elif op is ScoringOp.CONTAINS:
            if not isinstance(value, str) or not value:
                raise ValueError("op 'contains' needs a non-empty string as value")
        elif value is None or isinstance(value, list):
            raise ValueError(f"op '{op}' needs a single string, number or boolean as value")
        return self


class ScoringConfig(BaseModel):
    """A tenant's scoring rules and rating thresholds (scores are clamped to 0..100)."""

    model_config = MODEL_CONFIG

    rules: Annotated[list[ScoringRule], Field(max_length=100)] = Field(default_factory=list)
    hot_threshold: Annotated[int, Field(ge=0, le=100)] = 70
    warm_threshold: Annotated[int, Field(ge=0, le=100)] = 40
    junk_below: Annotated[int, Field(ge=0, le=100)] | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.warm_threshold >= self.hot_threshold:
            raise ValueError("warm_threshold must be lower than hot_threshold")
        ids = [rule.id for rule in self.rules if rule.id is not None]
        if len(ids) != len(set(ids)):
            raise ValueError("rule ids must be unique")
        return self


class ScoreReason(BaseModel):
    """A scoring rule that fired."""

    model_config = MODEL_CONFIG

    rule_id: str | None
    name: str
    points: int


class ScoreExplanation(BaseModel):
    """Why a lead has its score and rating: the rules that fired and the rating thresholds."""

    model_config = MODEL_CONFIG

    score: Annotated[int, Field(ge=0, le=100)]
    rating: Rating
    reasons: list[ScoreReason]
    junk_flag: bool = Field(description="The lead is marked junk, which makes it junk at any score")
    hot_threshold: int
    warm_threshold: int
    junk_below: int | None
    up_to_date: bool = Field(
        description="Scored with the tenant's current rules (false while a rescoring runs; "
        "converted leads keep their score)"
    )


DEFAULT_SCORING_CONFIG: Final = ScoringConfig.model_validate(DEFAULT_SCORING.as_dict())
"""The default rule set (``leads.scoring.domain.DEFAULT_SCORING``) as a stored config."""


class AssignmentConfig(BaseModel):
    """Round-robin owners and whether new unowned leads are assigned automatically."""

    model_config = ConfigDict(extra="forbid")

    round_robin_owners: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=200
    )
    auto_assign: bool = False
