"""Unit tests of the CloudEvents envelope: build, serialise, parse, Kafka headers."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crm_shared.events.envelope import (
    CONTENT_TYPE,
    SPEC_VERSION,
    CloudEvent,
    EnvelopeError,
    new_envelope,
    parse_envelope,
)

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _envelope(**overrides: Any) -> CloudEvent:
    options: dict[str, Any] = {
        "source": "/services/leads",
        "type_": "LeadAssigned",
        "version": 1,
        "subject": "lead_01JD3X0000000000000000000",
        "tenant_id": "tenant-a",
        "data": {"lead_id": "lead_01JD3X0000000000000000000", "owner_id": "user_1"},
    }
    options.update(overrides)
    return new_envelope(**options)


def _wire(**overrides: Any) -> dict[str, Any]:
    """A valid structured-mode envelope as a JSON object."""
    payload: dict[str, Any] = json.loads(_envelope().to_bytes())
    payload.update(overrides)
    return payload


# --------------------------------------------------------------------------- building


def test_new_envelope_fills_the_cloudevents_attributes() -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    event = _envelope(traceparent=TRACEPARENT, causation_id="evt-cause")
    assert event.specversion == SPEC_VERSION == "1.0"
    assert uuid.UUID(event.id).version == 7
    assert event.source == "/services/leads"
    assert event.type == "LeadAssigned"
    assert event.subject == "lead_01JD3X0000000000000000000"
    assert event.tenantid == "tenant-a"
    assert event.datacontenttype == "application/json"
    assert event.dataschema == "urn:crm:events:LeadAssigned:v1"
    assert event.time.tzinfo is not None
    assert before <= event.time <= datetime.now(UTC)
    assert event.causationid == "evt-cause"
    assert event.traceparent == TRACEPARENT


def test_correlation_id_defaults_to_the_event_id() -> None:
    event = _envelope()
    assert event.correlationid == event.id
    assert _envelope(correlation_id="corr-1").correlationid == "corr-1"


def test_every_envelope_gets_a_fresh_increasing_id() -> None:
    ids = [_envelope().id for _ in range(100)]
    assert len(set(ids)) == len(ids)
    assert [uuid.UUID(i) for i in ids] == sorted(uuid.UUID(i) for i in ids)


# --------------------------------------------------------------------------- round trip


def test_round_trip_through_bytes() -> None:
    event = _envelope(traceparent=TRACEPARENT, causation_id="evt-cause")
    parsed = parse_envelope(event.to_bytes())
    assert parsed == event
    assert parsed.time == event.time
    assert parsed.data == event.data


def test_to_bytes_is_structured_mode_json_without_nulls() -> None:
    event = _envelope()
    payload = json.loads(event.to_bytes())
    assert payload["specversion"] == "1.0"
    assert payload["type"] == "LeadAssigned"
    assert payload["tenantid"] == "tenant-a"
    assert payload["data"] == event.data
    assert "causationid" not in payload
    assert "traceparent" not in payload
    assert None not in payload.values()


# --------------------------------------------------------------------------- kafka headers


def test_kafka_headers_are_structured_mode_only() -> None:
    """No ``ce_*`` header: the CloudEvents SDKs read any of them as binary mode."""
    event = _envelope()
    assert event.kafka_headers() == [("content-type", b"application/cloudevents+json")]
    assert CONTENT_TYPE == "application/cloudevents+json"


def test_kafka_headers_carry_the_traceparent() -> None:
    headers = dict(_envelope(traceparent=TRACEPARENT).kafka_headers())
    assert headers["traceparent"] == TRACEPARENT.encode()
    assert all(isinstance(value, bytes) for value in headers.values())


# --------------------------------------------------------------------------- schema version


@pytest.mark.parametrize(
    ("dataschema", "version"),
    [
        ("urn:crm:events:LeadCreated:v1", 1),
        ("urn:crm:events:LeadCreated:v2", 2),
        ("urn:crm:events:LeadCreated:v12", 12),
    ],
)
def test_schema_version_is_read_from_dataschema(dataschema: str, version: int) -> None:
    event = parse_envelope(json.dumps(_wire(dataschema=dataschema)).encode())
    assert event.schema_version == version


def test_new_envelope_encodes_the_version() -> None:
    assert _envelope(version=3).schema_version == 3


@pytest.mark.parametrize(
    "dataschema",
    [
        "urn:crm:events:LeadCreated",
        "urn:crm:events:LeadCreated:v",
        "urn:crm:events:LeadCreated:version1",
        "urn:crm:events:LeadCreated:1",
        "urn:crm:events:LeadCreated:v1.0",
        "urn:crm:events:LeadCreated:v-1",
    ],
)
def test_bad_dataschema_carries_no_version(dataschema: str) -> None:
    event = parse_envelope(json.dumps(_wire(dataschema=dataschema)).encode())
    with pytest.raises(ValueError, match="carries no version"):
        _ = event.schema_version


# --------------------------------------------------------------------------- parse errors


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"not json", id="text"),
        pytest.param(b'{"specversion": "1.0",', id="truncated"),
        pytest.param(b"\xff\xfe\x00garbage", id="binary"),
    ],
)
def test_non_json_is_an_envelope_error(raw: bytes) -> None:
    with pytest.raises(EnvelopeError, match="not JSON"):
        parse_envelope(raw)


def test_none_is_an_envelope_error() -> None:
    with pytest.raises(EnvelopeError, match="no value"):
        parse_envelope(None)


def test_invalid_utf8_is_an_envelope_error() -> None:
    raw = json.dumps(_wire()).encode().replace(b"tenant-a", b"tenant-\xc3\x28")
    with pytest.raises(EnvelopeError):
        parse_envelope(raw)


@pytest.mark.parametrize("raw", [b"[]", b"[1, 2]", b'"text"', b"42", b"null", b"true"])
def test_json_that_is_not_an_object_is_an_envelope_error(raw: bytes) -> None:
    with pytest.raises(EnvelopeError, match="not a JSON object"):
        parse_envelope(raw)


@pytest.mark.parametrize("specversion", ["0.3", "2.0", "1", 1.0, None])
def test_wrong_specversion_is_an_envelope_error(specversion: object) -> None:
    raw = json.dumps(_wire(specversion=specversion)).encode()
    with pytest.raises(EnvelopeError, match="specversion"):
        parse_envelope(raw)


def test_missing_specversion_is_an_envelope_error() -> None:
    payload = _wire()
    del payload["specversion"]
    with pytest.raises(EnvelopeError, match="specversion"):
        parse_envelope(json.dumps(payload).encode())


@pytest.mark.parametrize(
    "field", ["id", "source", "type", "time", "dataschema", "tenantid", "data"]
)
def test_missing_required_field_is_an_envelope_error(field: str) -> None:
    payload = _wire()
    del payload[field]
    with pytest.raises(EnvelopeError, match="invalid envelope"):
        parse_envelope(json.dumps(payload).encode())


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"id": ""}, id="empty-id"),
        pytest.param({"tenantid": ""}, id="empty-tenant"),
        pytest.param({"tenantid": "t" * 65}, id="long-tenant"),
        pytest.param({"time": "yesterday"}, id="bad-time"),
        pytest.param({"data": [1, 2]}, id="data-not-object"),
        pytest.param({"data": None}, id="data-null"),
        pytest.param({"type": 5}, id="type-not-string"),
    ],
)
def test_invalid_field_is_an_envelope_error(overrides: dict[str, Any]) -> None:
    with pytest.raises(EnvelopeError, match="invalid envelope"):
        parse_envelope(json.dumps(_wire(**overrides)).encode())


def test_envelope_error_is_a_value_error() -> None:
    assert issubclass(EnvelopeError, ValueError)


# --------------------------------------------------------------------------- extensions


def test_unknown_cloudevents_extensions_are_accepted_and_kept() -> None:
    raw = json.dumps(_wire(partitionkey="lead_1", sampledrate=10)).encode()
    event = parse_envelope(raw)
    assert event.model_extra == {"partitionkey": "lead_1", "sampledrate": 10}
    again = json.loads(event.to_bytes())
    assert again["partitionkey"] == "lead_1"
    assert again["sampledrate"] == 10


def test_minimal_envelope_parses() -> None:
    payload = {
        "specversion": "1.0",
        "id": "evt-1",
        "source": "/services/deals",
        "type": "DealStageChanged",
        "time": "2025-01-02T03:04:05.678Z",
        "dataschema": "urn:crm:events:DealStageChanged:v1",
        "tenantid": "tenant-b",
        "data": {},
    }
    event = parse_envelope(json.dumps(payload).encode())
    assert event.subject is None
    assert event.datacontenttype == "application/json"
    assert event.time == datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert event.schema_version == 1
