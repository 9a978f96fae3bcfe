"""The leads API against the real servers: CRUD, rules, events, bad input."""

from __future__ import annotations

import json

from crm_devstack.testing import TopicReader
from crm_shared.events.envelope import parse_envelope

from .conftest import LeadsHarness


async def test_create_get_and_lead_created_event(leads: LeadsHarness) -> None:
    async with TopicReader(leads.settings.kafka_bootstrap, leads.topic) as reader:
        response = await leads.client.post(
            "/v1/leads",
            json={
                "first_name": "José",
                "last_name": "Wijaya",
                "email": "Jose.Wijaya@Contoh.co.id",
                "phone": "0812-3456-7890",
                "company": "PT Contoh",
                "source": "referral",
            },
            headers=leads.auth(),
        )
        assert response.status_code == 201, response.text
        lead = response.json()
        assert lead["id"].startswith("lead_")
        assert response.headers["location"] == f"/v1/leads/{lead['id']}"
        assert response.headers["etag"] == '"1"'
        assert lead["email"] == "jose.wijaya@contoh.co.id"
        assert lead["phone"] == "+6281234567890"
        assert lead["status"] == "new"
        assert lead["score"] > 0 and lead["rating"] in {"hot", "warm", "cold"}
        assert lead["score_reasons"], "the rules that fired are explained"
        assert lead["tenant_id"] == leads.tenant
        assert "search" not in lead and "_id" not in lead

        fetched = await leads.client.get(f"/v1/leads/{lead['id']}", headers=leads.auth("viewer"))
        assert fetched.status_code == 200
        assert fetched.json() == lead

        [record] = await reader.wait_for_count(1)
    assert record.key == lead["id"].encode()
    headers = dict(record.headers)
    assert headers["content-type"] == b"application/cloudevents+json"
    assert not [name for name in headers if name.startswith("ce_")], "structured mode only"
    event = parse_envelope(record.value)
    assert event.type == "LeadCreated" and event.subject == lead["id"]
    assert event.source == "/services/leads"
    assert event.tenantid == leads.tenant
    assert event.dataschema == "urn:crm:events:LeadCreated:v1"
    assert event.data["lead"]["email"] == "jose.wijaya@contoh.co.id"
    assert event.data["lead"]["score"] == lead["score"]


async def test_duplicate_email_is_409_pointing_at_existing(leads: LeadsHarness) -> None:
    first = await leads.create(email="andi@contoh.co.id")
    again = await leads.client.post(
        "/v1/leads", json={"last_name": "X", "email": "ANDI@contoh.co.id"}, headers=leads.auth()
    )
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["existing_id"] == first["id"]


async def test_bad_input_gives_problem_details(leads: LeadsHarness) -> None:
    post = leads.client.post
    missing = await post("/v1/leads", json={"email": "a@b.co"}, headers=leads.auth())
    assert missing.status_code == 422
    problem = missing.json()
    assert problem["type"] == "/problems/validation-error" and problem["status"] == 422
    assert any(e["field"] == "last_name" for e in problem["errors"])

    bad_email = await post(
        "/v1/leads", json={"last_name": "X", "email": "nope"}, headers=leads.auth()
    )
    assert bad_email.status_code == 422

    bad_phone = await post(
        "/v1/leads", json={"last_name": "X", "phone": "12"}, headers=leads.auth()
    )
    assert bad_phone.status_code == 422

    for forbidden_field in ("status", "score", "tenant_id", "version", "rating"):
        mass = await post(
            "/v1/leads", json={"last_name": "X", forbidden_field: "hot"}, headers=leads.auth()
        )
        assert mass.status_code == 422, forbidden_field

    injection = await post(
        "/v1/leads", json={"last_name": "X", "custom": {"$where": "1"}}, headers=leads.auth()
    )
    assert injection.status_code == 422

    malformed = await post(
        "/v1/leads",
        content=b'{"last_name": ',
        headers={**leads.auth(), "content-type": "application/json"},
    )
    assert malformed.status_code == 400
    assert malformed.json()["type"] == "/problems/malformed-json"

    huge = await post(
        "/v1/leads",
        content=json.dumps({"last_name": "X", "notes": "a" * 2_000_000}).encode(),
        headers={**leads.auth(), "content-type": "application/json"},
    )
    assert huge.status_code == 413
    assert huge.headers["content-type"] == "application/problem+json"

    missing_lead = await leads.client.get("/v1/leads/lead_nothere", headers=leads.auth())
    assert missing_lead.status_code == 404
    assert missing_lead.json()["title"] == "Not found"

    bad_limit = await leads.client.get("/v1/leads?limit=100000", headers=leads.auth())
    assert bad_limit.status_code == 422
    bad_cursor = await leads.client.get("/v1/leads?cursor=garbage", headers=leads.auth())
    assert bad_cursor.status_code == 400


