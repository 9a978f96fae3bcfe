"""Injection: URL syntax smuggled through path segments, and MongoDB operators smuggled
through bodies and query strings, against the running platform."""

from __future__ import annotations

from typing import Any

from crm_devstack.testing import eventually, unique_name

from .conftest import Platform, Tenant, whole_openapi_document

LEAD = {"last_name": "Aman", "email": "aman@contoh.co.id"}


async def test_encoded_url_syntax_in_an_id_stays_part_of_the_id(tenant: Tenant) -> None:
    """``%3F`` and ``%23`` in an id reach the service as characters of the id (not a
    query or a fragment), control characters are a 404 rather than a 500, and encoded
    dot segments never lead out of ``/v1/<resource>``."""
    admin = tenant.auth()
    created = await tenant.gateway.post("/api/v1/leads", json=LEAD, headers=admin)
    assert created.status_code == 201, created.text
    lead_id = created.json()["id"]
    smuggled = {
        f"/api/v1/leads/{lead_id}%3Flimit=1": f"{lead_id}?limit=1",
        f"/api/v1/leads/{lead_id}%23top": f"{lead_id}#top",
        "/api/v1/leads/%08%F4%88%AF%8E": "\b\U00108bce",
    }
    for path, id_seen in smuggled.items():
        response = await tenant.gateway.get(path, headers=admin)
        assert response.status_code == 404, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert id_seen in response.json()["detail"], (path, response.json())
    for path in (
        "/api/v1/leads/x%0D%0AX-Injected:%201",
        "/api/v1/leads/%2E%2E/%2E%2E/openapi.json",
        f"/api/v1/leads/{lead_id}/%2E%2E",
        "/api/v1/leads/x/..%2F..%2F..%2Fopenapi.json",
    ):
        response = await tenant.gateway.get(path, headers=admin)
        assert response.status_code == 404, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert "x-injected" not in response.headers


OPERATORS: tuple[Any, ...] = (
    {"$gt": ""},
    {"$ne": None},
    {"$where": "sleep(1000) || true"},
    {"$regex": ".*"},
    [{"$ne": None}],
)
"""MongoDB operators a client might smuggle in where a value belongs."""
OPERATOR_LOOKING_TEXT = ('{"$ne": null}', '{"$gt": ""}', "$where", "x|.*", "' || '1'=='1")
"""The same as text (and a regular expression, and a JavaScript condition): a query string
or a string field carries them only as characters. Each has a word no record holds."""


