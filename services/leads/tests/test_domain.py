"""Unit tests of the pure lead rules."""

from __future__ import annotations

from itertools import product
from typing import Any

import pytest

from crm_shared.phone_search import phone_search_values
from crm_shared.search import anchor_key, search_keys, search_text, text_matches
from leads.leads.domain import (
    ALLOWED_TRANSITIONS,
    LEAD_BASE_FIELDS,
    AlreadyConverted,
    DomainError,
    LeadStatus,
    ReasonRequired,
    TransitionError,
    check_convertible,
    check_transition,
    lead_search_values,
    merge_fields,
)
from leads.leads.schemas import LeadCreate
from leads.scoring.domain import (
    DEFAULT_SCORING,
    FREE_MAIL_DOMAINS,
    Rating,
    ScoreResult,
    ScoringOp,
    pick_round_robin,
    rating_for,
    rule_matches,
    score_lead,
)
from leads.scoring.schemas import ScoringConfig, ScoringRule

S = LeadStatus

# --------------------------------------------------------------------------- transitions

EXPECTED = {
    (S.NEW, S.CONTACTED),
    (S.NEW, S.QUALIFIED),
    (S.NEW, S.UNQUALIFIED),
    (S.CONTACTED, S.QUALIFIED),
    (S.CONTACTED, S.UNQUALIFIED),
    (S.QUALIFIED, S.CONTACTED),
    (S.QUALIFIED, S.UNQUALIFIED),
    (S.UNQUALIFIED, S.NEW),
    (S.UNQUALIFIED, S.CONTACTED),
}


def test_transition_table() -> None:
    table = {(a, b) for a, targets in ALLOWED_TRANSITIONS.items() for b in targets}
    assert table == EXPECTED
    assert ALLOWED_TRANSITIONS[S.CONVERTED] == frozenset()
    assert set(ALLOWED_TRANSITIONS) == set(LeadStatus)


@pytest.mark.parametrize(("current", "target"), list(product(LeadStatus, LeadStatus)))
def test_check_transition_all_pairs(current: LeadStatus, target: LeadStatus) -> None:
    if (current, target) in EXPECTED:
        check_transition(current, target, "no budget")
    else:
        with pytest.raises(TransitionError):
            check_transition(current, target, "no budget")


def test_transition_messages() -> None:
    with pytest.raises(TransitionError, match="cannot move a lead from converted to contacted"):
        check_transition(S.CONVERTED, S.CONTACTED, None)
    with pytest.raises(TransitionError, match="already qualified"):
        check_transition(S.QUALIFIED, S.QUALIFIED, None)
    with pytest.raises(TransitionError, match="convert action"):
        check_transition(S.QUALIFIED, S.CONVERTED, None)
    with pytest.raises(TransitionError, match="from contacted to new") as exc:
        check_transition(S.CONTACTED, S.NEW)
    assert isinstance(exc.value, DomainError)
    assert exc.value.message == "cannot move a lead from contacted to new"


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_unqualified_requires_reason(reason: str | None) -> None:
    with pytest.raises(ReasonRequired, match="reason"):
        check_transition(S.NEW, S.UNQUALIFIED, reason)


def test_reopen_from_unqualified_needs_no_reason() -> None:
    check_transition(S.UNQUALIFIED, S.NEW, None)
    check_transition(S.UNQUALIFIED, S.CONTACTED, None)


@pytest.mark.parametrize("status", [S.NEW, S.CONTACTED, S.QUALIFIED])
def test_convertible(status: LeadStatus) -> None:
    check_convertible(status)


def test_not_convertible() -> None:
    with pytest.raises(AlreadyConverted):
        check_convertible(S.CONVERTED)
    with pytest.raises(TransitionError, match="reopen the lead before converting"):
        check_convertible(S.UNQUALIFIED)
    assert issubclass(AlreadyConverted, DomainError)
    assert issubclass(ReasonRequired, DomainError)


# --------------------------------------------------------------------------- scoring


def _rule(field: str, op: str, value: Any = None, points: int = 10, rid: str = "r") -> ScoringRule:
    return ScoringRule.model_validate(
        {"id": rid, "name": f"{field} {op}", "field": field, "op": op, "value": value,
         "points": points}
    )  # fmt: skip


LEAD: dict[str, Any] = {
    "first_name": "Andi",
    "last_name": "Wijaya",
    "email": "andi@Contoh.co.id",
    "phone": "+6281234567890",
    "company": "PT Contoh Jaya",
    "title": "Direktur Utama",
    "website": None,
    "source": "referral",
    "campaign_id": "",
    "tags": ["vip", "jakarta"],
    "custom": {"employees": 25, "revenue": "1500.5", "pkp": True, "segment": "Retail"},
    "junk": False,
}


