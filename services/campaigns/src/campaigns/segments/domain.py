"""Segment rules: a tree of AND/OR groups of conditions over whitelisted contact fields,
compiled to a MongoDB filter on the contact projection (pure code, no I/O).

Only names from :data:`FIELDS` (and ``custom.<name>`` with a validated name) become query
keys, only operators from :data:`OPERATORS` become ``$`` keys, and values are scalars or
lists of scalars, so nothing a client sends can place an operator in a query.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final, Protocol, runtime_checkable

from bson import Decimal128

from crm_shared.fields import CUSTOM_KEY_RE
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


class RuleCondition(Protocol):
    """A condition as the compiler reads it (the ``Condition`` schema is one)."""

    @property
    def field(self) -> str:
        """The rule field (a name from :data:`FIELDS` or ``custom.<name>``)."""
        ...

    @property
    def op(self) -> str:
        """The operator (one of :data:`OPERATORS` of the field's type)."""
        ...

    @property
    def value(self) -> Any:
        """A JSON scalar, a list of them, or ``None``."""
        ...


@runtime_checkable
class RuleGroup(Protocol):
    """A group as the compiler reads it (the ``Group`` schema is one)."""

    @property
    def match(self) -> str:
        """``all`` (AND) or ``any`` (OR)."""
        ...

    @property
    def rules(self) -> Sequence[RuleCondition | RuleGroup]:
        """Conditions or nested groups."""
        ...


def raw_depth(data: Any) -> int:
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


def count_conditions(group: RuleGroup) -> int:
    """How many conditions the tree holds, at every level."""
    return sum(count_conditions(r) if isinstance(r, RuleGroup) else 1 for r in group.rules)


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


def compile_condition(cond: RuleCondition) -> Document:
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


def compile_rules(group: RuleGroup) -> Document:
    """The whole tree as one MongoDB filter (AND groups kept flat where they can be)."""
    parts = [
        compile_rules(r) if isinstance(r, RuleGroup) else compile_condition(r) for r in group.rules
    ]
    if len(parts) == 1:
        return parts[0]
    if group.match == "all":
        return merge_filters(*parts)
    return {"$or": parts}
