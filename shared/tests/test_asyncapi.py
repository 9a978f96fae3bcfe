"""docs/asyncapi.yaml is the catalogue's: every event, on its topic, with its schema file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from crm_shared.events.asyncapi import TOPIC_PREFIX, message_name, render
from crm_shared.events.catalogue import all_models

DOCS = Path(__file__).resolve().parents[2] / "docs"
COMMITTED = DOCS / "asyncapi.yaml"


def _resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_the_committed_document_is_generated_from_the_catalogue() -> None:
    assert COMMITTED.read_text(encoding="utf-8") == render(), (
        "docs/asyncapi.yaml is stale: run `make schemas`"
    )


def test_every_event_is_a_message_on_its_owners_topic_with_its_schema() -> None:
    document = yaml.safe_load(COMMITTED.read_text(encoding="utf-8"))
    assert document["asyncapi"] == "3.0.0"
    for model in all_models():
        channel = document["channels"][model.owner]
        assert channel["address"] == f"{TOPIC_PREFIX}{model.owner}"
        ref = channel["messages"][message_name(model)]["$ref"]
        message = _resolve(document, ref)
        assert message["name"] == model.event_type
        data_ref = message["payload"]["allOf"][1]["properties"]["data"]["$ref"]
        assert (DOCS / data_ref).is_file(), data_ref
        assert message["bindings"]["kafka"]["key"]["type"] == "string"
    for operation in document["operations"].values():
        assert operation["action"] in ("send", "receive")
        assert _resolve(document, operation["channel"]["$ref"])["address"].startswith("crm.")
    for ref in ("#/components/schemas/CloudEvent", "#/components/schemas/RecordHeaders"):
        assert _resolve(document, ref)["type"] == "object"
