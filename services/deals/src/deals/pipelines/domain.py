"""Pure rules of pipelines: stages, their kinds and ids, stage-list edits and a deal's
probability in a stage; and the business-rule errors every feature of the service raises.
Nothing here does I/O."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

# --------------------------------------------------------------------------- errors


class DomainError(Exception):
    """A business rule was violated; ``message`` is safe to show to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """The request names something that cannot be (unknown stage, missing reason): 422."""


class StateConflict(DomainError):
    """The request conflicts with the current state (same stage, stage in use): 409."""


# --------------------------------------------------------------------------- stages


class StageKind(StrEnum):
    """What reaching a stage means for a deal."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"


STAGE_ID_PATTERN: Final = r"^[a-z][a-z0-9_]{0,39}$"
_SLUG_RE: Final = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Stage:
    """One pipeline stage; ``id`` is stable across renames and reorders."""

    id: str
    name: str
    probability: int
    kind: StageKind = StageKind.OPEN

    def as_dict(self) -> dict[str, Any]:
        """The stored (and JSON) shape."""
        return {
            "id": self.id,
            "name": self.name,
            "probability": self.probability,
            "kind": self.kind.value,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Stage:
        """A stage from its stored shape."""
        return cls(raw["id"], raw["name"], int(raw["probability"]), StageKind(raw["kind"]))


DEFAULT_PIPELINE_NAME: Final = "Sales pipeline"
DEFAULT_STAGES: Final[tuple[Stage, ...]] = (
    Stage("prospecting", "Prospecting", 10),
    Stage("qualification", "Qualification", 20),
    Stage("needs_analysis", "Needs Analysis", 25),
    Stage("value_proposition", "Value Proposition", 30),
    Stage("id_decision_makers", "Id. Decision Makers", 40),
    Stage("proposal_quote", "Proposal/Quote", 65),
    Stage("negotiation_review", "Negotiation/Review", 80),
    Stage("closed_won", "Closed Won", 100, StageKind.WON),
    Stage("closed_lost", "Closed Lost", 0, StageKind.LOST),
)
CLOSED_PROBABILITY: Final = {StageKind.WON: 100, StageKind.LOST: 0}


@dataclass(frozen=True)
class StageDraft:
    """A stage as a client sends it; ``id`` is derived from the name when missing."""

    name: str
    probability: int
    kind: StageKind = StageKind.OPEN
    id: str | None = None


def slug(name: str) -> str:
    """A stage id from a stage name (``"Proposal/Quote"`` -> ``"proposal_quote"``)."""
    base = _SLUG_RE.sub("_", name.lower()).strip("_")[:40] or "stage"
    return base if base[0].isalpha() else f"s_{base}"[:40]


def build_stages(drafts: Sequence[StageDraft], existing: Sequence[Stage] = ()) -> list[Stage]:
    """Validate an ordered stage list (new or edited) and give every stage its id.

    Exactly one won and one lost stage; ids unique; won is 100 %, lost 0 %; an existing
    stage keeps its kind (deals' status and the reports depend on it).
    """
    kinds = {s.id: s.kind for s in existing}
    taken = {d.id for d in drafts if d.id}
    stages: list[Stage] = []
    for draft in drafts:
        stage_id = draft.id
        if stage_id is None:
            stage_id, n = slug(draft.name), 2
            while stage_id in taken:
                stage_id, n = f"{slug(draft.name)[:36]}_{n}", n + 1
            taken.add(stage_id)
        if stage_id in kinds and kinds[stage_id] is not draft.kind:
            raise InvalidInput(
                f"stage {stage_id} is {kinds[stage_id].value}; its kind cannot change"
            )
        closed = CLOSED_PROBABILITY.get(draft.kind)
        if closed is not None and draft.probability != closed:
            raise InvalidInput(f"the {draft.kind.value} stage must have probability {closed}")
        stages.append(Stage(stage_id, draft.name, draft.probability, draft.kind))
    ids = [s.id for s in stages]
    if len(ids) != len(set(ids)):
        raise InvalidInput("stage ids must be unique")
    for kind in (StageKind.WON, StageKind.LOST):
        if sum(1 for s in stages if s.kind is kind) != 1:
            raise InvalidInput(f"a pipeline needs exactly one {kind.value} stage")
    if not any(s.kind is StageKind.OPEN for s in stages):
        raise InvalidInput("a pipeline needs at least one open stage")
    return stages


def removed_stages(before: Sequence[Stage], after: Sequence[Stage]) -> list[str]:
    """Ids of stages an edit removes (they must hold no deals)."""
    kept = {s.id for s in after}
    return [s.id for s in before if s.id not in kept]


def find_stage(stages: Sequence[Stage], stage_id: str, pipeline_id: str) -> Stage:
    """The stage ``stage_id`` of this pipeline; :class:`InvalidInput` when it has none."""
    for stage in stages:
        if stage.id == stage_id:
            return stage
    raise InvalidInput(f"{stage_id} is not a stage of pipeline {pipeline_id}")


def first_open_stage(stages: Sequence[Stage]) -> Stage:
    """Where new deals start."""
    return next(s for s in stages if s.kind is StageKind.OPEN)


def stage_of_kind(stages: Sequence[Stage], kind: StageKind) -> Stage:
    """The won or lost stage, or the first open one."""
    return next(s for s in stages if s.kind is kind)


def resolve_probability(stage: Stage, requested: int | None) -> int:
    """The deal's probability in ``stage``: the stage default unless overridden; closed
    stages fix it (won 100, lost 0)."""
    closed = CLOSED_PROBABILITY.get(stage.kind)
    if closed is not None:
        if requested is not None and requested != closed:
            raise InvalidInput(f"a {stage.kind.value} deal has probability {closed}")
        return closed
    return stage.probability if requested is None else requested
