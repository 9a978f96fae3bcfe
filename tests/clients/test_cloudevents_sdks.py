"""The official CloudEvents SDKs of two languages read every event type on the real broker.

One event of every type in the catalogue goes the way a service publishes it (outbox row
in a transaction, relay, broker); a plain Kafka consumer reads the records back, and
they are handed unchanged to Python's ``cloudevents`` (``from_kafka``, which picks the
content mode from the headers as the binding says) and to the JavaScript ``cloudevents``
package (``Kafka.toEvent`` run with Node, then its schema validation). Both must read
each record as the structured-mode event we published, attribute for attribute.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_kafka
from cloudevents.core.formats.json import JSONFormat

from crm_devstack.testing import Backend, TokenMinter, TopicReader, isolated_settings
from crm_shared.events.catalogue import EventData, all_models
from crm_shared.events.envelope import CloudEvent
from crm_shared.events.export import render_schema
from crm_shared.kafka.producer import EventProducer
from crm_shared.mongo.client import make_client, service_database
from crm_shared.outbox_relay import OutboxRelay
from crm_shared.settings import ServiceSettings
from crm_shared.uow import Tx, UnitOfWork

NODE_CLIENT = Path(__file__).parent / "node"
TENANT = "tenant_sdk"
NODE_TIMEOUT_S = 120


def _sample(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    """A value of every field (optional ones too) that the JSON Schema accepts."""
    if "$ref" in schema:
        return _sample(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
    if schema.get("default") is not None:
        return schema["default"]
    if schema.get("examples"):
        return schema["examples"][0]
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        # a plain string last: decimals are "number or numeric string"
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return _sample(sorted(options, key=lambda s: s.get("type") == "string")[0], defs)
    kind = schema.get("type")
    if kind == "object":
        return {name: _sample(sub, defs) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [_sample(schema.get("items", {"type": "string"}), defs)]
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    return {"date-time": "2026-12-08T01:02:03Z", "date": "2026-12-08"}.get(
        schema.get("format", ""), "x1"
    )


def _event(model: type[EventData]) -> EventData:
    schema = json.loads(render_schema(model))
    return model.model_validate(_sample(schema, schema.get("$defs", {})))


@pytest.fixture(scope="module")
def node() -> str:
    path = shutil.which("node")
    assert path, "Node.js is needed (see docs/development.md)"
    assert (NODE_CLIENT / "node_modules" / "cloudevents").is_dir(), (
        "the Node test clients are not installed: `make test` runs `npm ci` in tests/clients/node"
    )
    return path


@pytest.fixture(scope="module")
async def sent(backend: Backend, minter: TokenMinter) -> list[tuple[CloudEvent, Any]]:
    """Each catalogue type published by its owning service; (envelope, raw record) pairs."""
    pairs: list[tuple[CloudEvent, Any]] = []
    for owner in sorted({model.owner for model in all_models()}):
        pairs += await _publish(backend, minter, owner)
    assert {e.type for e, _ in pairs} == {m.event_type for m in all_models()}
    return pairs


async def _publish(
    backend: Backend, minter: TokenMinter, owner: str
) -> list[tuple[CloudEvent, Any]]:
    settings = ServiceSettings(service_name=owner, **isolated_settings(backend, minter, owner))
    client = make_client(settings)
    db = service_database(client, settings)
    topic = settings.topic(owner)
    relay = OutboxRelay(db, EventProducer(settings), settings, topics={topic: 1})
    uow = UnitOfWork(client, db, settings, on_commit=relay.wake)
    events = [_event(model) for model in all_models() if model.owner == owner]
    envelopes: list[CloudEvent] = []

    async def work(tx: Tx) -> None:
        envelopes[:] = [await tx.emit(event, tenant_id=TENANT) for event in events]

    relay.start()
    try:
        async with TopicReader(settings.kafka_bootstrap, topic) as reader:
            await uow.run(work)
            records = await reader.wait_for_count(len(events), timeout=60)
    finally:
        await relay.stop()
        await client.close()
    by_id = {json.loads(record.value)["id"]: record for record in records}
    return [(envelope, by_id[envelope.id]) for envelope in envelopes]


def _expected(envelope: CloudEvent, key: bytes) -> dict[str, Any]:
    """The attributes an SDK should read: ours, plus the key as ``partitionkey``."""
    attributes: dict[str, Any] = json.loads(envelope.to_bytes())
    attributes["partitionkey"] = key.decode()
    return attributes


def test_records_carry_no_binary_mode_header(sent: list[tuple[CloudEvent, Any]]) -> None:
    for envelope, record in sent:
        assert envelope.subject and record.key == envelope.subject.encode(), envelope.type
        assert envelope.tenantid == TENANT, envelope.type
        headers = dict(record.headers)
        assert headers["content-type"] == b"application/cloudevents+json", envelope.type
        assert not [name for name in headers if name.lower().startswith("ce_")], envelope.type


def test_python_sdk_reads_every_event_type(sent: list[tuple[CloudEvent, Any]]) -> None:
    for envelope, record in sent:
        message = KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value)
        read = from_kafka(message, JSONFormat())
        attributes = dict(read.get_attributes())
        assert attributes.pop("time") == envelope.time, envelope.type
        expected = _expected(envelope, record.key)
        del expected["time"], expected["data"]
        assert attributes == expected, envelope.type
        assert read.get_data() == envelope.data, envelope.type


def test_javascript_sdk_reads_every_event_type(
    sent: list[tuple[CloudEvent, Any]], node: str
) -> None:
    lines = "".join(
        json.dumps(
            {
                "key": record.key.decode(),
                "headers": {name: value.decode() for name, value in record.headers},
                "value": record.value.decode(),
            }
        )
        + "\n"
        for _, record in sent
    )
    done = subprocess.run(
        [node, "read_kafka_records.mjs"],
        cwd=NODE_CLIENT,
        input=lines,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    read = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(read) == len(sent)
    for (envelope, record), event in zip(sent, read, strict=True):
        assert "error" not in event, f"{envelope.type}: {event.get('error')}"
        assert datetime.fromisoformat(event.pop("time")) == envelope.time, envelope.type
        expected = _expected(envelope, record.key)
        del expected["time"]
        assert event == expected, envelope.type