@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        ("source", "eq", "REFERRAL", True),
        ("source", "eq", "web", False),
        ("source", "ne", "web", True),
        ("source", "ne", "Referral", False),
        ("website", "ne", "x", True),  # missing value is "not equal"
        ("website", "eq", "x", False),
        ("tags", "eq", "VIP", True),
        ("tags", "ne", "vip", False),
        ("custom.pkp", "eq", True, True),
        ("custom.pkp", "eq", False, False),
        ("custom.employees", "eq", 25, True),
        ("custom.employees", "eq", True, False),
        ("custom.segment", "eq", "retail", True),
        ("source", "in", ["web", "Referral"], True),
        ("source", "in", ["web", "event"], False),
        ("source", "not_in", ["web", "event"], True),
        ("source", "not_in", ["referral"], False),
        ("email_domain", "in", ["contoh.co.id"], True),
        ("email_domain", "not_in", list(FREE_MAIL_DOMAINS), True),
        ("tags", "in", ["jakarta", "bandung"], True),
        ("tags", "not_in", ["bandung"], True),
        ("website", "in", ["x"], False),
        ("website", "not_in", ["x"], True),
        ("title", "contains", "direktur", True),
        ("title", "contains", "UTAMA", True),
        ("title", "contains", "manager", False),
        ("company", "contains", "contoh", True),
        ("tags", "contains", "vip", True),
        ("tags", "contains", "vi", False),  # list membership, not substring
        ("website", "contains", "x", False),
        ("phone", "exists", None, True),
        ("website", "exists", None, False),
        ("campaign_id", "exists", None, False),  # empty string is empty
        ("campaign_id", "not_exists", None, True),
        ("tags", "exists", None, True),
        ("phone", "not_exists", None, False),
        ("custom.missing", "not_exists", None, True),
        ("custom.employees", "gte", 25, True),
        ("custom.employees", "gte", 26, False),
        ("custom.employees", "lte", 25.0, True),
        ("custom.employees", "lte", 10, False),
        ("custom.revenue", "gte", 1000, True),  # numeric string
        ("custom.segment", "gte", 1, False),  # not a number
        ("custom.pkp", "gte", 0, False),  # booleans are not numbers
        ("custom.missing", "lte", 0, False),
    ],
)
def test_rule_ops(field: str, op: str, value: Any, expected: bool) -> None:
    assert rule_matches(LEAD, _rule(field, op, value)) is expected


def test_email_domain_missing_or_malformed() -> None:
    rule = _rule("email_domain", "exists")
    assert rule_matches({"email": "no-at-sign"}, rule) is False
    assert rule_matches({}, rule) is False
    assert rule_matches({"custom": None}, _rule("custom.a", "not_exists")) is True


def test_score_sums_clamps_and_reasons() -> None:
    config = ScoringConfig(
        rules=[
            _rule("source", "eq", "referral", 60, "a"),
            _rule("phone", "exists", None, 30, "b"),
            _rule("title", "contains", "direktur", 30, "c"),
            _rule("website", "exists", None, 50, "d"),  # does not fire
        ]
    )
    result = score_lead(LEAD, config)
    assert isinstance(result, ScoreResult)
    assert result.score == 100  # 120 clamped
    assert result.rating is Rating.HOT
    assert [(r.rule_id, r.points) for r in result.reasons] == [("a", 60), ("b", 30), ("c", 30)]
    assert result.reasons_as_dicts()[0] == {"rule_id": "a", "name": "source eq", "points": 60}


def test_score_negative_clamped_to_zero() -> None:
    config = ScoringConfig(rules=[_rule("phone", "exists", None, -100)])
    assert score_lead(LEAD, config).score == 0


@pytest.mark.parametrize(
    ("points", "junk_below", "junk_flag", "rating"),
    [
        (70, None, False, Rating.HOT),
        (69, None, False, Rating.WARM),
        (40, None, False, Rating.WARM),
        (39, None, False, Rating.COLD),
        (0, None, False, Rating.COLD),
        (9, 10, False, Rating.JUNK),
        (10, 10, False, Rating.COLD),
        (90, None, True, Rating.JUNK),
        (90, 10, True, Rating.JUNK),
    ],
)
def test_thresholds_and_junk(
    points: int, junk_below: int | None, junk_flag: bool, rating: Rating
) -> None:
    config = ScoringConfig(rules=[_rule("phone", "exists", None, points)], junk_below=junk_below)
    lead = {**LEAD, "junk": junk_flag}
    result = score_lead(lead, config)
    assert result.score == points
    assert result.rating is rating
    assert rating_for(points, config, junk=junk_flag) is rating


def test_custom_thresholds() -> None:
    config = ScoringConfig(hot_threshold=50, warm_threshold=20)
    assert rating_for(50, config) is Rating.HOT
    assert rating_for(20, config) is Rating.WARM
    assert rating_for(19, config) is Rating.COLD


def test_no_rules_is_cold_zero() -> None:
    result = score_lead({}, ScoringConfig())
    assert (result.score, result.rating, result.reasons) == (0, Rating.COLD, [])


