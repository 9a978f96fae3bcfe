"""CloudEvents 1.0 envelope in structured mode, and its Kafka record headers.

Records follow the structured content mode of the CloudEvents Kafka protocol binding
exactly: the whole event is the record value, ``content-type`` is
``application/cloudevents+json`` and no ``ce_*`` header is set (the SDKs take any
``ce_*`` header to mean binary mode). The same JSON is a webhook delivery's body."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crm_shared.ids import new_event_id, utcnow

CONTENT_TYPE = "application/cloudevents+json"
SPEC_VERSION = "1.0"


class CloudEvent(BaseModel):
    """A structured-mode CloudEvent; ``data`` is the event model dumped to JSON types."""

    model_config = ConfigDict(extra="allow", frozen=True)

    specversion: str = SPEC_VERSION
    id: str = Field(min_length=1, max_length=128)
    source: str = Field(min_length=1, max_length=256)
    type: str = Field(min_length=1, max_length=128)
    subject: str | None = Field(default=None, max_length=256)
    time: datetime
    datacontenttype: str = "application/json"
    dataschema: str
    tenantid: str = Field(min_length=1, max_length=64)
    correlationid: str | None = None
    causationid: str | None = None
    traceparent: str | None = None
    data: dict[str, Any]

    @property
    def schema_version(self) -> int:
        """The data schema version encoded at the end of ``dataschema`` (``...:v1``)."""
        tail = self.dataschema.rsplit(":", 1)[-1]
        if not tail.startswith("v") or not tail[1:].isdigit():
            raise ValueError(f"dataschema {self.dataschema!r} carries no version")
        return int(tail[1:])

    def to_bytes(self) -> bytes:
        """Serialise to the structured-mode JSON bytes sent on the wire."""
        return self.model_dump_json(exclude_none=True).encode()

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        """The structured-mode ``content-type`` and the W3C ``traceparent`` of the producer."""
        headers = [("content-type", CONTENT_TYPE.encode())]
        if self.traceparent:
            headers.append(("traceparent", self.traceparent.encode()))
        return headers


class EnvelopeError(ValueError):
    """The bytes are not a valid CloudEvent (poison: dead-letter, never retry)."""


def parse_envelope(raw: bytes | None) -> CloudEvent:
    """Parse structured-mode bytes into a :class:`CloudEvent` or raise :class:`EnvelopeError`."""
    if raw is None:
        raise EnvelopeError("record has no value")
    try:
        payload = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EnvelopeError(f"value is not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise EnvelopeError("value is not a JSON object")
    if payload.get("specversion") != SPEC_VERSION:
        raise EnvelopeError(f"unsupported specversion {payload.get('specversion')!r}")
    try:
        return CloudEvent.model_validate(payload)
    except ValidationError as exc:
        raise EnvelopeError(f"invalid envelope: {exc.errors(include_url=False)}") from exc


def new_envelope(
    *,
    source: str,
    type_: str,
    version: int,
    subject: str,
    tenant_id: str,
    data: dict[str, Any],
    correlation_id: str | None = None,
    causation_id: str | None = None,
    traceparent: str | None = None,
) -> CloudEvent:
    """Build an envelope with a fresh time-ordered id."""
    event_id = new_event_id()
    return CloudEvent(
        id=event_id,
        source=source,
        type=type_,
        subject=subject,
        time=utcnow(),
        dataschema=f"urn:crm:events:{type_}:v{version}",
        tenantid=tenant_id,
        correlationid=correlation_id or event_id,
        causationid=causation_id,
        traceparent=traceparent,
        data=data,
    )
