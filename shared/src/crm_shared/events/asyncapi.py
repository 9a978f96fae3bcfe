"""The AsyncAPI 3.0 document of the platform's topics, generated from the event catalogue:
``python -m crm_shared.events.asyncapi docs/asyncapi.yaml`` (``make schemas``).

One channel per owning service (``crm.<owner>``), one message per event type and version,
each payload the CloudEvents envelope whose ``data`` is the event's committed JSON Schema
(``events/<Type>.v<N>.json``, beside this document), the Kafka key the aggregate id, and
the record headers of the CloudEvents Kafka binding's structured content mode. Dead-letter
topics have a channel of their own. A test fails when the committed file and the catalogue disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from crm_shared.events.catalogue import EventData, all_models
from crm_shared.events.envelope import CONTENT_TYPE
from crm_shared.events.export import schema_file_name

TOPIC_PREFIX = "crm."
SERVERS = {
    "embedded": {
        "host": "127.0.0.1:9092",
        "protocol": "kafka",
        "description": "The Tansu broker `crm up` starts (memory only).",
    },
    "compose": {
        "host": "kafka:9092",
        "protocol": "kafka",
        "description": "Apache Kafka in docker-compose.yml.",
    },
}
HEADERS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "content-type": {"type": "string", "const": CONTENT_TYPE},
        "traceparent": {"type": "string", "description": "W3C trace context of the producer."},
    },
    "required": ["content-type"],
    "description": "CloudEvents Kafka binding, structured content mode: the value is the "
    "whole event and no `ce_*` header is set (SDKs read one as binary mode).",
}
ENVELOPE: dict[str, Any] = {
    "type": "object",
    "description": "CloudEvents 1.0, structured mode.",
    "properties": {
        "specversion": {"type": "string", "const": "1.0"},
        "id": {"type": "string", "description": "UUIDv7; reused on every re-send."},
        "source": {"type": "string", "examples": ["/services/leads"]},
        "type": {"type": "string"},
        "subject": {"type": "string", "description": "The aggregate id (the Kafka key)."},
        "time": {"type": "string", "format": "date-time"},
        "datacontenttype": {"type": "string", "const": "application/json"},
        "dataschema": {"type": "string", "description": "urn:crm:events:<Type>:v<N>"},
        "tenantid": {"type": "string"},
        "correlationid": {"type": "string"},
        "causationid": {"type": "string"},
        "traceparent": {"type": "string"},
    },
    "required": ["specversion", "id", "source", "type", "time", "dataschema", "tenantid"],
}


def message_name(model: type[EventData]) -> str:
    """``LeadCreated`` for version 1, ``LeadCreatedV2`` after."""
    return model.event_type if model.version == 1 else f"{model.event_type}V{model.version}"


def _message(model: type[EventData]) -> dict[str, Any]:
    return {
        "name": model.event_type,
        "title": model.event_type,
        "summary": (model.__doc__ or "").strip().splitlines()[0],
        "contentType": CONTENT_TYPE,
        "headers": {"$ref": "#/components/schemas/RecordHeaders"},
        "payload": {
            "allOf": [
                {"$ref": "#/components/schemas/CloudEvent"},
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": model.event_type},
                        "dataschema": {
                            "const": f"urn:crm:events:{model.event_type}:v{model.version}"
                        },
                        "data": {"$ref": f"events/{schema_file_name(model)}"},
                    },
                    "required": ["data"],
                },
            ]
        },
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": "The aggregate id (`subject`)."},
                "bindingVersion": "0.5.0",
            }
        },
    }


def document() -> dict[str, Any]:
    """The whole AsyncAPI document as data."""
    models = all_models()
    owners = sorted({m.owner for m in models})
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for owner in owners:
        own = [m for m in models if m.owner == owner]
        channels[owner] = {
            "address": f"{TOPIC_PREFIX}{owner}",
            "description": f"Events of the {owner} service, keyed by aggregate id "
            "(6 partitions by default, so one aggregate's events stay in order).",
            "messages": {
                message_name(m): {"$ref": f"#/components/messages/{message_name(m)}"} for m in own
            },
        }
        operations[f"publish_{owner}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{owner}"},
            "summary": f"The {owner} service publishes (outbox relay, acks=all).",
        }
        operations[f"consume_{owner}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{owner}"},
            "summary": "Consumers subscribe with a group of their own and dedupe on `id`.",
        }
    channels["deadLetters"] = {
        "address": TOPIC_PREFIX + "dlq.{group}",
        "description": "Records a consumer group could never apply, with the original key and "
        "bytes and the reason in `dlq.*` headers.",
        "parameters": {"group": {"description": "The consumer group (the service name)."}},
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "CRM platform events",
            "version": "1.0.0",
            "description": "Every integration event on the platform's Kafka topics. "
            "Generated from crm_shared.events.catalogue; do not edit by hand.",
            "license": {"name": "Apache-2.0"},
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": SERVERS,
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": {"CloudEvent": ENVELOPE, "RecordHeaders": HEADERS},
            "messages": {message_name(m): _message(m) for m in models},
        },
    }


def render() -> str:
    """The committed YAML text (stable key order)."""
    return yaml.safe_dump(document(), sort_keys=False, allow_unicode=True, width=100)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/asyncapi.yaml")
    target.write_text(render(), encoding="utf-8")
    print(target)
