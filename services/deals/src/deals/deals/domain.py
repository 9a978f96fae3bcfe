"""Pure rules of deals: stage moves (closing, reopening) and where a deal lands when it
changes pipeline. Nothing here does I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from deals.pipelines.domain import (
    InvalidInput,
    Stage,
    StageKind,
    StateConflict,
    find_stage,
    first_open_stage,
    resolve_probability,
    stage_of_kind,
)

# --------------------------------------------------------------------------- moves


@dataclass(frozen=True)
class StageMove:
    """The outcome of a legal stage move."""

    from_stage: Stage
    to_stage: Stage
    probability: int
    lost_reason: str | None
    reopened: bool
    was_won: bool

    @property
    def entered_closed(self) -> bool:
        """True when the deal was closed (won or lost) by this move."""
        return self.to_stage.kind is not StageKind.OPEN


def plan_move(
    stages: Sequence[Stage],
    *,
    pipeline_id: str,
    current: str,
    target: str,
    lost_reason: str | None,
    probability: int | None,
) -> StageMove:
    """Check a move from ``current`` to ``target`` and work out its effects.

    Unknown stage, a missing (or misplaced) lost reason and a bad probability are
    :class:`InvalidInput`; moving to the stage the deal is in is :class:`StateConflict`.
    """
    to_stage = find_stage(stages, target, pipeline_id)
    from_stage = find_stage(stages, current, pipeline_id)
    if from_stage.id == to_stage.id:
        raise StateConflict(f"the deal is already in stage {to_stage.id}")
    reason = lost_reason.strip() if lost_reason else None
    if to_stage.kind is StageKind.LOST and not reason:
        raise InvalidInput("a lost_reason is required to close a deal as lost")
    if to_stage.kind is not StageKind.LOST and reason:
        raise InvalidInput("lost_reason is only for moves to the lost stage")
    return StageMove(
        from_stage=from_stage,
        to_stage=to_stage,
        probability=resolve_probability(to_stage, probability),
        lost_reason=reason,
        reopened=from_stage.kind is not StageKind.OPEN and to_stage.kind is StageKind.OPEN,
        was_won=from_stage.kind is StageKind.WON,
    )


def counterpart_stage(stages: Sequence[Stage], status: StageKind) -> Stage:
    """Where a deal of ``status`` lands when it moves to another pipeline."""
    return first_open_stage(stages) if status is StageKind.OPEN else stage_of_kind(stages, status)
