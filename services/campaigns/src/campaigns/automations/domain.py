"""Automation rules as pure logic: which events may trigger, how conditions match, and
which events must never trigger (those caused by automations themselves: loop guard).

A rule is "when <event type> whose data matches every condition, do <actions>". A
condition names a field of the event's data by dotted path (``lead.source``) and compares
it with an operator; values are JSON scalars or lists. Nothing here touches I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, Final

TRIGGERS: Final = {
    "LeadCreated": "leads",
    "LeadUpdated": "leads",
    "LeadAssigned": "leads",
    "LeadQualified": "leads",
    "LeadConverted": "leads",
    "ContactCreated": "contacts",
    "ContactUpdated": "contacts",
    "CaseOpened": "contacts",
    "CaseResolved": "contacts",
    "ActivityLogged": "contacts",
    "DealCreated": "deals",
    "DealStageChanged": "deals",
    "DealWon": "deals",
    "DealLost": "deals",
}
"""Event types a rule may wait for, and the service (topic) that publishes each."""

ACTOR_FIELDS: Final = (
    "assigned_by",
    "changed_by",
    "created_by",
    "qualified_by",
    "converted_by",
    "opened_by",
    "logged_by",
    "resolved_by",
    "closed_by",
)
"""Fields of event data that name who caused the event."""

SERVICE_ACTOR_PREFIX: Final = "service:"


class Op(StrEnum):
    """Comparison of a condition."""

    EQ = "eq"
    NE = "ne"
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS = "contains"
    EXISTS = "exists"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"


_MISSING: Final = object()


def lookup(data: Mapping[str, Any], path: str) -> Any:
    """The value at dotted ``path`` in ``data``, or a sentinel when absent."""
    value: Any = data
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _as_text(value: Any) -> Any:
    """A value as a form's text compares: yes/no as "true"/"false", numbers canonical."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = value.strip().casefold()
        try:
            return repr(float(text))
        except ValueError:
            return text
    if isinstance(value, int | float):
        return repr(float(value))
    return value


def _same(actual: Any, expected: Any) -> bool:
    """Equal as a rule written in a form means it: text without case, and text equal to the
    number or yes/no it spells ("42" is 42, "true" is True), as ordered comparisons read
    numeric text as numbers."""
    if isinstance(actual, str) and isinstance(expected, str):
        return actual.casefold() == expected.casefold()
    if isinstance(actual, str) or isinstance(expected, str):
        return bool(_as_text(actual) == _as_text(expected))
    if isinstance(actual, bool) != isinstance(expected, bool):
        return False  # yes/no is not the number 1 or 0
    return bool(actual == expected)


def _ordered(left: Any, right: Any) -> tuple[Any, Any] | None:
    """Both sides as comparable numbers (numeric strings too) or strings, else None."""
    try:
        if isinstance(left, bool) or isinstance(right, bool):
            return None
        return float(left), float(right)
    except (TypeError, ValueError):
        if isinstance(left, str) and isinstance(right, str):
            return left, right
        return None


def condition_holds(data: Mapping[str, Any], field: str, op: Op, value: Any) -> bool:
    """Whether one condition holds; strings compare without regard to case."""
    actual = lookup(data, field)
    if op is Op.EXISTS:
        present = actual is not _MISSING and actual is not None
        return present if value is None or bool(value) else not present
    if actual is _MISSING:
        return op in (Op.NE, Op.NOT_IN)
    if op in (Op.EQ, Op.NE):
        equal = _same(actual, value)
        return equal if op is Op.EQ else not equal
    if op in (Op.IN, Op.NOT_IN):
        options = value if isinstance(value, list) else [value]
        actuals = actual if isinstance(actual, list) else [actual]
        inside = any(_same(a, o) for a in actuals for o in options)
        return inside if op is Op.IN else not inside
    if op is Op.CONTAINS:
        if isinstance(actual, list):
            return any(_same(a, value) for a in actual)
        return isinstance(actual, str) and str(value).casefold() in actual.casefold()
    pair = _ordered(actual, value)
    if pair is None:
        return False
    left, right = pair
    outcomes: dict[Op, bool] = {
        Op.GT: left > right,
        Op.GTE: left >= right,
        Op.LT: left < right,
        Op.LTE: left <= right,
    }
    return outcomes[op]


def matches(data: Mapping[str, Any], conditions: Sequence[Mapping[str, Any]]) -> bool:
    """Whether every condition holds (no conditions: every event of the type matches)."""
    return all(condition_holds(data, c["field"], Op(c["op"]), c.get("value")) for c in conditions)


def caused_by_automation(data: Mapping[str, Any]) -> bool:
    """True when a platform service (an automation's action) caused the event: such events
    never trigger rules, so "assign on LeadAssigned" cannot loop."""
    return any(
        isinstance(actor := data.get(name), str) and actor.startswith(SERVICE_ACTOR_PREFIX)
        for name in ACTOR_FIELDS
    )


def recipient(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The person an e-mail action writes to: the event's lead or contact (a converted
    lead's contact too), with ``lead_id`` and ``contact_id`` from the event where it has
    them; None when there is nobody with an e-mail address."""
    for key in ("lead", "contact"):
        person = data.get(key)
        if isinstance(person, Mapping) and person.get("email"):
            found = dict(person)
            for id_key in ("lead_id", "contact_id"):
                found[id_key] = found.get(id_key) or data.get(id_key)
            return found
    return None