def test_default_scoring() -> None:
    hot = score_lead(LEAD | {"website": "https://contoh.co.id"})
    # referral 20 + phone 10 + email 10 + company 10 + website 5 + direktur 15
    assert hot.score == 70
    assert hot.rating is Rating.HOT
    warm = score_lead(
        {"source": "web", "phone": "+62811", "email": "b@toko.id", "company": "Toko",
         "title": "Sales Manager"}
    )  # fmt: skip
    assert (warm.score, warm.rating) == (55, Rating.WARM)
    cold = score_lead({"source": "web", "email": "x@gmail.com"})
    assert (cold.score, cold.rating) == (10, Rating.COLD)
    assert "free-mail" in {r.rule_id for r in cold.reasons}
    assert score_lead({"email": "x@YAHOO.CO.ID"}).score == 0
    assert DEFAULT_SCORING.junk_below is None


def test_score_accepts_lead_model_dump() -> None:
    lead = LeadCreate(last_name="W", source="referral", phone="0812-3456-7890").model_dump()
    assert score_lead(lead).score == 30


# --------------------------------------------------------------------------- search


def test_phone_search_values() -> None:
    assert phone_search_values("+6281234567890") == ["6281234567890", "081234567890"]
    assert phone_search_values(None) == []
    lead = {"first_name": "Andi", "last_name": "Wijaya", "phone": "+6281234567890", "notes": "x"}
    values = lead_search_values(lead)
    assert values == ["Andi", "Wijaya", "6281234567890", "081234567890"]
    keys, text = set(search_keys(values)), search_text(values)
    for typed in ("0812-3456", "0812 3456 7890", "+62812", "62 812 345"):
        assert anchor_key(typed) in keys
        assert text_matches(text, typed)
    assert not text_matches(text, "7890")  # word prefixes, not substrings


# --------------------------------------------------------------------------- merge


def test_merge_fields() -> None:
    target = {
        "id": "T",
        "first_name": None,
        "last_name": "Wijaya",
        "email": "",
        "phone": "+6281234567890",
        "company": None,
        "source": "other",
        "tags": ["vip", "jakarta"],
        "notes": "Met at expo.",
        "custom": {"segment": "retail", "size": 10},
        "junk": False,
        "score": 10,
        "status": "new",
    }
    source = {
        "id": "S",
        "first_name": "Andi",
        "last_name": "Wijoyo",
        "email": "andi@contoh.co.id",
        "phone": "+62215551234",
        "company": "PT Contoh",
        "source": "referral",
        "tags": ["jakarta", "b2b"],
        "notes": "Asked for pricing.",
        "custom": {"segment": "wholesale", "region": "jabar"},
        "junk": True,
        "score": 90,
    }
    merged = merge_fields(target, source)
    assert set(merged) == set(LEAD_BASE_FIELDS)
    assert merged["first_name"] == "Andi"
    assert merged["last_name"] == "Wijaya"
    assert merged["email"] == "andi@contoh.co.id"
    assert merged["phone"] == "+6281234567890"
    assert merged["company"] == "PT Contoh"
    assert merged["source"] == "referral"  # default "other" counts as empty
    assert merged["tags"] == ["vip", "jakarta", "b2b"]
    assert merged["notes"] == "Met at expo.\n\nMerged from S: Asked for pricing."
    assert merged["custom"] == {"segment": "retail", "size": 10, "region": "jabar"}
    assert merged["junk"] is False
    assert "score" not in merged
    assert "status" not in merged


def test_merge_notes_one_side_and_specific_source_kept() -> None:
    merged = merge_fields(
        {"last_name": "A", "source": "web", "notes": None},
        {"_id": "S2", "last_name": "B", "source": "referral", "notes": "n"},
    )
    assert merged["notes"] == "n"
    assert merged["source"] == "web"
    assert merge_fields({"last_name": "A", "notes": "t"}, {"last_name": "B"})["notes"] == "t"


def test_merge_caps() -> None:
    merged = merge_fields(
        {"last_name": "A", "tags": [f"a{i}" for i in range(30)], "notes": "x" * 4990,
         "custom": {f"a{i}": i for i in range(45)}},
        {"id": "S", "last_name": "B", "tags": [f"b{i}" for i in range(30)], "notes": "y" * 100,
         "custom": {f"b{i}": i for i in range(10)}},
    )  # fmt: skip
    assert len(merged["tags"]) == 50
    assert merged["tags"][:30] == [f"a{i}" for i in range(30)]
    assert len(merged["notes"]) == 5000
    assert len(merged["custom"]) == 50
    assert merged["source"] == "other"
    LeadCreate.model_validate(merged)  # still a valid lead


# --------------------------------------------------------------------------- round robin


def test_pick_round_robin() -> None:
    owners = ["u1", "u2", "u3"]
    assert [pick_round_robin(owners, n) for n in range(1, 8)] == [
        "u2",
        "u3",
        "u1",
        "u2",
        "u3",
        "u1",
        "u2",
    ]
    assert pick_round_robin(("only",), 12345) == "only"
    with pytest.raises(DomainError, match="no round-robin owners configured"):
        pick_round_robin([], 1)


def test_scoring_op_enum_has_no_regex() -> None:
    assert "regex" not in {op.value for op in ScoringOp}