async def test_auth_is_required_and_checked(leads: LeadsHarness) -> None:
    none = await leads.client.get("/v1/leads")
    assert none.status_code == 401
    assert none.headers["content-type"] == "application/problem+json"
    tampered = leads.auth()["Authorization"][:-4] + "AAAA"
    bad = await leads.client.get("/v1/leads", headers={"Authorization": tampered})
    assert bad.status_code == 401
    expired = leads.minter.token(tenant=leads.tenant, roles=["admin"], ttl=-60)
    old = await leads.client.get("/v1/leads", headers={"Authorization": f"Bearer {expired}"})
    assert old.status_code == 401
    viewer = await leads.client.post(
        "/v1/leads", json={"last_name": "X"}, headers=leads.auth("viewer")
    )
    assert viewer.status_code == 403


async def test_update_with_stale_version_is_409(leads: LeadsHarness) -> None:
    lead = await leads.create(email="budi@contoh.co.id")
    url = f"/v1/leads/{lead['id']}"
    ok = await leads.client.patch(
        url,
        json={"company": "PT Maju", "title": "Direktur"},
        headers={**leads.auth(), "If-Match": '"1"'},
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["version"] == 2 and ok.json()["company"] == "PT Maju"
    assert ok.json()["score"] > lead["score"], "title and company add points"
    stale = await leads.client.patch(
        url, json={"company": "PT Lain"}, headers={**leads.auth(), "If-Match": '"1"'}
    )
    assert stale.status_code == 409
    assert stale.json()["type"] == "/problems/version-conflict"
    current = await leads.client.get(url, headers=leads.auth())
    assert current.json()["company"] == "PT Maju"


async def test_status_rules(leads: LeadsHarness) -> None:
    lead = await leads.create()
    url = f"/v1/leads/{lead['id']}/status"
    no_reason = await leads.client.post(url, json={"status": "unqualified"}, headers=leads.auth())
    assert no_reason.status_code == 422
    qualified = await leads.client.post(url, json={"status": "qualified"}, headers=leads.auth())
    assert qualified.status_code == 200 and qualified.json()["status"] == "qualified"
    back = await leads.client.post(url, json={"status": "new"}, headers=leads.auth())
    assert back.status_code == 409
    assert "qualified" in back.json()["detail"]
    converted = await leads.client.post(url, json={"status": "converted"}, headers=leads.auth())
    assert converted.status_code == 422


async def test_convert_publishes_once_and_twice_is_409(leads: LeadsHarness) -> None:
    lead = await leads.create(email="citra@toko.id", company="Toko Citra", first_name="Citra")
    url = f"/v1/leads/{lead['id']}/convert"
    body = {"create_deal": {"name": "Langganan 2027", "amount": "15000000.00", "currency": "IDR"}}
    async with TopicReader(leads.settings.kafka_bootstrap, leads.topic) as reader:
        first = await leads.client.post(url, json=body, headers=leads.auth())
        assert first.status_code == 200, first.text
        assert first.json()["status"] == "converted"
        second = await leads.client.post(url, json=body, headers=leads.auth())
        assert second.status_code == 409
        records = await reader.wait_for_count(2)
    events = [parse_envelope(r.value) for r in records]
    converted = [e for e in events if e.type == "LeadConverted"]
    assert len(converted) == 1
    data = converted[0].data
    assert data["contact"].pop("contact_id").startswith("con_")  # chosen for a new contact
    assert data["account"]["new_account_id"].startswith("acc_")
    assert data["deal"]["deal_id"] == first.json()["converted"]["deal_id"]
    assert data["contact"] == {
        "first_name": "Citra",
        "last_name": "Wijaya",
        "email": "citra@toko.id",
        "phone": None,
        "title": None,
    }
    assert data["account"]["name"] == "Toko Citra" and data["account"]["domain"] == "toko.id"
    assert data["deal"]["amount"] == "15000000.00" and data["deal"]["currency"] == "IDR"
    after = await leads.client.get(f"/v1/leads/{lead['id']}", headers=leads.auth())
    assert after.json()["version"] == 2, "the refused second convert changed nothing"


async def test_assign_explicit_and_round_robin(leads: LeadsHarness) -> None:
    lead = await leads.create()
    url = f"/v1/leads/{lead['id']}/assign"
    explicit = await leads.client.post(url, json={"owner_id": "user_sri"}, headers=leads.auth())
    assert explicit.status_code == 200 and explicit.json()["owner_id"] == "user_sri"
    no_owners = await leads.client.post(url, json={"round_robin": True}, headers=leads.auth())
    assert no_owners.status_code == 409
    config = await leads.client.put(
        "/v1/leads/config/assignment",
        json={"round_robin_owners": ["user_a", "user_b"], "auto_assign": True},
        headers=leads.auth(),
    )
    assert config.status_code == 200
    owners = []
    for _ in range(4):
        response = await leads.client.post(url, json={"round_robin": True}, headers=leads.auth())
        owners.append(response.json()["owner_id"])
    assert owners == ["user_a", "user_b", "user_a", "user_b"]
    auto = await leads.create()
    assert auto["owner_id"] in {"user_a", "user_b"}
    both = await leads.client.post(
        url, json={"owner_id": "x", "round_robin": True}, headers=leads.auth()
    )
    assert both.status_code == 422


async def test_merge_and_delete(leads: LeadsHarness) -> None:
    target = await leads.create(email="dewi@contoh.id", tags=["vip"])
    source = await leads.create(
        phone="+62215551234", company="PT Dewi", tags=["event"], notes="ketemu di pameran"
    )
    merged = await leads.client.post(
        f"/v1/leads/{target['id']}/merge",
        json={"source_lead_id": source["id"]},
        headers=leads.auth(),
    )
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["phone"] == "+62215551234" and body["company"] == "PT Dewi"
    assert body["tags"] == ["vip", "event"]
    gone = await leads.client.get(f"/v1/leads/{source['id']}", headers=leads.auth())
    assert gone.status_code == 404
    self_merge = await leads.client.post(
        f"/v1/leads/{target['id']}/merge",
        json={"source_lead_id": target["id"]},
        headers=leads.auth(),
    )
    assert self_merge.status_code == 422
    deleted = await leads.client.delete(f"/v1/leads/{target['id']}", headers=leads.auth())
    assert deleted.status_code == 204
    assert (
        await leads.client.get(f"/v1/leads/{target['id']}", headers=leads.auth())
    ).status_code == 404


async def test_idempotency_key_replays_the_same_lead(leads: LeadsHarness) -> None:
    headers = {**leads.auth(), "Idempotency-Key": "form-123"}
    body = {"last_name": "Santoso", "email": "santoso@contoh.id"}
    first = await leads.client.post("/v1/leads", json=body, headers=headers)
    second = await leads.client.post("/v1/leads", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers["idempotent-replayed"] == "true"
    other = await leads.client.post(
        "/v1/leads", json={**body, "last_name": "Lain"}, headers=headers
    )
    assert other.status_code == 422


async def test_summary_counts_this_months_new_leads_by_rating(leads: LeadsHarness) -> None:
    made = [await leads.create(email=f"s{i}@contoh.co.id", source="referral") for i in range(3)]
    mine = await leads.client.post(
        "/v1/leads",
        json={"last_name": "Own", "email": "own@contoh.co.id"},
        headers=leads.auth("sales", sub="user_sri"),
    )
    assert mine.status_code == 201
    summary = (await leads.client.get("/v1/leads/summary", headers=leads.auth("viewer"))).json()
    assert summary["new_leads"] == 4
    expected: dict[str, int] = {"hot": 0, "warm": 0, "cold": 0, "junk": 0}
    for lead in [*made, mine.json()]:
        expected[lead["rating"]] += 1
    assert summary["by_rating"] == expected
    own = await leads.client.get("/v1/leads/summary", headers=leads.auth("sales", sub="user_sri"))
    assert own.json()["new_leads"] == 1, "sales count only their own leads"
    past = await leads.client.get(
        "/v1/leads/summary",
        params={"from": "2020-01-01T00:00:00Z", "to": "2020-02-01T00:00:00Z"},
        headers=leads.auth(),
    )
    assert past.json()["new_leads"] == 0
    backwards = await leads.client.get(
        "/v1/leads/summary",
        params={"from": "2020-02-01T00:00:00Z", "to": "2020-01-01T00:00:00Z"},
        headers=leads.auth(),
    )
    assert backwards.status_code == 400
    assert backwards.headers["content-type"] == "application/problem+json"


async def test_convert_into_an_existing_account_names_it_in_the_event(
    leads: LeadsHarness,
) -> None:
    lead = await leads.create(email="dewi@gmail.com", company="Toko Dewi")
    url = f"/v1/leads/{lead['id']}/convert"
    unnamed = await leads.client.post(url, json={"account_id": "acc_1"}, headers=leads.auth())
    assert unnamed.status_code == 422
    async with TopicReader(leads.settings.kafka_bootstrap, leads.topic) as reader:
        body = {"account_id": "acc_1", "account_name": "PT Maju Bersama"}
        converted = await leads.client.post(url, json=body, headers=leads.auth())
        assert converted.status_code == 200, converted.text
        records = await reader.wait_for_count(2)
    assert converted.json()["converted"]["account_id"] == "acc_1"
    [event] = [e for r in records if (e := parse_envelope(r.value)).type == "LeadConverted"]
    assert event.data["account"]["account_id"] == "acc_1"
    assert event.data["account"]["name"] == "PT Maju Bersama"
