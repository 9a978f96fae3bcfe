"""Pure rules of leads: sources and statuses, status transitions, the conversion guard,
search values and merging. Nothing here does I/O."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from crm_shared.fields import CUSTOM_MAX_KEYS, NOTES_MAX_LENGTH, TAGS_MAX_ITEMS
from crm_shared.phone_search import phone_search_values

# --------------------------------------------------------------------------- values


class LeadSource(StrEnum):
    """Where a lead came from."""

    WEB = "web"
    REFERRAL = "referral"
    CAMPAIGN = "campaign"
    EVENT = "event"
    COLD_CALL = "cold_call"
    SOCIAL = "social"
    PARTNER = "partner"
    IMPORT = "import"
    OTHER = "other"


class LeadStatus(StrEnum):
    """Qualification life cycle of a lead (``converted`` is terminal)."""

    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    UNQUALIFIED = "unqualified"
    CONVERTED = "converted"


LEAD_BASE_FIELDS: Final[tuple[str, ...]] = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "title",
    "website",
    "source",
    "campaign_id",
    "tags",
    "notes",
    "custom",
    "junk",
)
"""Names of the user-editable lead fields, in declaration order (``LeadBase`` in
``leads.leads.schemas`` declares exactly these)."""


def is_empty(value: Any) -> bool:
    """Whether a field value counts as missing: ``None``, a blank string, an empty list or map."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | frozenset | Mapping):
        return len(value) == 0
    return False


# --------------------------------------------------------------------------- errors


class DomainError(Exception):
    """A business rule was violated; ``message`` is safe to show to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransitionError(DomainError):
    """The requested status change is not allowed."""


class ReasonRequired(DomainError):
    """Marking a lead unqualified needs a reason."""


class AlreadyConverted(DomainError):
    """The lead has already been converted."""


# --------------------------------------------------------------------------- status

ALLOWED_TRANSITIONS: Final[Mapping[LeadStatus, frozenset[LeadStatus]]] = MappingProxyType(
    {
        LeadStatus.NEW: frozenset(
            {LeadStatus.CONTACTED, LeadStatus.QUALIFIED, LeadStatus.UNQUALIFIED}
        ),
        LeadStatus.CONTACTED: frozenset({LeadStatus.QUALIFIED, LeadStatus.UNQUALIFIED}),
        LeadStatus.QUALIFIED: frozenset({LeadStatus.CONTACTED, LeadStatus.UNQUALIFIED}),
        LeadStatus.UNQUALIFIED: frozenset({LeadStatus.NEW, LeadStatus.CONTACTED}),
        LeadStatus.CONVERTED: frozenset(),
    }
)
"""Manual status changes. ``converted`` is reached only through ``check_convertible``."""

CONVERTIBLE_STATUSES: Final = frozenset(
    {LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED}
)


def check_transition(current: LeadStatus, target: LeadStatus, reason: str | None = None) -> None:
    """Raise ``TransitionError`` unless ``current -> target`` is allowed, and
    ``ReasonRequired`` when moving to ``unqualified`` without a non-blank reason."""
    if current == target:
        raise TransitionError(f"lead is already {current.value}")
    if target is LeadStatus.CONVERTED and current is not LeadStatus.CONVERTED:
        raise TransitionError("use the convert action to convert a lead")
    if target not in ALLOWED_TRANSITIONS[current]:
        raise TransitionError(f"cannot move a lead from {current.value} to {target.value}")
    if target is LeadStatus.UNQUALIFIED and not (reason and reason.strip()):
        raise ReasonRequired("a reason is required to mark a lead unqualified")


def check_convertible(status: LeadStatus) -> None:
    """Raise unless a lead in ``status`` may be converted (new, contacted or qualified)."""
    if status is LeadStatus.CONVERTED:
        raise AlreadyConverted("lead is already converted")
    if status not in CONVERTIBLE_STATUSES:
        raise TransitionError("reopen the lead before converting")


# --------------------------------------------------------------------------- search
#
# Word-prefix search (``crm_shared.search``): a lead is found by its names, e-mail, company,
# title and phone digits, international or national (``crm_shared.phone_search``).


SEARCH_FIELDS: Final = ("first_name", "last_name", "email", "company", "title")


def lead_search_values(lead: Mapping[str, Any]) -> list[str]:
    """The values a lead is found by: names, e-mail, company, title, and phone digits."""
    values = [v for name in SEARCH_FIELDS if isinstance(v := lead.get(name), str) and v]
    phone = lead.get("phone")
    values.extend(phone_search_values(phone if isinstance(phone, str) else None))
    return values


# --------------------------------------------------------------------------- merge


def _lead_id(lead: Mapping[str, Any]) -> str:
    return str(lead.get("id") or lead.get("_id") or "?")


def merge_fields(target: Mapping[str, Any], source: Mapping[str, Any]) -> dict[str, Any]:
    """Merged values of every user-editable field for the target lead (to ``$set``).

    For each field the target's non-empty value wins, else the source's (``source`` counts as
    empty when it is the default ``other``; ``junk`` is kept from the target). Tags are the
    union, target first, capped at 50. Notes: both texts joined as
    ``"<target>\\n\\nMerged from <source id>: <source>"`` (cut at 5000 characters). Custom
    fields: source overlaid by target, capped at 50 keys (target keys kept first). Status,
    score, rating and owner are not merged: the caller recomputes the score.
    """
    merged: dict[str, Any] = {}
    for name in LEAD_BASE_FIELDS:
        mine, theirs = target.get(name), source.get(name)
        if name == "tags":
            tags = list(dict.fromkeys([*(mine or []), *(theirs or [])]))
            merged[name] = tags[:TAGS_MAX_ITEMS]
        elif name == "notes":
            if not is_empty(mine) and not is_empty(theirs):
                text = f"{mine}\n\nMerged from {_lead_id(source)}: {theirs}"
                merged[name] = text[:NOTES_MAX_LENGTH]
            else:
                merged[name] = theirs if is_empty(mine) else mine
        elif name == "custom":
            custom: dict[str, Any] = dict(mine or {})
            for key, value in (theirs or {}).items():
                if key not in custom and len(custom) < CUSTOM_MAX_KEYS:
                    custom[key] = value
            merged[name] = custom
        elif name == "source":
            if not is_empty(theirs) and (is_empty(mine) or mine == LeadSource.OTHER):
                merged[name] = theirs
            else:
                merged[name] = LeadSource.OTHER if is_empty(mine) else mine
        elif name == "junk":
            merged[name] = bool(mine)
        else:
            merged[name] = theirs if is_empty(mine) else mine
    return merged
