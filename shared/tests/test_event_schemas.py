"""The committed JSON Schemas under docs/events match the event catalogue exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from crm_shared.events.catalogue import EventData, all_models
from crm_shared.events.export import render_schema, schema_file_name

EVENTS_DIR = Path(__file__).resolve().parents[2] / "docs" / "events"
REGENERATE = "run `make schemas` and commit docs/events"


def _model_id(model: type[EventData]) -> str:
    return f"{model.event_type}.v{model.version}"


def test_catalogue_is_not_empty() -> None:
    assert all_models(), "the event catalogue registered no models"


@pytest.mark.parametrize("model", all_models(), ids=_model_id)
def test_committed_schema_matches_model(model: type[EventData]) -> None:
    path = EVENTS_DIR / schema_file_name(model)
    assert path.is_file(), f"{path.name} is missing: {REGENERATE}"
    committed = path.read_text(encoding="utf-8")
    assert committed == render_schema(model), (
        f"{path.name} is out of date with {model.__name__}: {REGENERATE}"
    )


@pytest.mark.parametrize("model", all_models(), ids=_model_id)
def test_committed_schema_is_a_valid_json_schema(model: type[EventData]) -> None:
    schema = json.loads((EVENTS_DIR / schema_file_name(model)).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == f"urn:crm:events:{model.event_type}:v{model.version}"
    assert schema["title"] == model.event_type
    assert schema["x-topic-owner"] == model.owner


def test_no_orphaned_schema_files() -> None:
    expected = {schema_file_name(model) for model in all_models()}
    committed = {path.name for path in EVENTS_DIR.glob("*.json")}
    orphans = sorted(committed - expected)
    assert not orphans, (
        f"schemas without a catalogue model: {orphans}; delete them, then {REGENERATE}"
    )
