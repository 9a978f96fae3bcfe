"""Limits: bodies, page sizes, nesting and numbers a client may send, against the running
platform (over real sockets: uvicorn, the gateway's proxy, the services)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

from .conftest import Tenant, whole_openapi_document

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


def _nested_groups(depth: int) -> bytes:
    """Segment rules with ``depth`` groups nested in one another."""
    condition = '{"field": "tags", "op": "contains", "value": "vip"}'
    group = '{"match": "all", "rules": [' * depth + condition + "]}" * depth
    return f'{{"rules": {group}}}'.encode()


async def test_deep_nesting_is_refused_cheaply(tenant: Tenant) -> None:
    """10,000 nested arrays are a 400 (not a RecursionError), and segment rules nested
    300 deep a one-error 422: refused at every level, they came back as 12 MB of errors."""
    headers = {**tenant.auth(), **JSON}
    arrays = b"[" * 10_000 + b"]" * 10_000
    for path in ("/api/v1/leads", "/api/v1/segments/preview", "/api/v1/auth/token"):
        response = await tenant.gateway.post(path, content=arrays, headers=headers)
        assert response.status_code == 400, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    async with tenant.service("contacts") as contacts:
        direct = await contacts.post("/v1/contacts", content=arrays, headers=headers)
    assert direct.status_code == 400, direct.text
    for path in ("/api/v1/segments/preview", "/api/v1/segments"):
        body = _nested_groups(300)
        deep = await tenant.gateway.post(path, content=body, headers=headers)
        assert deep.status_code == 422, deep.text[:500]
        assert len(deep.content) < 2_000, f"{len(body)} bytes in, {len(deep.content)} out"
        assert "nest at most" in deep.text
    allowed = await tenant.gateway.post(
        "/api/v1/segments/preview", content=_nested_groups(3), headers=headers
    )
    assert allowed.status_code == 200, allowed.text


async def _chunks(total: int, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    """``total`` bytes in chunks: sent chunked, without a Content-Length."""
    for start in range(0, total, size):
        yield b" " * min(size, total - start)


async def test_oversized_bodies_are_413_even_without_a_content_length(tenant: Tenant) -> None:
    """The 1 MB cap holds at the gateway and at a service, declared or streamed."""
    headers = {**tenant.auth(), **JSON}
    oversized = 1_048_576 + 1
    async with tenant.service("leads") as leads:
        for client, path in ((tenant.gateway, "/api/v1/leads"), (leads, "/v1/leads")):
            declared = await client.post(path, content=b" " * oversized, headers=headers)
            streamed = await client.post(path, content=_chunks(oversized), headers=headers)
            for response in (declared, streamed):
                assert response.status_code == 413, (path, response.text)
                assert response.headers["content-type"] == "application/problem+json"
    assert "content-length" not in streamed.request.headers
    listed = await tenant.gateway.get("/api/v1/leads", headers=tenant.auth())
    assert listed.json()["items"] == []


async def test_every_list_has_a_bounded_page_size(tenant: Tenant) -> None:
    """Each ``limit`` the document declares has a maximum of at most 200, and
    ``limit=100000`` is a 422 problem, never a page that large."""
    document = await whole_openapi_document(tenant.gateway)
    lists = {
        path: parameter["schema"]
        for path, item in document["paths"].items()
        if "get" in item
        for parameter in item["get"].get("parameters", [])
        if parameter["name"] == "limit"
    }
    assert "/api/v1/leads" in lists and "/api/v1/users" in lists and len(lists) > 15
    for path, schema in lists.items():
        assert schema["maximum"] <= 200, (path, schema)
        concrete = re.sub(r"\{[^}]+\}", "x_1", path)
        for limit in ("100000", "99999999999999999999999999", "-1", "0"):
            response = await tenant.gateway.get(
                concrete, params={"limit": limit}, headers=tenant.auth()
            )
            assert response.status_code == 422, (path, limit, response.text)
            assert response.headers["content-type"] == "application/problem+json"


async def test_invalid_utf8_is_refused_in_json_and_in_csv(tenant: Tenant) -> None:
    headers = tenant.auth()
    broken_json = b'{"last_name": "Wijaya \xff\xfe"}'
    response = await tenant.gateway.post(
        "/api/v1/leads", content=broken_json, headers={**headers, **JSON}
    )
    assert response.status_code == 400, response.text
    segment = await tenant.gateway.post(
        "/api/v1/segments", json={"name": "Daftar", "kind": "static"}, headers=headers
    )
    assert segment.status_code == 201, segment.text
    csv = {**headers, "content-type": "text/csv"}
    for path, body in (
        ("/api/v1/leads/import", b"last_name,email\nWijaya \xff\xfe,a@contoh.co.id\n"),
        ("/api/v1/contacts/import", b"last_name,email\nWijaya \xc3\x28,a@contoh.co.id\n"),
        ("/api/v1/accounts/import", b"name,domain\nPT \xe2\x82,contoh.co.id\n"),
        (f"/api/v1/segments/{segment.json()['id']}/members/import", b"email\n\xff@x.co\n"),
    ):
        response = await tenant.gateway.post(path, content=body, headers=csv)
        assert response.status_code in (400, 422), (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert "UTF-8" in response.json()["detail"], (path, response.json())
    for resource in ("leads", "contacts", "accounts"):
        listed = await tenant.gateway.get(f"/api/v1/{resource}", headers=headers)
        assert listed.json()["items"] == [], resource


async def test_huge_numbers_are_refused(tenant: Tenant) -> None:
    headers = {**tenant.auth(), **JSON}
    for path, body in (
        ("/api/v1/leads", b'{"last_name": "X", "custom": {"n": 1' + b"0" * 30 + b"}}"),
        ("/api/v1/leads", b'{"last_name": "X", "custom": {"n": 1e400}}'),
        ("/api/v1/leads", b'{"last_name": "X", "custom": {"n": 1' + b"0" * 5000 + b"}}"),
        ("/api/v1/deals", b'{"name": "X", "amount": "1' + b"0" * 40 + b'"}'),
        ("/api/v1/deals", b'{"name": "X", "amount": 1e308, "probability": 1e308}'),
    ):
        response = await tenant.gateway.post(path, content=body, headers=headers)
        assert response.status_code in (400, 422), (path, body[:60], response.text)
        assert response.headers["content-type"] == "application/problem+json"


ENDS_OF_TIME = {
    "date-time": ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z"),
    "date": ("0001-01-01", "9999-12-31"),
}


async def test_dates_at_the_ends_of_time_are_answered(tenant: Tenant) -> None:
    """Every date filter of every operation, at the first and the last representable
    instant (a bound one millisecond beyond them overflowed: a 500)."""
    document = await whole_openapi_document(tenant.gateway)
    dated = {
        re.sub(r"\{[^}]+\}", "x_1", path): formats
        for path, item in document["paths"].items()
        if (formats := _date_parameters(item.get("get", {})))
    }
    assert {"/api/v1/leads", "/api/v1/contacts", "/api/v1/leads/summary"} <= set(dated)
    for path, formats in dated.items():
        for end in (0, 1):
            params = {name: ENDS_OF_TIME[fmt][end] for name, fmt in formats.items()}
            response = await tenant.gateway.get(path, params=params, headers=tenant.auth())
            assert response.status_code < 500, (path, params, response.text)
            if response.status_code >= 400:
                assert response.headers["content-type"] == "application/problem+json"


def _date_parameters(operation: dict[str, Any]) -> dict[str, str]:
    """Query parameter name -> ``date`` or ``date-time``, for those of ``operation``."""
    found = {}
    for parameter in operation.get("parameters", []):
        for schema in parameter["schema"].get("anyOf", [parameter["schema"]]):
            if parameter["in"] == "query" and schema.get("format") in ENDS_OF_TIME:
                found[parameter["name"]] = schema["format"]
    return found
