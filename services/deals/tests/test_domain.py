"""Pure rules: stages, moves, probabilities, report contributions and forecast maths."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from deals.contacts.domain import converted_parties
from deals.deals.domain import StageMove, counterpart_stage, plan_move
from deals.pipelines.domain import (
    DEFAULT_STAGES,
    InvalidInput,
    StageDraft,
    StageKind,
    StateConflict,
    build_stages,
    removed_stages,
    slug,
)
from deals.reports.domain import (
    BucketKey,
    DealFacts,
    ReportKind,
    Tally,
    WinLoss,
    contributions,
    delta,
    months_between,
    reason_field,
    reason_of_field,
)
from deals.targets.domain import period_months, periods_within

STAGES = list(DEFAULT_STAGES)
CREATED = datetime(2025, 1, 10, tzinfo=UTC)


def _move(
    current: str, target: str, *, lost_reason: str | None = None, probability: int | None = None
) -> StageMove:
    return plan_move(
        STAGES,
        pipeline_id="p",
        current=current,
        target=target,
        lost_reason=lost_reason,
        probability=probability,
    )


def test_default_pipeline_has_the_issue_stages() -> None:
    assert [(s.id, s.probability) for s in DEFAULT_STAGES] == [
        ("prospecting", 10),
        ("qualification", 20),
        ("needs_analysis", 25),
        ("value_proposition", 30),
        ("id_decision_makers", 40),
        ("proposal_quote", 65),
        ("negotiation_review", 80),
        ("closed_won", 100),
        ("closed_lost", 0),
    ]
    assert [s.kind for s in DEFAULT_STAGES].count(StageKind.WON) == 1
    assert slug("Proposal/Quote") == "proposal_quote"
    assert slug("1st call") == "s_1st_call"


def test_build_stages_validates_and_derives_ids() -> None:
    drafts = [
        StageDraft("Demo", 30),
        StageDraft("Demo", 50),
        StageDraft("Won", 100, StageKind.WON),
        StageDraft("Lost", 0, StageKind.LOST),
    ]
    assert [s.id for s in build_stages(drafts)] == ["demo", "demo_2", "won", "lost"]
    with pytest.raises(InvalidInput, match="exactly one won"):
        build_stages([*drafts, StageDraft("Won again", 100, StageKind.WON)])
    with pytest.raises(InvalidInput, match="probability 100"):
        build_stages([drafts[0], StageDraft("Won", 90, StageKind.WON), drafts[3]])
    with pytest.raises(InvalidInput, match="unique"):
        build_stages([StageDraft("A", 1, id="x"), StageDraft("B", 2, id="x"), *drafts[2:]])
    with pytest.raises(InvalidInput, match="at least one open"):
        build_stages(drafts[2:])
    # an existing stage keeps its kind
    swapped = [StageDraft("Prospecting", 100, StageKind.WON, id="prospecting")]
    with pytest.raises(InvalidInput, match="kind cannot change"):
        build_stages([*swapped, StageDraft("Lost", 0, StageKind.LOST)], STAGES)


def test_removed_stages() -> None:
    after = [s for s in STAGES if s.id != "needs_analysis"]
    assert removed_stages(STAGES, after) == ["needs_analysis"]


def test_moves_defaults_and_closing() -> None:
    move = _move("prospecting", "proposal_quote")
    assert move.probability == 65 and not move.entered_closed
    override = _move("prospecting", "proposal_quote", lost_reason=None, probability=70)
    assert override.probability == 70
    won = _move("negotiation_review", "closed_won")
    assert won.probability == 100 and won.entered_closed
    lost = _move("prospecting", "closed_lost", lost_reason=" price ", probability=None)
    assert lost.lost_reason == "price" and lost.probability == 0


def test_reopen_and_leaving_won_are_flagged() -> None:
    reopened = _move("closed_won", "negotiation_review")
    assert reopened.reopened and reopened.was_won
    won_to_lost = _move("closed_won", "closed_lost", lost_reason="fraud", probability=None)
    assert won_to_lost.was_won and not won_to_lost.reopened
    from_lost = _move("closed_lost", "prospecting")
    assert from_lost.reopened and not from_lost.was_won


@pytest.mark.parametrize(
    ("current", "target", "reason", "probability", "error"),
    [
        ("prospecting", "nowhere", None, None, InvalidInput),
        ("prospecting", "prospecting", None, None, StateConflict),
        ("prospecting", "closed_lost", None, None, InvalidInput),
        ("prospecting", "closed_lost", "  ", None, InvalidInput),
        ("prospecting", "qualification", "why", None, InvalidInput),
        ("prospecting", "closed_won", None, 90, InvalidInput),
    ],
)
def test_illegal_moves(
    current: str, target: str, reason: str | None, probability: int | None, error: type
) -> None:
    with pytest.raises(error):
        _move(current, target, lost_reason=reason, probability=probability)


def test_counterpart_stage_in_another_pipeline() -> None:
    assert counterpart_stage(STAGES, StageKind.OPEN).id == "prospecting"
    assert counterpart_stage(STAGES, StageKind.LOST).id == "closed_lost"


def _open(**kw: object) -> DealFacts:
    base = DealFacts(
        pipeline_id="p",
        stage="proposal_quote",
        status=StageKind.OPEN,
        amount=Decimal("1000.50"),
        currency="IDR",
        probability=65,
        owner_id="u1",
        expected_close_date="2025-03-15",
        created_at=CREATED,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def test_open_deal_counts_in_pipeline_and_forecast() -> None:
    tallies = contributions(_open())
    weighted = Decimal("650.325")
    assert tallies == {
        BucketKey(ReportKind.PIPELINE, "IDR", "u1", pipeline_id="p", stage="proposal_quote"): Tally(
            1, Decimal("1000.50"), weighted
        ),
        BucketKey(ReportKind.FORECAST, "IDR", "u1", month="2025-03"): Tally(
            1, Decimal("1000.50"), weighted
        ),
    }
    no_date = contributions(_open(expected_close_date=None))
    assert BucketKey(ReportKind.FORECAST, "IDR", "u1", month=None) in no_date


def test_closed_deal_counts_in_win_loss_with_its_cycle() -> None:
    closed_at = CREATED + timedelta(days=3, hours=12)
    lost = _open(
        stage="closed_lost",
        status=StageKind.LOST,
        probability=0,
        closed_at=closed_at,
        lost_reason="price",
    )
    tallies = contributions(lost)
    key = BucketKey(ReportKind.WIN_LOSS, "IDR", "u1", month="2025-01")
    assert tallies[key] == Tally(
        count=1, cycle_seconds=3 * 86_400 + 12 * 3600, won=0, lost_reasons=(("price", 1),)
    ), "a lost deal adds no won amount"
    assert not any(k.kind is ReportKind.FORECAST for k in tallies)


def test_a_year_of_one_owner_is_twelve_closed_buckets_whatever_the_reasons() -> None:
    buckets = set()
    for month in range(1, 13):
        for reason in ("price", "timing", "competitor"):
            closed = _open(
                stage="closed_lost",
                status=StageKind.LOST,
                probability=0,
                closed_at=datetime(2025, month, 10, tzinfo=UTC),
                lost_reason=reason,
            )
            buckets |= {k for k in contributions(closed) if k.kind is ReportKind.WIN_LOSS}
    assert len(buckets) == 12


def test_lost_reasons_become_safe_field_names_and_back() -> None:
    for reason in ("price", "too.expensive", "$where", "50% off", "", "r:x"):
        name = reason_field(reason)
        assert name and "." not in name and not name.startswith("$")
        assert reason_of_field(name) == reason
    plus = Tally(lost_reasons=(("a", 1),)) + Tally(lost_reasons=(("a", -1), ("b", 2)))
    assert plus.lost_reasons == (("b", 2),)
    assert (
        Tally(won=1, lost_reasons=(("a", 1),)) + -Tally(won=1, lost_reasons=(("a", 1),))
    ).is_zero()


def test_delta_applies_only_what_changed() -> None:
    assert delta(_open(), _open()) == {}
    bigger = delta(_open(), _open(amount=Decimal("2000.50")))
    assert {t.amount for t in bigger.values()} == {Decimal(1000)}
    assert {t.count for t in bigger.values()} == {0}
    won = _open(
        stage="closed_won",
        status=StageKind.WON,
        probability=100,
        closed_at=CREATED + timedelta(days=1),
    )
    moved = delta(_open(), won)
    forecast = BucketKey(ReportKind.FORECAST, "IDR", "u1", month="2025-03")
    assert moved[forecast].count == -1
    assert sum(t.count for k, t in moved.items() if k.kind is ReportKind.WIN_LOSS) == 1
    removed = delta(_open(), None)
    assert all(t.count == -1 for t in removed.values())
    # applying every delta of a history gives the contributions of the final state
    total: dict[BucketKey, Tally] = {}
    for old, new in [(None, _open()), (_open(), won), (won, _open(owner_id="u2"))]:
        for key, tally in delta(old, new).items():
            total[key] = total.get(key, Tally()) + tally
    assert {k: t for k, t in total.items() if not t.is_zero()} == contributions(
        _open(owner_id="u2")
    )


def test_win_loss_maths() -> None:
    figures = WinLoss()
    january = BucketKey(ReportKind.WIN_LOSS, "IDR", "u1", month="2025-01")
    february = BucketKey(ReportKind.WIN_LOSS, "IDR", "u1", month="2025-02")
    figures.add(january, Tally(3, Decimal(300), cycle_seconds=3 * 2 * 86_400, won=3))
    figures.add(february, Tally(1, cycle_seconds=4 * 86_400, lost_reasons=(("price", 1),)))
    assert figures.win_rate == 0.75
    assert figures.average_cycle_days == 2.5
    assert figures.won_amount == {"IDR": Decimal(300)}
    assert figures.lost_reasons == {"price": 1}
    assert WinLoss().win_rate is None


def test_periods() -> None:
    assert period_months("2025-Q2") == ["2025-04", "2025-05", "2025-06"]
    assert period_months("2025-07") == ["2025-07"]
    with pytest.raises(InvalidInput):
        period_months("2025-13")
    assert months_between("2024-11", "2025-02") == ["2024-11", "2024-12", "2025-01", "2025-02"]
    with pytest.raises(InvalidInput):
        months_between("2025-02", "2025-01")
    assert periods_within(months_between("2025-01", "2025-04")) == [
        "2025-01",
        "2025-02",
        "2025-03",
        "2025-04",
        "2025-Q1",
    ]


def test_trailing_months_cross_the_year() -> None:
    from datetime import UTC, datetime

    from deals.reports.domain import trailing_months

    assert trailing_months(datetime(2026, 2, 9, tzinfo=UTC), 4) == [
        "2025-11",
        "2025-12",
        "2026-01",
        "2026-02",
    ]


def test_converted_parties_replace_the_chosen_ones_unless_changed_since() -> None:
    chosen = {"contact_id": "con_new", "account_id": "acc_new"}
    primary = [{"contact_id": "con_new", "role": "primary"}]
    # created as chosen: nothing changes
    assert converted_parties(primary, "acc_new", chosen, "con_new", "acc_new") == (
        primary,
        "acc_new",
    )
    # linked to an existing contact and account: they replace the chosen ones, role kept
    others = [*primary, {"contact_id": "con_x", "role": "decision_maker"}]
    assert converted_parties(others, "acc_new", chosen, "con_old", "acc_old") == (
        [{"contact_id": "con_old", "role": "primary"}, others[1]],
        "acc_old",
    )
    # an account changed on the deal since is kept; a contact without one keeps the deal's
    assert converted_parties(primary, "acc_mine", chosen, "con_new", "acc_old")[1] == "acc_mine"
    assert converted_parties(primary, "acc_new", chosen, "con_new", None)[1] == "acc_new"
    # a deal from before the ids were chosen gets the contact as primary and its account
    assert converted_parties([], None, {}, "con_old", "acc_old") == (
        [{"contact_id": "con_old", "role": "primary"}],
        "acc_old",
    )
