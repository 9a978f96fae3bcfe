"""Pure rules of in-app notifications: recipients, texts, ids, read state, SSE frames."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

from crm_shared.auth import Principal
from crm_shared.events.catalogue import (
    CaseOpened,
    DealStageChanged,
    LeadAssigned,
    UserNotificationRequested,
)
from crm_shared.ids import new_id
from notifications.inapp import domain
from notifications.inapp.domain import (
    audiences_of,
    case_opened,
    deal_stage_changed,
    floor_id,
    id_time,
    is_read,
    lead_assigned,
)
from notifications.inapp.hub import BUFFER, NotificationHub
from notifications.inapp.stream import event_frame, retry_field

DUE = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)


def _deal(**fields: object) -> DealStageChanged:
    values: dict[str, object] = {
        "deal_id": "deal_1",
        "pipeline_id": "pipe_1",
        "from_stage": "qualification",
        "to_stage": "proposal",
        "amount": Decimal("100"),
        "currency": "IDR",
        "probability": 40,
        "owner_id": "user_owner",
        "changed_by": "user_manager",
    }
    return DealStageChanged.model_validate({**values, **fields})


def _case(priority: str) -> CaseOpened:
    return CaseOpened(
        case_id="case_1",
        subject_line="Server down",
        type="incident",
        priority=priority,
        sla_due_at=DUE,
        opened_by="user_agent",
    )


def test_lead_assigned_goes_to_the_new_owner_unless_self_assigned() -> None:
    event = LeadAssigned(lead_id="lead_1", owner_id="user_a", assigned_by="user_m", method="manual")
    draft = lead_assigned(event)
    assert draft is not None
    assert (draft.audience, draft.recipient, draft.kind) == (
        "user:user_a",
        "user_a",
        "lead_assigned",
    )
    assert draft.title == "Lead assigned to you" and draft.link == "/leads/lead_1"
    self_assigned = event.model_copy(update={"assigned_by": "user_a"})
    assert lead_assigned(self_assigned) is None


def test_deal_stage_change_tells_the_owner_with_both_stages() -> None:
    draft = deal_stage_changed(_deal())
    assert draft is not None and draft.audience == "user:user_owner"
    assert draft.data["from_stage"] == "qualification" and draft.data["to_stage"] == "proposal"
    assert "from qualification to proposal" in draft.body and draft.link == "/deals/deal_1"
    won = deal_stage_changed(_deal(is_won=True, to_stage="won"))
    assert won is not None and won.title == "Deal won"


def test_deal_stage_change_is_quiet_for_the_owner_own_move_or_no_owner() -> None:
    assert deal_stage_changed(_deal(changed_by="user_owner")) is None
    assert deal_stage_changed(_deal(owner_id=None)) is None


def test_only_urgent_cases_reach_the_support_role() -> None:
    draft = case_opened(_case("urgent"))
    assert draft is not None
    assert (draft.audience, draft.recipient) == ("role:support", "role:support")
    assert draft.link == "/cases/case_1" and "Server down" in draft.body
    assert case_opened(_case("high")) is None


def test_a_caller_sees_their_user_and_each_role() -> None:
    principal = Principal(sub="u1", tenant_id="t", roles=frozenset({"support", "sales"}))
    assert audiences_of(principal) == ["user:u1", "role:sales", "role:support"]


def test_ids_carry_their_time_and_floor_ids_sort_below() -> None:
    notification_id = new_id("ntf")
    created = id_time(notification_id)
    assert created is not None and abs((datetime.now(UTC) - created).total_seconds()) < 5
    assert floor_id(created) <= notification_id < floor_id(created.replace(year=created.year + 1))
    assert id_time(floor_id(created)) == created
    assert id_time("lead_01J0000000000000000000000") is None
    assert id_time("ntf_short") is None


def test_read_state_is_the_mark_or_a_receipt() -> None:
    assert is_read("ntf_B", "ntf_C", set())
    assert not is_read("ntf_D", "ntf_C", set())
    assert is_read("ntf_D", "ntf_C", {"ntf_D"})
    assert not is_read("ntf_A", None, set())


def test_sse_frames_follow_the_wire_format() -> None:
    assert retry_field(3000) == b"retry: 3000\n\n"
    frame = event_frame("ntf_1", {"title": "a\nb", "x": 1}).decode()
    assert frame == 'id: ntf_1\nevent: notification\ndata: {"title":"a\\nb","x":1}\n\n'


async def test_hub_routes_by_tenant_and_audience_and_closes() -> None:
    hub = NotificationHub()
    mine = hub.subscribe("t1", ["user:u1", "role:support"])
    other = hub.subscribe("t2", ["user:u1"])
    hub.dispatch({"_id": "ntf_1", "tenant_id": "t1", "audience": "role:support"})
    hub.dispatch({"_id": "ntf_2", "tenant_id": "t1", "audience": "user:u2"})
    batch = await mine.next(1.0)
    assert batch is not None and [d["_id"] for d in batch.docs] == ["ntf_1"]
    assert await other.next(0.01) is None, "another tenant hears nothing"
    for i in range(BUFFER + 1):
        hub.dispatch({"_id": f"ntf_{i}", "tenant_id": "t1", "audience": "user:u1"})
    overflowed = await mine.next(1.0)
    assert overflowed is not None and overflowed.resync, "a slow stream re-reads instead"
    waiting = asyncio.create_task(other.next(10.0))
    await asyncio.sleep(0)
    hub.close_streams()
    closed = await asyncio.wait_for(waiting, 1.0)
    assert closed is not None and closed.closed
    hub.unsubscribe(mine)
    hub.unsubscribe(other)
    assert hub.open_streams == 0
    late = hub.subscribe("t1", ["user:u1"])
    assert (await late.next(0.01)) is not None, "a closing hub ends new streams at once"


def test_an_automation_request_goes_to_the_named_user() -> None:
    event = UserNotificationRequested(
        request_id="auto_1", user_id="user_budi", title="Lead VIP masuk", automation_id="auto_x"
    )
    draft = domain.user_notification_requested(event)
    assert (draft.audience, draft.title, draft.link) == ("user:user_budi", "Lead VIP masuk", "")
