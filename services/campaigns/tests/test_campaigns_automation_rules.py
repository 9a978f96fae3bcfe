"""Automation rules as pure logic: conditions, the loop guard, and who gets the e-mail."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from campaigns.automations.domain import (
    Op,
    caused_by_automation,
    condition_holds,
    matches,
    recipient,
)
from campaigns.automations.schemas import AutomationIn

LEAD_CREATED: dict[str, Any] = {
    "lead_id": "lead_1",
    "lead": {
        "lead_id": "lead_1",
        "first_name": "Siti",
        "last_name": "Rahayu",
        "email": "siti@maju.co.id",
        "source": "Web",
        "score": 42,
        "tags": ["vip", "jakarta"],
        "custom": {"budget": "5000000"},
        "vip": True,
    },
}


@pytest.mark.parametrize(
    ("field", "op", "value", "expected"),
    [
        ("lead.source", Op.EQ, "web", True),  # strings compare without case
        ("lead.source", Op.NE, "web", False),
        ("lead.source", Op.IN, ["import", "web"], True),
        ("lead.source", Op.NOT_IN, ["import"], True),
        ("lead.tags", Op.CONTAINS, "VIP", True),
        ("lead.tags", Op.IN, ["bandung", "jakarta"], True),
        ("lead.email", Op.CONTAINS, "@maju.", True),
        ("lead.score", Op.GTE, 42, True),
        ("lead.score", Op.GT, 42, False),
        ("lead.custom.budget", Op.GT, 1_000_000, True),  # numeric strings compare as numbers
        ("lead.score", Op.LT, "abc", False),  # incomparable: never true
        ("lead.phone", Op.EXISTS, True, False),
        ("lead.phone", Op.EXISTS, False, True),
        ("lead.phone", Op.EQ, "x", False),
        ("lead.phone", Op.NE, "x", True),
        ("lead.score.deeper", Op.EQ, 1, False),
        # a form's text equals the number or yes/no it spells
        ("lead.score", Op.EQ, "42", True),
        ("lead.score", Op.EQ, " 42.0 ", True),
        ("lead.score", Op.NE, "43", True),
        ("lead.score", Op.IN, ["41", "42"], True),
        ("lead.custom.budget", Op.EQ, 5_000_000, True),
        ("lead.vip", Op.EQ, "true", True),
        ("lead.vip", Op.EQ, "false", False),
        ("lead.vip", Op.EQ, 1, False),  # yes/no is not a number
        ("lead.source", Op.EQ, "web ", False),  # text against text stays exact (but caseless)
    ],
)
def test_conditions(field: str, op: Op, value: Any, expected: bool) -> None:
    assert condition_holds(LEAD_CREATED, field, op, value) is expected


def test_all_conditions_must_hold_and_none_means_every_event() -> None:
    web = {"field": "lead.source", "op": "eq", "value": "web"}
    cold = {"field": "lead.score", "op": "lt", "value": 10}
    assert matches(LEAD_CREATED, [])
    assert matches(LEAD_CREATED, [web])
    assert not matches(LEAD_CREATED, [web, cold])


def test_events_caused_by_a_service_account_never_trigger() -> None:
    assert caused_by_automation({"assigned_by": "service:campaigns", "owner_id": "u1"})
    assert not caused_by_automation({"assigned_by": "user_1"})
    assert not caused_by_automation(LEAD_CREATED)


def test_the_recipient_is_the_lead_or_the_contact_with_their_ids() -> None:
    lead = recipient(LEAD_CREATED)
    assert lead is not None
    assert (lead["email"], lead["lead_id"], lead["contact_id"]) == (
        "siti@maju.co.id",
        "lead_1",
        None,
    )
    converted = recipient({"lead_id": "lead_2", "contact": {"last_name": "B", "email": "b@x.co"}})
    assert converted is not None and converted["lead_id"] == "lead_2"
    contact = recipient({"contact_id": "con_1", "contact": {"contact_id": "con_1", "email": "c@x"}})
    assert contact is not None and contact["contact_id"] == "con_1"
    assert recipient({"lead_id": "lead_3", "lead": {"last_name": "N"}}) is None


def test_rules_are_validated_when_saved() -> None:
    rule = {
        "name": "Welcome web leads",
        "trigger": {
            "event_type": "LeadCreated",
            "conditions": [{"field": "lead.source", "value": "web"}],
        },
        "actions": [
            {
                "type": "send_email",
                "template": {"subject": "Halo {{first_name}}", "body_text": "Terima kasih"},
            },
            {"type": "assign_owner"},
        ],
    }
    parsed = AutomationIn.model_validate(rule)
    assert parsed.trigger.conditions[0].op is Op.EQ
    bad_cases = [
        {**rule, "trigger": {"event_type": "EmailRequested"}},  # not a trigger
        {**rule, "actions": []},
        {**rule, "actions": [{"type": "run_shell"}]},
        {
            **rule,
            "actions": [
                {"type": "send_email", "template": {"subject": "{{password}}", "body_text": "x"}}
            ],
        },
        {
            **rule,
            "trigger": {
                "event_type": "LeadCreated",
                "conditions": [{"field": "$where", "value": 1}],
            },
        },
        {**rule, "tenant_id": "other"},
    ]
    for bad in bad_cases:
        with pytest.raises(ValidationError):
            AutomationIn.model_validate(bad)
