"""Pure rules: e-mails, merge, stats, case transitions and SLA, RFM and CLV."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from contacts.cases.domain import (
    CASE_TRANSITIONS,
    CaseStatus,
    DomainError,
    check_case_transition,
    ends_case,
    sla_breached,
    sla_due_at,
)
from contacts.contacts.domain import (
    CONTACT_FIELDS,
    contact_emails,
    converted_stage,
    merge_contacts,
)
from contacts.contacts.schemas import ContactCreate
from contacts.purchases.domain import (
    SEGMENTS,
    DealOutcome,
    breakpoints,
    fm_score,
    historical_clv,
    purchase_stats,
    quintile_cuts,
    quintile_score,
    rfm_segment,
    score_customer,
    segment_of,
    stage_after_stats,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def test_contact_emails_primary_first_and_unique() -> None:
    assert contact_emails("a@x.co", ["b@x.co", "a@x.co"]) == ("a@x.co", ["a@x.co", "b@x.co"])
    assert contact_emails(None, ["b@x.co"]) == ("b@x.co", ["b@x.co"])
    assert contact_emails(None, []) == (None, [])


def test_contact_fields_are_the_create_body() -> None:
    assert tuple(ContactCreate.model_fields) == CONTACT_FIELDS


def test_merge_fills_blanks_and_unions() -> None:
    target = {
        "_id": "con_t",
        "first_name": None,
        "last_name": "Wijaya",
        "email": "t@x.co",
        "emails": ["t@x.co"],
        "phones": ["+6281111111111"],
        "tags": ["vip"],
        "custom": {"tier": "gold"},
        "notes": "first",
        "lifecycle_stage": "lead",
        "do_not_contact": False,
    }
    source = {
        "_id": "con_s",
        "first_name": "Andi",
        "last_name": "W",
        "email": "s@x.co",
        "emails": ["s@x.co", "t@x.co"],
        "phones": ["+6282222222222"],
        "tags": ["new", "vip"],
        "custom": {"tier": "silver", "city": "bdg"},
        "notes": "second",
        "lifecycle_stage": "customer",
        "do_not_contact": True,
        "source_lead_id": "lead_1",
    }
    merged = merge_contacts(target, source)
    assert merged["first_name"] == "Andi" and merged["last_name"] == "Wijaya"
    assert merged["email"] == "t@x.co" and merged["emails"] == ["t@x.co", "s@x.co"]
    assert merged["phones"] == ["+6281111111111", "+6282222222222"]
    assert merged["tags"] == ["vip", "new"]
    assert merged["custom"] == {"tier": "gold", "city": "bdg"}
    assert merged["notes"] == "first\n\nMerged from con_s: second"
    assert merged["lifecycle_stage"] == "customer"
    assert merged["do_not_contact"] is True
    assert merged["source_lead_id"] == "lead_1"


def test_stages() -> None:
    assert converted_stage("lead") == "prospect"
    assert converted_stage("customer") == "customer"
    assert stage_after_stats("prospect", 1) == "customer"
    assert stage_after_stats("customer", 0) == "customer"


def test_purchase_stats() -> None:
    outcomes = [
        DealOutcome(True, Decimal("100.50"), "IDR", T0),
        DealOutcome(True, Decimal(50), "USD", T0 + timedelta(days=3)),
        DealOutcome(True, Decimal("9.50"), "IDR", T0 + timedelta(days=1)),
        DealOutcome(False, Decimal(999), "IDR", T0 + timedelta(days=9)),
    ]
    stats = purchase_stats(outcomes, "IDR")
    assert stats["purchase_count"] == 3
    assert stats["purchase_totals"] == {"IDR": Decimal(110), "USD": Decimal(50)}
    assert stats["purchase_total"] == Decimal(110)
    assert stats["first_purchase_at"] == T0
    assert stats["last_purchase_at"] == T0 + timedelta(days=3)
    assert stats["lost_deals"] == 1
    assert purchase_stats([], "IDR")["purchase_count"] == 0


@pytest.mark.parametrize(
    ("current", "target", "ok"),
    [
        (CaseStatus.NEW, CaseStatus.OPEN, True),
        (CaseStatus.OPEN, CaseStatus.PENDING, True),
        (CaseStatus.PENDING, CaseStatus.OPEN, True),
        (CaseStatus.OPEN, CaseStatus.RESOLVED, True),
        (CaseStatus.RESOLVED, CaseStatus.OPEN, True),
        (CaseStatus.RESOLVED, CaseStatus.CLOSED, True),
        (CaseStatus.RESOLVED, CaseStatus.PENDING, False),
        (CaseStatus.CLOSED, CaseStatus.OPEN, False),
        (CaseStatus.OPEN, CaseStatus.NEW, False),
        (CaseStatus.OPEN, CaseStatus.OPEN, False),
    ],
)
def test_case_transitions(current: CaseStatus, target: CaseStatus, ok: bool) -> None:
    if ok:
        check_case_transition(current, target)
    else:
        with pytest.raises(DomainError):
            check_case_transition(current, target)
    assert not CASE_TRANSITIONS[CaseStatus.CLOSED]


def test_ends_case_and_sla() -> None:
    assert ends_case(CaseStatus.OPEN, CaseStatus.RESOLVED)
    assert ends_case(CaseStatus.OPEN, CaseStatus.CLOSED)
    assert not ends_case(CaseStatus.RESOLVED, CaseStatus.CLOSED)
    hours = {"low": 72, "medium": 24, "high": 8, "urgent": 2}
    due = sla_due_at(T0, "urgent", hours)
    assert due == T0 + timedelta(hours=2)
    assert not sla_breached(due, due)
    assert sla_breached(due + timedelta(seconds=1), due)


def test_quintiles_on_a_spread() -> None:
    values = [float(v) for v in range(1, 11)]
    cuts = quintile_cuts(values)
    assert cuts == (3.0, 5.0, 7.0, 9.0)
    assert [quintile_score(v, cuts) for v in values] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_quintiles_with_few_customers_and_ties() -> None:
    assert quintile_score(7, quintile_cuts([7])) == 3, "a lone customer is in the middle"
    two = quintile_cuts([1, 9])
    assert (quintile_score(1, two), quintile_score(9, two)) == (2, 4)
    everyone_once = quintile_cuts([1.0] * 8)
    assert quintile_score(1, everyone_once) == 3
    mostly_once = quintile_cuts([1, 1, 1, 1, 1, 1, 2, 3, 4, 5])
    assert quintile_score(1, mostly_once) == 2
    assert quintile_score(5, mostly_once) == 5
    assert quintile_score(4, ()) == 3


def test_segment_grid_covers_every_score_pair() -> None:
    names = {rfm_segment(r, fm) for r in range(1, 6) for fm in range(1, 6)}
    assert names == set(SEGMENTS)
    assert rfm_segment(5, 5) == "champions"
    assert rfm_segment(5, 1) == "new_customers"
    assert rfm_segment(4, 1) == "promising"
    assert rfm_segment(1, 5) == "cannot_lose"
    assert rfm_segment(2, 3) == "at_risk"
    assert rfm_segment(1, 1) == "lost"
    assert rfm_segment(2, 2) == "hibernating"
    assert rfm_segment(3, 3) == "need_attention"
    assert rfm_segment(3, 1) == "about_to_sleep"
    assert rfm_segment(4, 4) == "loyal"
    assert rfm_segment(5, 3) == "potential_loyalist"
    assert fm_score(4, 5) == 5 and fm_score(1, 2) == 2
    with pytest.raises(ValueError, match="out of range"):
        rfm_segment(0, 3)


def test_score_customers_against_breakpoints() -> None:
    day = 86400.0
    customers = [(T0.timestamp() + i * day, float(i), 100.0 * i) for i in range(1, 11)]
    bp = breakpoints(customers)
    assert bp.customers == 10
    best = score_customer(*customers[-1], bp)
    worst = score_customer(*customers[0], bp)
    assert (best.r, best.f, best.m, best.segment) == (5, 5, 5, "champions")
    assert (worst.r, worst.fm, worst.segment) == (1, 1, "lost")
    stats = {
        "purchase_count": 10,
        "purchase_total": Decimal(1000),
        "last_purchase_at": datetime.fromtimestamp(customers[-1][0], UTC),
    }
    assert segment_of(stats, bp) == "champions"
    assert segment_of({"purchase_count": 0}, bp) is None
    assert segment_of(stats, None) == "need_attention"  # scored alone: 3/3/3


def test_historical_clv() -> None:
    two_years = T0 + timedelta(days=730.5)
    clv = historical_clv(
        total=Decimal(1000), count=4, first_purchase_at=T0, now=two_years, lifespan_years=3
    )
    assert clv == Decimal("1500.00")  # AOV 250 x 2 a year x 3 years
    new = historical_clv(
        total=Decimal(100), count=1, first_purchase_at=T0, now=T0, lifespan_years=3
    )
    assert new == Decimal("300.00"), "less than a year of history counts as one year"
    assert historical_clv(
        total=Decimal(0), count=0, first_purchase_at=T0, now=T0, lifespan_years=3
    ) == Decimal(0)
