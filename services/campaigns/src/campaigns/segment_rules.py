"""Segment rules: a tree of AND/OR groups of conditions over whitelisted contact fields,
compiled to a MongoDB filter on the contact projection (pure code, no I/O).

Only names from :data:`FIELDS` (and ``custom.<name>`` with a validated name) become query
keys, only operators from :data:`OPERATORS` become ``$`` keys, and values are scalars or
lists of scalars, so nothing a client sends can place an operator in a query.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Final, Literal, Self

from bson import Decimal128
from pydantic import BaseModel, Field, StringConstraints, model_validator

from crm_shared.fields import CUSTOM_KEY_RE, MODEL_CONFIG
from crm_shared.mongo.filters import merge_filters
from crm_shared.mongo.scoped import Document

MAX_DEPTH: Final = 4
MAX_CONDITIONS: Final = 50
CUSTOM_PREFIX: Final = "custom."


class FieldType(StrEnum):
    """How a field's values compare."""

    TEXT = "text"
    TAGS = "tags"
    NUMBER = "number"
    MONEY = "money"
    DATETIME = "datetime"
    BOOL = "bool"
    ANY = "any"
    """Custom fields: scalars of any type."""


FIELDS: Final[dict[str, tuple[str, FieldType]]] = {
    "lifecycle_stage": ("lifecycle_stage", FieldType.TEXT),
    "rfm_segment": ("rfm_segment", FieldType.TEXT),
    "tags": ("tags", FieldType.TAGS),
    "account.industry": ("account_industry", FieldType.TEXT),
    "account.employee_count": ("account_employee_count", FieldType.NUMBER),
    "created_at": ("created_at", FieldType.DATETIME),
    "purchase_count": ("purchase_count", FieldType.NUMBER),
    "purchase_total": ("purchase_total", FieldType.MONEY),
    "do_not_contact": ("do_not_contact", FieldType.BOOL),
}
"""Rule field -> (projection path, type)."""

_COMPARE = frozenset({"eq", "ne", "gt", "gte", "lt", "lte", "between", "in", "not_in", "exists"})
OPERATORS: Final[dict[FieldType, frozenset[str]]] = {
    FieldType.TEXT: frozenset({"eq", "ne", "in", "not_in", "exists"}),
    FieldType.TAGS: frozenset({"contains", "not_contains", "in", "not_in", "exists"}),
    FieldType.NUMBER: _COMPARE,
    FieldType.MONEY: _COMPARE,
    FieldType.DATETIME: frozenset({"gt", "gte", "lt", "lte", "between", "exists"}),
    FieldType.BOOL: frozenset({"eq", "exists"}),
    FieldType.ANY: _COMPARE,
}
_MONGO_OP: Final = {
    "eq": "$eq",
    "ne": "$ne",
    "gt": "$gt",
    "gte": "$gte",
    "lt": "$lt",
    "lte": "$lte",
    "in": "$in",
    "not_in": "$nin",
}

Scalar = bool | int | float | Annotated[str, StringConstraints(max_length=200)]
Value = Scalar | Annotated[list[Scalar], Field(max_length=100)] | None
FieldName = Annotated[str, StringConstraints(min_length=1, max_length=60)]


class RuleError(ValueError):
    """A condition names an unknown field, an operator its type lacks, or a bad value."""


def field_of(name: str) -> tuple[str, FieldType]:
    """The projection path and type of rule field ``name``."""
    if name in FIELDS:
        return FIELDS[name]
    if name.startswith(CUSTOM_PREFIX):
        key = name[len(CUSTOM_PREFIX) :]
        if CUSTOM_KEY_RE.match(key):
            return f"custom.{key}", FieldType.ANY
        raise RuleError(f"custom field name {key!r} must match {CUSTOM_KEY_RE.pattern}")
    known = ", ".join([*FIELDS, "custom.<name>"])
    raise RuleError(f"unknown field {name!r}; use one of: {known}")


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
        if _raw_depth(data) > MAX_DEPTH:
            raise ValueError(f"groups nest at most {MAX_DEPTH} deep")
        return data

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        if _conditions(self) > MAX_CONDITIONS:
            raise ValueError(f"a segment has at most {MAX_CONDITIONS} conditions")
        return self


