"""Query filters kept flat, so every server can plan them on an index.

The embedded MongoDB-wire server plans an index only for a flat filter document: any
``$and`` or ``$or`` at the top level makes it scan the whole collection (a 167-document
window took 450 ms instead of 9 ms at 20k documents). MongoDB plans both shapes alike,
so the kit always builds the flat one: :func:`merge_filters` folds conditions on the
same field into one operator document, and :func:`keyset_branches` turns "after this
cursor position" into a series of flat queries instead of one ``$or``.

The embedded server also drops the boundary value of an inclusive date range read
through an index (``$gte`` on a descending key, ``$lte`` on an ascending one).
:func:`exclusive_date_bounds` rewrites them to the exclusive bound one millisecond
further out, which selects exactly the same dates on any server (BSON dates are whole
milliseconds).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from crm_shared.mongo.pagination import SortKeys

_LOWER = ("$gt", "$gte")
_UPPER = ("$lt", "$lte")
_MS = timedelta(milliseconds=1)


def _whole_ms(value: datetime) -> datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _is_operators(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value) and all(str(k).startswith("$") for k in value)


def exclusive_date_bounds(filter_: Mapping[str, Any]) -> dict[str, Any]:
    """``filter_`` with every top-level ``$gte``/``$lte`` on a date made exclusive."""
    return {key: _exclusive(cond) if _is_operators(cond) else cond for key, cond in filter_.items()}


def _exclusive(cond: Mapping[str, Any]) -> Mapping[str, Any]:
    for inclusive, exclusive, shift in (("$gte", "$gt", -_MS), ("$lte", "$lt", _MS)):
        bound = cond.get(inclusive)
        if isinstance(bound, datetime):
            try:
                beyond = _whole_ms(bound) + shift
            except OverflowError:  # the first or last representable instant: kept
                continue
            rest = {op: v for op, v in cond.items() if op != inclusive}
            rewritten = _merge_operators(rest, {exclusive: beyond})
            cond = rewritten if rewritten is not None else cond
    return cond


def _merge_operators(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any] | None:
    """Both operator documents in one, keeping the tighter of two bounds of the same kind."""
    merged = dict(a)
    for op, value in b.items():
        if op not in merged:
            merged[op] = value
        elif op in _LOWER or op in _UPPER:
            try:
                tighter = merged[op] < value if op in _LOWER else value < merged[op]
            except TypeError:
                return None
            if tighter:
                merged[op] = value
        elif merged[op] != value:
            return None
    return merged


def merge_filters(*parts: Mapping[str, Any]) -> dict[str, Any]:
    """The conjunction of ``parts`` as one flat filter when possible, else ``$and``.

    ``{"created_at": {"$gte": a}}`` and ``{"created_at": {"$lt": b}}`` become
    ``{"created_at": {"$gte": a, "$lt": b}}``; two different equalities on one field, or
    two ``$or``, cannot be folded and fall back to ``{"$and": [...]}``.
    """
    present = [p for p in parts if p]
    merged: dict[str, Any] = {}
    for part in present:
        for key, value in part.items():
            if key not in merged:
                merged[key] = value
                continue
            current = merged[key]
            if _is_operators(current) and _is_operators(value):
                folded = _merge_operators(current, value)
            elif _is_operators(current) and not _is_operators(value):
                folded = _merge_operators(current, {"$eq": value})
            elif _is_operators(value):
                folded = _merge_operators({"$eq": current}, value)
            else:
                folded = current if current == value else None
            if folded is None or key.startswith("$"):
                return {"$and": [exclusive_date_bounds(p) for p in present]}
            merged[key] = folded
    return exclusive_date_bounds(merged)


def keyset_branches(sort: SortKeys, values: Sequence[Any]) -> list[dict[str, Any]]:
    """Flat filters that together select the documents strictly after ``values``.

    Read them in the order returned, each sorted by ``sort``, and concatenate: the first
    holds the documents that tie on every key but the last, the next those that tie on
    one key fewer, and so on, which is exactly ``sort`` order. Most pages are filled by
    the first one or two branches.
    """
    branches: list[dict[str, Any]] = []
    for i in range(len(sort) - 1, -1, -1):
        branch: dict[str, Any] = {sort[j][0]: values[j] for j in range(i)}
        field, direction = sort[i]
        branch[field] = {"$gt" if direction > 0 else "$lt": values[i]}
        branches.append(branch)
    return branches
