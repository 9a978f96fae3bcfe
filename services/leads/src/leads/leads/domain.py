"""Pure business rules of the leads service: status transitions, conversion guard, scoring,
search values, merging and round-robin assignment. Nothing here does I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Final

from crm_shared.fields import CUSTOM_MAX_KEYS, NOTES_MAX_LENGTH, TAGS_MAX_ITEMS
from crm_shared.phone_search import phone_search_values
from leads.schemas import (
    LEAD_BASE_FIELDS,
    LeadSource,
    LeadStatus,
    Rating,
    ScoreReason,
    ScoringConfig,
    ScoringOp,
    ScoringRule,
)

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


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """Outcome of ``score_lead``: clamped score, rating and the rules that fired."""

    score: int
    rating: Rating
    reasons: list[ScoreReason] = field(default_factory=list)

    def reasons_as_dicts(self) -> list[dict[str, Any]]:
        """Reasons as plain dicts (``rule_id``, ``name``, ``points``) for storage."""
        return [reason.model_dump() for reason in self.reasons]


FREE_MAIL_DOMAINS: Final = (
    "gmail.com",
    "yahoo.com",
    "yahoo.co.id",
    "hotmail.com",
    "outlook.com",
    "ymail.com",
)


def _rule(
    rule_id: str, name: str, field_: str, op: ScoringOp, value: Any, points: int
) -> ScoringRule:
    return ScoringRule(id=rule_id, name=name, field=field_, op=op, value=value, points=points)


_DECISION_MAKER_WORDS: Final = (
    ("director", "direktur"),
    ("manager", "manajer"),
    ("owner", "pemilik"),
)

DEFAULT_SCORING: Final = ScoringConfig(
    rules=[
        _rule("source-referral", "Referral", "source", ScoringOp.EQ, "referral", 20),
        _rule("source-partner", "Partner", "source", ScoringOp.EQ, "partner", 15),
        _rule("source-web", "Web form", "source", ScoringOp.EQ, "web", 10),
        _rule("has-phone", "Has phone", "phone", ScoringOp.EXISTS, None, 10),
        _rule("has-email", "Has e-mail", "email", ScoringOp.EXISTS, None, 10),
        _rule("has-company", "Has company", "company", ScoringOp.EXISTS, None, 10),
        _rule("has-website", "Has website", "website", ScoringOp.EXISTS, None, 5),
        *(
            _rule(f"title-{word}", f"Title: {word}", "title", ScoringOp.CONTAINS, word, 15)
            for pair in _DECISION_MAKER_WORDS
            for word in pair
        ),
        _rule(
            "free-mail",
            "Free e-mail domain",
            "email_domain",
            ScoringOp.IN,
            list(FREE_MAIL_DOMAINS),
            -10,
        ),
    ],
    hot_threshold=70,
    warm_threshold=40,
    junk_below=None,
)
"""Default scoring used until a tenant configures its own.