def _raw_depth(data: Any) -> int:
    """How deep groups (objects with a ``rules`` list) nest in ``data``, counted without
    recursion and only until it passes :data:`MAX_DEPTH`."""
    deepest = 0
    pending = [(data, 1)]
    while pending and deepest <= MAX_DEPTH:
        node, depth = pending.pop()
        if isinstance(node, dict) and isinstance(node.get("rules"), list):
            deepest = max(deepest, depth)
            pending.extend((child, depth + 1) for child in node["rules"])
    return deepest


def _conditions(group: Group) -> int:
    return sum(_conditions(r) if isinstance(r, Group) else 1 for r in group.rules)


def _scalar(ftype: FieldType, value: Any) -> Any:
    """``value`` as stored for ``ftype`` (dates parsed, money as Decimal128)."""
    if isinstance(value, list) or value is None:
        raise RuleError("expected a single value")
    if ftype in (FieldType.TEXT, FieldType.TAGS) and not isinstance(value, str):
        raise RuleError("expected a text value")
    if ftype is FieldType.BOOL and not isinstance(value, bool):
        raise RuleError("expected true or false")
    if ftype in (FieldType.NUMBER, FieldType.MONEY):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise RuleError("expected a number")
        try:
            number = Decimal(str(value))
        except ArithmeticError as exc:
            raise RuleError(f"{value!r} is not a number") from exc
        if not number.is_finite():
            raise RuleError("expected a finite number")
        if ftype is FieldType.MONEY:
            return Decimal128(number)
        return int(number) if number == number.to_integral_value() else float(number)
    if ftype is FieldType.DATETIME:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise RuleError(f"{value!r} is not an ISO 8601 date-time") from exc
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return value


def _values(ftype: FieldType, value: Any, *, count: int | None = None) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise RuleError("expected a non-empty list")
    if count is not None and len(value) != count:
        raise RuleError(f"expected a list of {count} values")
    return [_scalar(ftype, v) for v in value]


def compile_condition(cond: Condition) -> Document:
    """One condition as a MongoDB filter; :class:`RuleError` if it is not valid."""
    path, ftype = field_of(cond.field)
    if cond.op not in OPERATORS[ftype]:
        allowed = ", ".join(sorted(OPERATORS[ftype]))
        raise RuleError(f"operator {cond.op!r} does not apply to {cond.field}; use {allowed}")
    if cond.op == "exists":
        if not isinstance(cond.value, bool):
            raise RuleError("exists takes true or false")
        if ftype is FieldType.TAGS:
            return {"tags.0": {"$exists": cond.value}}
        return {path: {"$ne": None} if cond.value else {"$eq": None}}
    if cond.op == "between":
        low, high = _values(ftype, cond.value, count=2)
        return {path: {"$gte": low, "$lte": high}}
    if cond.op in ("contains", "not_contains"):
        tag = _scalar(ftype, cond.value)
        return {path: tag if cond.op == "contains" else {"$ne": tag}}
    if cond.op in ("in", "not_in"):
        return {path: {_MONGO_OP[cond.op]: _values(ftype, cond.value)}}
    return {path: {_MONGO_OP[cond.op]: _scalar(ftype, cond.value)}}


def compile_rules(group: Group) -> Document:
    """The whole tree as one MongoDB filter (AND groups kept flat where they can be)."""
    parts = [
        compile_rules(r) if isinstance(r, Group) else compile_condition(r) for r in group.rules
    ]
    if len(parts) == 1:
        return parts[0]
    if group.match == "all":
        return merge_filters(*parts)
    return {"$or": parts}
