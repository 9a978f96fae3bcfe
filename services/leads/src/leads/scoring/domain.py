"""Pure rules of lead scoring and assignment: ratings, the scoring rules and how a lead is
scored by them, the default rule set, and round-robin owner picking. Nothing here does I/O.

Scoring reads rules through the :class:`Rule` and :class:`RuleSet` protocols, so the rules a
tenant configured (``leads.scoring.schemas.ScoringConfig``) and the built-in default
(:data:`DEFAULT_SCORING`) score alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Final, Protocol

from leads.leads.domain import DomainError, is_empty

# --------------------------------------------------------------------------- values


class Rating(StrEnum):
    """Rating derived from the score (see ``leads.scoring.domain.score_lead``)."""

    HOT = "hot"
    WARM = "warm"
    COLD = "cold"
    JUNK = "junk"


class ScoringOp(StrEnum):
    """Operators of a scoring rule. There is deliberately no regex operator (ReDoS)."""

    EQ = "eq"
    NE = "ne"
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS = "contains"
    EXISTS = "exists"
    NOT_EXISTS = "not_exists"
    GTE = "gte"
    LTE = "lte"


class Rule(Protocol):
    """What scoring reads of one rule: when ``field op value`` holds, ``points`` are added."""

    @property
    def id(self) -> str | None:
        """Stable id of the rule (named in the score reasons)."""
        ...

    @property
    def name(self) -> str:
        """Human name of the rule."""
        ...

    @property
    def field(self) -> str:
        """The lead field tested: a plain key, ``custom.<key>`` or ``email_domain``."""
        ...

    @property
    def op(self) -> ScoringOp:
        """The test."""
        ...

    @property
    def value(self) -> Any:
        """The operand (none for ``exists`` / ``not_exists``)."""
        ...

    @property
    def points(self) -> int:
        """Points added when the rule holds (may be negative)."""
        ...


class RuleSet(Protocol):
    """What scoring reads of a tenant's rules: the rules and the rating thresholds."""

    @property
    def rules(self) -> Sequence[Rule]:
        """The rules, in order."""
        ...

    @property
    def hot_threshold(self) -> int:
        """Lowest hot score."""
        ...

    @property
    def warm_threshold(self) -> int:
        """Lowest warm score."""
        ...

    @property
    def junk_below(self) -> int | None:
        """Scores below this are junk (``None``: never by score)."""
        ...


@dataclass(frozen=True, slots=True)
class BuiltinRule:
    """A rule spelled out in code (the default rule set)."""

    id: str | None
    name: str
    field: str
    op: ScoringOp
    value: Any
    points: int


@dataclass(frozen=True, slots=True)
class BuiltinRuleSet:
    """A rule set spelled out in code (the default rule set)."""

    rules: tuple[BuiltinRule, ...]
    hot_threshold: int = 70
    warm_threshold: int = 40
    junk_below: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The stored (and JSON) shape of the rule set."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ScoreReason:
    """A scoring rule that fired."""

    rule_id: str | None
    name: str
    points: int


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True, slots=True)
class ScoreResult:
    """Outcome of ``score_lead``: clamped score, rating and the rules that fired."""

    score: int
    rating: Rating
    reasons: list[ScoreReason] = field(default_factory=list)

    def reasons_as_dicts(self) -> list[dict[str, Any]]:
        """Reasons as plain dicts (``rule_id``, ``name``, ``points``) for storage."""
        return [asdict(reason) for reason in self.reasons]


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
) -> BuiltinRule:
    return BuiltinRule(id=rule_id, name=name, field=field_, op=op, value=value, points=points)


_DECISION_MAKER_WORDS: Final = (
    ("director", "direktur"),
    ("manager", "manajer"),
    ("owner", "pemilik"),
)

DEFAULT_SCORING: Final = BuiltinRuleSet(
    rules=(
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
    ),
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


def rule_matches(lead: Mapping[str, Any], rule: Rule) -> bool:
    """Whether ``rule`` holds for ``lead`` (see ``score_lead`` for operator semantics)."""
    actual = _lookup(lead, rule.field)
    expected = rule.value
    op = rule.op
    if op is ScoringOp.EXISTS:
        return not is_empty(actual)
    if op is ScoringOp.NOT_EXISTS:
        return is_empty(actual)
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


def rating_for(score: int, config: RuleSet, *, junk: bool = False) -> Rating:
    """Rating of a (clamped) score under ``config``; ``junk`` is the user's junk flag."""
    if junk or (config.junk_below is not None and score < config.junk_below):
        return Rating.JUNK
    if score >= config.hot_threshold:
        return Rating.HOT
    if score >= config.warm_threshold:
        return Rating.WARM
    return Rating.COLD


def score_lead(lead: Mapping[str, Any], config: RuleSet = DEFAULT_SCORING) -> ScoreResult:
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


# --------------------------------------------------------------------------- assignment


def pick_round_robin(owners: Sequence[str], counter: int) -> str:
    """Owner for the ``counter``-th round-robin assignment (``owners[counter % len]``);
    ``counter`` comes from an atomic ``$inc`` on the tenant's round-robin document."""
    if not owners:
        raise DomainError("no round-robin owners configured")
    return owners[counter % len(owners)]
