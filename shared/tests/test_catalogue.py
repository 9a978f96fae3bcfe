"""Unit tests of the event catalogue: registry, lookups, tolerant readers, subjects."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import pytest

from crm_shared.events import catalogue
from crm_shared.events.catalogue import (
    DealStageChanged,
    EventData,
    LeadAssigned,
    LeadConverted,
    LeadCreated,
    LeadDeleted,
    LeadQualified,
    LeadUpdated,
    all_models,
    is_known_type,
    lookup,
    register,
)

LEAD_ID = "lead_01JD3X5Z6Q8R9S0T1V2W3X4Y5Z"
DEAL_ID = "deal_01JD3X5Z6Q8R9S0T1V2W3X4Y5Z"
SNAPSHOT: dict[str, Any] = {
    "lead_id": LEAD_ID,
    "first_name": "Siti",
    "last_name": "Rahayu",
    "email": "siti@example.co.id",
    "source": "web_form",
    "status": "new",
    "rating": "warm",
    "score": 42,
    "version": 1,
}

# Valid payloads of the models in this catalogue, with the aggregate id they belong to.
SAMPLES: list[tuple[type[EventData], dict[str, Any], str]] = [
    (LeadCreated, {"lead_id": LEAD_ID, "lead": SNAPSHOT}, LEAD_ID),
    (
        LeadUpdated,
        {"lead_id": LEAD_ID, "lead": SNAPSHOT, "changed_fields": ["score"]},
        LEAD_ID,
    ),
    (
        LeadAssigned,
        {"lead_id": LEAD_ID, "owner_id": "user_2", "assigned_by": "user_1", "method": "manual"},
        LEAD_ID,
    ),
    (LeadQualified, {"lead_id": LEAD_ID, "lead": SNAPSHOT, "qualified_by": "user_1"}, LEAD_ID),
    (
        LeadConverted,
        {
            "lead_id": LEAD_ID,
            "converted_by": "user_1",
            "converted_at": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
            "source": "web_form",
            "contact": {"last_name": "Rahayu"},
            "account": {"name": "PT Maju"},
            "deal": {
                "name": "PT Maju - CRM",
                "amount": "15000000.00",
                "currency": "IDR",
                "expected_close_date": "2025-03-31",
            },
        },
        LEAD_ID,
    ),
    (LeadDeleted, {"lead_id": LEAD_ID, "deleted_by": "user_1"}, LEAD_ID),
    (
        DealStageChanged,
        {
            "deal_id": DEAL_ID,
            "pipeline_id": "pipe_1",
            "to_stage": "proposal",
            "amount": "1000",
            "currency": "IDR",
            "probability": 50,
            "changed_by": "user_1",
        },
        DEAL_ID,
    ),
]


def _name(model: type[EventData]) -> str:
    return f"{model.event_type}.v{model.version}"


# --------------------------------------------------------------------------- registry


@pytest.mark.parametrize("model", all_models(), ids=_name)
def test_every_model_declares_type_version_and_owner(model: type[EventData]) -> None:
    assert isinstance(model.event_type, str)
    assert model.event_type
    assert model.event_type[0].isupper()
    assert isinstance(model.version, int)
    assert model.version >= 1
    assert isinstance(model.owner, str)
    assert model.owner.isidentifier()
    assert model.owner.islower()
    assert model.model_config.get("extra") == "ignore"
    assert model.model_config.get("frozen") is True


@pytest.mark.parametrize("model", all_models(), ids=_name)
def test_lookup_finds_every_model(model: type[EventData]) -> None:
    assert lookup(model.event_type, model.version) is model
    assert is_known_type(model.event_type)


def test_all_models_is_sorted_by_type_then_version_and_unique() -> None:
    models = all_models()
    keys = [(m.event_type, m.version) for m in models]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)


def test_the_design_events_of_leads_are_catalogued() -> None:
    for event_type in (
        "LeadCreated",
        "LeadUpdated",
        "LeadAssigned",
        "LeadQualified",
        "LeadConverted",
        "LeadDeleted",
    ):
        model = lookup(event_type, 1)
        assert model is not None
        assert model.owner == "leads"
    deal = lookup("DealStageChanged", 1)
    assert deal is not None
    assert deal.owner == "deals"


def test_lookup_of_unknown_type_or_version_is_none() -> None:
    assert lookup("NoSuchEvent", 1) is None
    assert lookup("LeadCreated", 999) is None
    assert lookup("leadcreated", 1) is None


def test_is_known_type_is_exact() -> None:
    assert is_known_type("LeadCreated")
    assert not is_known_type("NoSuchEvent")
    assert not is_known_type("leadcreated")
    assert not is_known_type("")


def test_registering_a_model_twice_raises() -> None:
    before = all_models()
    with pytest.raises(ValueError, match="registered twice"):
        register(LeadCreated)
    assert all_models() == before


def test_registering_another_model_with_a_taken_type_and_version_raises() -> None:
    class Impostor(EventData):
        event_type: ClassVar[str] = "LeadCreated"
        version: ClassVar[int] = 1
        owner: ClassVar[str] = "contacts"

    with pytest.raises(ValueError, match="registered twice"):
        register(Impostor)
    assert lookup("LeadCreated", 1) is LeadCreated


def test_a_new_version_registers_beside_the_old(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalogue, "_REGISTRY", dict(catalogue._REGISTRY))

    @register
    class LeadDeletedV2(EventData):
        event_type: ClassVar[str] = "LeadDeleted"
        version: ClassVar[int] = 2
        owner: ClassVar[str] = "leads"
        lead_id: str

        def subject(self) -> str:
            return self.lead_id

    assert lookup("LeadDeleted", 1) is LeadDeleted
    assert lookup("LeadDeleted", 2) is LeadDeletedV2
    types = [(m.event_type, m.version) for m in all_models()]
    assert types.index(("LeadDeleted", 2)) == types.index(("LeadDeleted", 1)) + 1


# --------------------------------------------------------------------------- payloads


@pytest.mark.parametrize(
    ("model", "payload", "aggregate_id"), SAMPLES, ids=[_name(s[0]) for s in SAMPLES]
)
def test_subject_is_the_aggregate_id(
    model: type[EventData], payload: dict[str, Any], aggregate_id: str
) -> None:
    assert model.model_validate(payload).subject() == aggregate_id


@pytest.mark.parametrize(
    ("model", "payload", "aggregate_id"), SAMPLES, ids=[_name(s[0]) for s in SAMPLES]
)
def test_consumers_ignore_unknown_fields(
    model: type[EventData], payload: dict[str, Any], aggregate_id: str
) -> None:
    event = model.model_validate({**payload, "added_in_a_later_release": {"x": 1}})
    assert event.subject() == aggregate_id
    dumped = event.model_dump(mode="json")
    assert "added_in_a_later_release" not in dumped
    assert event == model.model_validate(payload)


@pytest.mark.parametrize(
    ("model", "payload", "aggregate_id"), SAMPLES, ids=[_name(s[0]) for s in SAMPLES]
)
def test_json_round_trip(
    model: type[EventData], payload: dict[str, Any], aggregate_id: str
) -> None:
    event = model.model_validate(payload)
    assert model.model_validate_json(event.model_dump_json()) == event


def test_nested_models_ignore_unknown_fields_too() -> None:
    payload = {"lead_id": LEAD_ID, "lead": {**SNAPSHOT, "future": True}}
    event = LeadCreated.model_validate(payload)
    assert "future" not in event.lead.model_dump()


def test_events_are_frozen() -> None:
    event = LeadDeleted(lead_id=LEAD_ID, deleted_by="user_1")
    with pytest.raises(ValueError, match="frozen"):
        event.deleted_by = "user_2"  # type: ignore[misc]


def test_money_and_dates_are_typed() -> None:
    converted = LeadConverted.model_validate(SAMPLES[4][1])
    assert converted.deal is not None
    assert converted.deal.amount == Decimal("15000000.00")
    assert converted.deal.expected_close_date == date(2025, 3, 31)
    assert converted.model_dump(mode="json")["deal"]["amount"] == "15000000.00"


def test_samples_are_valid() -> None:
    for model, payload, _ in SAMPLES:
        model.model_validate(payload)


@pytest.mark.parametrize("model", all_models(), ids=_name)
def test_every_model_implements_subject(model: type[EventData]) -> None:
    """Every model returns one of its own ``*_id`` fields as the subject (the Kafka key)."""
    values: dict[str, Any] = {name: f"value-of-{name}" for name in model.model_fields}
    event = model.model_construct(**values)
    subject = event.subject()
    id_fields = {name for name in model.model_fields if name.endswith("_id")}
    assert subject in {values[name] for name in id_fields}, (
        f"{model.__name__}.subject() must return its aggregate id field"
    )


def test_base_subject_is_abstract() -> None:
    with pytest.raises(NotImplementedError):
        EventData().subject()
