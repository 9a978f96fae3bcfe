"""Limits: bodies, page sizes, nesting and numbers a client may send, against the running
platform (over real sockets: uvicorn, the gateway's proxy, the services)."""

from __future__ import annotations

import json
from typing import Any

from .conftest import Tenant

JSON = {"content-type": "application/json"}


def _automation_with_condition_value(literal: str) -> bytes:
    """An automation with a condition whose value is the raw JSON ``literal``."""
    body: dict[str, Any] = {
        "name": "Skor tinggi",
        "trigger": {
            "event_type": "LeadCreated",
            "conditions": [{"field": "lead.score", "op": "gt", "value": "__VALUE__"}],
        },
        "actions": [{"type": "notify_user", "user_id": "user_budi", "title": "Lead baru"}],
    }
    return json.dumps(body).replace('"__VALUE__"', literal).encode()


async def test_nan_and_infinity_are_refused_before_anything_is_stored(tenant: Tenant) -> None:
    """Python's JSON parser reads ``NaN`` and ``Infinity``; stored, they made the answer
    itself fail (a 500 after the automation was saved)."""
    headers = {**tenant.auth(), **JSON}
    for literal in ("NaN", "Infinity", "-Infinity", "[1, NaN]"):
        response = await tenant.gateway.post(
            "/api/v1/automations",
            content=_automation_with_condition_value(literal),
            headers=headers,
        )
        assert response.status_code == 422, (literal, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    for path, body in (
        ("/api/v1/leads", b'{"last_name": "Nan", "custom": {"skor": NaN}}'),
        ("/api/v1/deals", b'{"name": "Nan", "amount": Infinity}'),
        (
            "/api/v1/segments/preview",
            b'{"rules": {"rules": [{"field": "custom.skor", "op": "gt", "value": NaN}]}}',
        ),
    ):
        response = await tenant.gateway.post(path, content=body, headers=headers)
        assert response.status_code == 422, (path, response.text)
    listed = await tenant.gateway.get("/api/v1/automations", headers=tenant.auth())
    assert listed.status_code == 200 and listed.json()["items"] == []
