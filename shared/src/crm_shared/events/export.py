"""Export the catalogue's JSON Schemas: ``python -m crm_shared.events.export docs/events``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from crm_shared.events.catalogue import EventData, all_models


def schema_file_name(model: type[EventData]) -> str:
    """``LeadCreated.v1.json``."""
    return f"{model.event_type}.v{model.version}.json"


def render_schema(model: type[EventData]) -> str:
    """The committed JSON Schema text of one event model (stable, sorted keys)."""
    schema = model.model_json_schema(mode="serialization")
    schema["$id"] = f"urn:crm:events:{model.event_type}:v{model.version}"
    schema["title"] = model.event_type
    schema["x-topic-owner"] = model.owner
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def export(target: Path) -> list[Path]:
    """Write every model's schema to ``target`` and return the written paths."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for model in all_models():
        path = target / schema_file_name(model)
        path.write_text(render_schema(model), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in export(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/events")):
        print(p)
