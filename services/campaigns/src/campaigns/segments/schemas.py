"""Request models of segments: the rule tree (validated by compiling it, so a bad rule is a
422 naming the field when it is saved) and the segment bodies."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, Field, StringConstraints, model_validator

from campaigns.campaigns.schemas import Description, Name
from campaigns.segments.domain import (
    MAX_CONDITIONS,
    MAX_DEPTH,
    compile_condition,
    count_conditions,
    raw_depth,
)
from crm_shared.fields import MODEL_CONFIG

Scalar = bool | int | float | Annotated[str, StringConstraints(max_length=200)]
Value = Scalar | Annotated[list[Scalar], Field(max_length=100)] | None
FieldName = Annotated[str, StringConstraints(min_length=1, max_length=60)]


class Condition(BaseModel):
    """``field op value``, e.g. ``{"field": "tags", "op": "contains", "value": "vip"}``."""

    model_config = MODEL_CONFIG

    field: FieldName
    op: Annotated[str, StringConstraints(min_length=1, max_length=20)]
    value: Value = None

    @model_validator(mode="after")
    def _valid(self) -> Self:
        compile_condition(self)
        return self


class Group(BaseModel):
    """All (AND) or any (OR) of its rules; rules are conditions or nested groups."""

    model_config = MODEL_CONFIG

    match: Literal["all", "any"] = "all"
    rules: Annotated[list[Condition | Group], Field(min_length=1, max_length=MAX_CONDITIONS)]

    @model_validator(mode="before")
    @classmethod
    def _not_too_deep(cls, data: Any) -> Any:
        """Checked on the raw input, before the nested groups are: refused afterwards, a
        deep tree failed at every level and both sides of every union, so a few kilobytes
        of nesting came back as megabytes of field errors."""
        if raw_depth(data) > MAX_DEPTH:
            raise ValueError(f"groups nest at most {MAX_DEPTH} deep")
        return data

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        if count_conditions(self) > MAX_CONDITIONS:
            raise ValueError(f"a segment has at most {MAX_CONDITIONS} conditions")
        return self


SegmentKind = Literal["dynamic", "static"]


class SegmentCreate(BaseModel):
    """Body of ``POST /v1/segments``: ``dynamic`` segments need ``rules``; ``static``
    lists take members by id or CSV and have none."""

    model_config = MODEL_CONFIG

    name: Name
    description: Description = None
    kind: SegmentKind = "dynamic"
    rules: Group | None = None

    @model_validator(mode="after")
    def _rules_match_kind(self) -> Self:
        if (self.kind == "dynamic") != (self.rules is not None):
            raise ValueError("dynamic segments need rules; static lists have none")
        return self


class SegmentUpdate(BaseModel):
    """Body of ``PATCH /v1/segments/{id}``."""

    model_config = MODEL_CONFIG

    name: Name | None = None
    description: Description = None
    rules: Group | None = None

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("send at least one field")
        if "name" in self.model_fields_set and self.name is None:
            raise ValueError("name cannot be null")
        return self


class SegmentPreview(BaseModel):
    """Body of ``POST /v1/segments/preview``."""

    model_config = MODEL_CONFIG

    rules: Group