def _bodies(value: Any, ids: dict[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """Create, merge, assign and rule bodies with ``value`` where an id, an e-mail, a name
    or a condition value belongs."""
    return [
        ("/api/v1/leads", {"last_name": "X", "email": value}),
        ("/api/v1/leads", {"last_name": value}),
        ("/api/v1/leads", {"last_name": "X", "owner_id": value}),
        ("/api/v1/leads", {"last_name": "X", "tags": [value]}),
        ("/api/v1/leads", {"last_name": "X", "custom": {"skor": value}}),
        (f"/api/v1/leads/{ids['lead']}/merge", {"source_lead_id": value}),
        (f"/api/v1/leads/{ids['lead']}/assign", {"owner_id": value}),
        ("/api/v1/contacts", {"last_name": "X", "account_id": value}),
        (f"/api/v1/contacts/{ids['contact']}/merge", {"source_contact_id": value}),
        ("/api/v1/deals", {"name": "X", "amount": "1", "pipeline_id": value}),
        ("/api/v1/deals", {"name": "X", "amount": value}),
        ("/api/v1/segments/preview", {"rules": {"rules": [_tagged(value)]}}),
        ("/api/v1/segments", {"name": "S", "rules": {"rules": [_tagged(value)]}}),
        (f"/api/v1/segments/{ids['segment']}/members", {"contact_ids": [value]}),
        ("/api/v1/webhooks", {"url": "https://127.0.0.1:9/hook", "event_types": [value]}),
    ]


def _tagged(value: Any) -> dict[str, Any]:
    return {"field": "tags", "op": "contains", "value": value}


async def _seed(tenant: Tenant) -> dict[str, str]:
    """A lead, a contact and a static segment of the tenant; their ids."""
    admin = tenant.auth()
    made = {}
    for name, path, body in (
        ("lead", "/api/v1/leads", {"last_name": "Benih", "email": "benih@contoh.co.id"}),
        ("contact", "/api/v1/contacts", {"last_name": "Benih", "email": "benih@contoh.co.id"}),
        ("segment", "/api/v1/segments", {"name": "Benih", "kind": "static"}),
    ):
        response = await tenant.gateway.post(path, json=body, headers=admin)
        assert response.status_code == 201, response.text
        made[name] = response.json()["id"]
    return made


async def _ids(tenant: Tenant, resource: str) -> list[str]:
    response = await tenant.gateway.get(f"/api/v1/{resource}", headers=tenant.auth())
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_operators_in_bodies_are_refused(tenant: Tenant) -> None:
    """An operator where a value belongs is a 422 problem and changes nothing."""
    ids = await _seed(tenant)
    before = {r: await _ids(tenant, r) for r in ("leads", "contacts", "deals", "segments")}
    for value in OPERATORS:
        for path, body in _bodies(value, ids):
            response = await tenant.gateway.post(path, json=body, headers=tenant.auth())
            assert response.status_code == 422, (path, body, response.text)
            assert response.headers["content-type"] == "application/problem+json"
    after = {r: await _ids(tenant, r) for r in before}
    assert after == before
    webhooks = await tenant.gateway.get("/api/v1/webhooks", headers=tenant.auth())
    assert webhooks.json()["items"] == []


async def test_dollar_and_dotted_keys_are_refused(tenant: Tenant) -> None:
    """Keys a client names (custom fields, rule fields, top-level fields) never become
    query paths or update operators."""
    ids = await _seed(tenant)
    admin = tenant.auth()
    for key in ("$where", "$set", "a.b", "__proto__", "$"):
        for method, path, body in (
            ("POST", "/api/v1/leads", {"last_name": "X", "custom": {key: 1}}),
            ("POST", "/api/v1/contacts", {"last_name": "X", "custom": {key: 1}}),
            ("POST", "/api/v1/accounts", {"name": "PT X", "custom": {key: 1}}),
            ("PATCH", f"/api/v1/leads/{ids['lead']}", {"custom": {key: 1}}),
            ("PATCH", f"/api/v1/leads/{ids['lead']}", {key: {"status": "converted"}}),
            ("PATCH", f"/api/v1/contacts/{ids['contact']}", {key: 1}),
            (
                "POST",
                "/api/v1/segments/preview",
                {"rules": {"rules": [{"field": f"custom.{key}", "op": "exists", "value": True}]}},
            ),
            (
                "POST",
                "/api/v1/segments/preview",
                {"rules": {"rules": [{"field": key, "op": "exists", "value": True}]}},
            ),
        ):
            response = await tenant.gateway.request(method, path, json=body, headers=admin)
            assert response.status_code == 422, (method, path, body, response.text)
            assert response.headers["content-type"] == "application/problem+json"
    lead = (await tenant.gateway.get(f"/api/v1/leads/{ids['lead']}", headers=admin)).json()
    assert lead["version"] == 1 and lead["custom"] == {} and lead["status"] == "new"


async def test_operators_in_log_in_credentials_are_refused(tenant: Tenant) -> None:
    """The classic bypass, ``{"password": {"$ne": null}}``, is a 422; as text it is just
    a wrong password."""
    email = f"{tenant.name.replace('_', '-')}@contoh.co.id"
    user = {"email": email, "roles": ["viewer"], "password": "kata sandi yang panjang"}
    created = await tenant.gateway.post("/api/v1/users", json=user, headers=tenant.auth())
    assert created.status_code == 201, created.text
    for value in OPERATORS:
        for body in ({"email": email, "password": value}, {"email": value, "password": "x"}):
            response = await tenant.gateway.post("/api/v1/auth/token", json=body)
            assert response.status_code == 422, (body, response.text)
            assert "access_token" not in response.text
    for text in OPERATOR_LOOKING_TEXT:
        response = await tenant.gateway.post(
            "/api/v1/auth/token", json={"email": email, "password": text}
        )
        assert response.status_code == 401, (text, response.text)


async def test_query_strings_carry_operators_only_as_text(
    tenant: Tenant, platform: Platform
) -> None:
    """Every query parameter of every list (filters, search, sort, cursor), given
    operator-looking text, is refused or finds nothing (no record holds that text); a
    bracketed name (``owner_id[$ne]``, the PHP and qs convention) is refused or ignored,
    never read as an operator; and another tenant never sees one of this tenant's
    records."""
    await _seed(tenant)
    stranger = Tenant(platform, unique_name("tenant_"), tenant.gateway)
    document = await whole_openapi_document(tenant.gateway)
    lists = {
        path: {p["name"]: _texts_for(p) for p in item["get"]["parameters"] if p["in"] == "query"}
        for path, item in document["paths"].items()
        if "{" not in path
        and any(p["name"] == "limit" for p in item.get("get", {}).get("parameters", []))
    }
    assert {"/api/v1/leads", "/api/v1/contacts", "/api/v1/deals"} <= set(lists)
    for path, parameters in lists.items():
        mine = await _listed(tenant, path)
        assert mine is not None, path
        for name, texts in parameters.items():
            for text in texts:
                found = await _listed(tenant, path, {name: text})
                assert found in (None, set()), (path, name, text)
        theirs = await _listed(stranger, path)
        assert theirs is not None and not theirs & mine, path
        for caller, unfiltered in ((tenant, mine), (stranger, theirs)):
            bracketed = await _listed(caller, path, {"owner_id[$ne]": "x", "q[$regex]": ".*"})
            assert bracketed in (None, unfiltered), path


async def _listed(
    caller: Tenant, path: str, params: dict[str, str] | None = None
) -> set[str] | None:
    """Ids of the first page of ``path`` as ``caller`` sees it; None when it is refused
    (400, 422) or names a record that is not there (404, e.g. an unknown pipeline)."""
    response = await caller.gateway.get(path, params=params, headers=caller.auth())
    if response.status_code in (400, 404, 422):
        assert response.headers["content-type"] == "application/problem+json"
        return None
    assert response.status_code == 200, (path, params, response.text)
    return {item["id"] for item in response.json()["items"]}


def _texts_for(parameter: dict[str, Any]) -> tuple[str, ...]:
    """Every operator-looking text for a parameter that takes any text; one for the rest
    (an enum, a number, a date or a cursor refuses any such text alike)."""
    schemas = parameter["schema"].get("anyOf", [parameter["schema"]])
    free = any(s.get("type") == "string" and not {"enum", "format"} & set(s) for s in schemas)
    return (
        OPERATOR_LOOKING_TEXT
        if free and parameter["name"] != "cursor"
        else OPERATOR_LOOKING_TEXT[:1]
    )


async def test_segment_rules_that_match_everything_stay_in_the_tenant(
    tenant: Tenant, platform: Platform
) -> None:
    """Rules written to match every contact count only the caller's own (the campaigns
    service's contact projection holds every tenant's contacts)."""
    admin = tenant.auth()
    contact = {"last_name": "Pelanggan", "email": "vip@contoh.co.id", "tags": ["vip"]}
    created = await tenant.gateway.post("/api/v1/contacts", json=contact, headers=admin)
    assert created.status_code == 201, created.text
    everyone = {
        "match": "any",
        "rules": [
            {"field": "tags", "op": "exists", "value": True},
            {"field": "tags", "op": "exists", "value": False},
        ],
    }

    async def projected() -> bool:
        mine = await tenant.gateway.post(
            "/api/v1/segments/preview", json={"rules": everyone}, headers=admin
        )
        return mine.status_code == 200 and mine.json()["count"] == 1

    await eventually(projected, timeout=30, what="the contact in the campaigns projection")
    stranger = Tenant(platform, unique_name("tenant_"), tenant.gateway)
    theirs = await stranger.gateway.post(
        "/api/v1/segments/preview", json={"rules": everyone}, headers=stranger.auth()
    )
    assert theirs.status_code == 200 and theirs.json() == {"count": 0, "sample": []}