Source: referral +20, partner +15, web +10. Completeness: phone +10, e-mail +10, company +10,
website +5. Decision makers: a title containing director/direktur, manager/manajer or
owner/pemilik gives +15 per matching word (English and Indonesian). A free-mail domain
(gmail.com, yahoo.com, yahoo.co.id, hotmail.com, outlook.com, ymail.com) gives -10.
So a referred director with phone, business e-mail, company and website reaches hot (70); a
complete web lead with a manager title is warm (55); a bare gmail sign-up is cold.
"""


def _lookup(lead: Mapping[str, Any], field_name: str) -> Any:
    if field_name == "email_domain":
        email = lead.get("email")
        if isinstance(email, str) and "@" in email:
            return email.rsplit("@", 1)[1].lower()
        return None
    if field_name.startswith("custom."):
        custom = lead.get("custom")
        return custom.get(field_name[len("custom.") :]) if isinstance(custom, Mapping) else None
    return lead.get(field_name)


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple | set | frozenset | Mapping):
        return len(value) == 0
    return False


def _fold(value: Any) -> Any:
    if isinstance(value, str):
        return value.casefold()
    return value


def _scalar_eq(actual: Any, expected: Any) -> bool:
    if isinstance(actual, bool) or isinstance(expected, bool):
        return isinstance(actual, bool) and isinstance(expected, bool) and actual is expected
    if isinstance(actual, str) and isinstance(expected, str):
        return actual.casefold() == expected.casefold()
    number_a, number_e = _as_number(actual), _as_number(expected)
    if number_a is not None and number_e is not None:
        return number_a == number_e
    return bool(_fold(actual) == _fold(expected))


def _as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal | str):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _items(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple | set | frozenset) else [value]


def rule_matches(lead: Mapping[str, Any], rule: ScoringRule) -> bool:
    """Whether ``rule`` holds for ``lead`` (see ``score_lead`` for operator semantics)."""
    actual = _lookup(lead, rule.field)
    expected = rule.value
    op = rule.op
    if op is ScoringOp.EXISTS:
        return not _is_empty(actual)
    if op is ScoringOp.NOT_EXISTS:
        return _is_empty(actual)
    if op in (ScoringOp.EQ, ScoringOp.NE):
        hit = actual is not None and any(_scalar_eq(item, expected) for item in _items(actual))
        return hit if op is ScoringOp.EQ else not hit
    if op in (ScoringOp.IN, ScoringOp.NOT_IN):
        options = {str(option).casefold() for option in _items(expected)}
        hit = actual is not None and any(
            item is not None and str(item).casefold() in options for item in _items(actual)
        )
        return hit if op is ScoringOp.IN else not hit
    if op is ScoringOp.CONTAINS:
        needle = str(expected).casefold()
        if isinstance(actual, str):
            return needle in actual.casefold()
        if isinstance(actual, list | tuple | set | frozenset):
            return any(isinstance(item, str) and item.casefold() == needle for item in actual)
        return False
    # GTE / LTE
    number, bound = _as_number(actual), _as_number(expected)
    if number is None or bound is None:
        return False
    return number >= bound if op is ScoringOp.GTE else number <= bound


def rating_for(score: int, config: ScoringConfig, *, junk: bool = False) -> Rating:
    """Rating of a (clamped) score under ``config``; ``junk`` is the user's junk flag."""
    if junk or (config.junk_below is not None and score < config.junk_below):
        return Rating.JUNK
    if score >= config.hot_threshold:
        return Rating.HOT
    if score >= config.warm_threshold:
        return Rating.WARM
    return Rating.COLD


def score_lead(lead: Mapping[str, Any], config: ScoringConfig = DEFAULT_SCORING) -> ScoreResult:
    """Score a lead document with ``config``.

    Every rule whose condition holds adds its points; the sum is clamped to 0..100.
    Fields: plain lead keys, ``custom.<key>`` and ``email_domain`` (the part after ``@``).
    Operators: ``eq``/``ne`` compare case-insensitively (for a list field such as tags: any
    item); ``in``/``not_in`` test case-insensitive membership in the rule's list;
    ``contains`` is a substring test on strings and an item test on lists; ``exists`` /
    ``not_exists`` test for a non-empty value; ``gte``/``lte`` compare numbers (numeric
    strings count, anything else never matches). A missing value satisfies ``ne``,
    ``not_in`` and ``not_exists`` only.
    Rating: junk when the lead's ``junk`` flag is set or the score is below ``junk_below``;
    otherwise hot / warm / cold by the thresholds.
    """
    total = 0
    reasons: list[ScoreReason] = []
    for rule in config.rules:
        if rule_matches(lead, rule):
            total += rule.points
            reasons.append(ScoreReason(rule_id=rule.id, name=rule.name, points=rule.points))
    score = max(0, min(100, total))
    rating = rating_for(score, config, junk=bool(lead.get("junk")))
    return ScoreResult(score=score, rating=rating, reasons=reasons)


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
            if not _is_empty(mine) and not _is_empty(theirs):
                text = f"{mine}\n\nMerged from {_lead_id(source)}: {theirs}"
                merged[name] = text[:NOTES_MAX_LENGTH]
            else:
                merged[name] = theirs if _is_empty(mine) else mine
        elif name == "custom":
            custom: dict[str, Any] = dict(mine or {})
            for key, value in (theirs or {}).items():
                if key not in custom and len(custom) < CUSTOM_MAX_KEYS:
                    custom[key] = value
            merged[name] = custom
        elif name == "source":
            if not _is_empty(theirs) and (_is_empty(mine) or mine == LeadSource.OTHER):
                merged[name] = theirs
            else:
                merged[name] = LeadSource.OTHER if _is_empty(mine) else mine
        elif name == "junk":
            merged[name] = bool(mine)
        else:
            merged[name] = theirs if _is_empty(mine) else mine
    return merged


# --------------------------------------------------------------------------- assignment


def pick_round_robin(owners: Sequence[str], counter: int) -> str:
    """Owner for the ``counter``-th round-robin assignment (``owners[counter % len]``);
    ``counter`` comes from an atomic ``$inc`` on the tenant's round-robin document."""
    if not owners:
        raise DomainError("no round-robin owners configured")
    return owners[counter % len(owners)]
