"""Contacts and accounts API against the real servers: CRUD, events, validation,
duplicates, merge, roles, tenant isolation."""

from __future__ import annotations

import pytest

from crm_devstack.testing import eventually

from .conftest import ContactsHarness


async def test_create_get_update_delete_with_events(contacts: ContactsHarness) -> None:
    async with contacts.reader() as reader:
        created = await contacts.post(
            "/v1/contacts",
            {
                "first_name": "José",
                "last_name": "Wijaya",
                "email": "Jose@Contoh.co.id",
                "emails": ["jose.w@gmail.com"],
                "phones": ["0812-3456-7890"],
                "account_role": "decision_maker",
                "address": {"city": "Bandung", "country": "id"},
                "tags": ["VIP"],
            },
        )
        assert created["id"].startswith("con_")
        assert created["email"] == "jose@contoh.co.id"
        assert created["emails"] == ["jose@contoh.co.id", "jose.w@gmail.com"]
        assert created["phones"] == ["+6281234567890"]
        assert created["lifecycle_stage"] == "lead" and created["version"] == 1
        assert created["purchase_count"] == 0 and created["purchase_total"] == "0"
        assert created["tenant_id"] == contacts.tenant
        assert "search" not in created and "name_key" not in created
        url = f"/v1/contacts/{created['id']}"
        got = await contacts.client.get(url, headers=contacts.auth("viewer"))
        assert got.json() == created and got.headers["etag"] == '"1"'

        stale = await contacts.client.patch(
            url, json={"title": "CEO"}, headers={**contacts.auth(), "If-Match": '"9"'}
        )
        assert stale.status_code == 409
        patched = await contacts.client.patch(
            url,
            json={"title": "CEO", "email": "new@contoh.co.id"},
            headers={**contacts.auth(), "If-Match": '"1"'},
        )
        assert patched.status_code == 200, patched.text
        body = patched.json()
        assert body["title"] == "CEO" and body["version"] == 2
        assert body["emails"] == ["new@contoh.co.id", "jose.w@gmail.com"]
        deleted = await contacts.client.delete(url, headers=contacts.auth())
        assert deleted.status_code == 204
        assert (await contacts.client.get(url, headers=contacts.auth())).status_code == 404

        await eventually(lambda: len(contacts.events(reader)) >= 3, what="contact events")
    types = [e.type for e in contacts.events(reader)]
    assert types == ["ContactCreated", "ContactUpdated", "ContactDeleted"]
    updated = contacts.events(reader)[1]
    assert updated.data["changed_fields"] == ["email", "emails", "title"]
    assert updated.data["contact"]["email"] == "new@contoh.co.id"


async def test_validation_errors_are_problem_details(contacts: ContactsHarness) -> None:
    post = contacts.client.post
    for body in (
        {"email": "a@b.co"},
        {"last_name": "X", "email": "nope"},
        {"last_name": "X", "phones": ["12"]},
        {"last_name": "X", "lifecycle_stage": "vip"},
        {"last_name": "X", "purchase_count": 3},
        {"last_name": "X", "tenant_id": "other"},
        {"last_name": "X", "custom": {"$where": 1}},
    ):
        response = await post("/v1/contacts", json=body, headers=contacts.auth())
        assert response.status_code == 422, body
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"]
    unknown_account = await post(
        "/v1/contacts", json={"last_name": "X", "account_id": "acc_x"}, headers=contacts.auth()
    )
    assert unknown_account.status_code == 422
    contact = await contacts.contact()
    null_name = await contacts.client.patch(
        f"/v1/contacts/{contact['id']}", json={"last_name": None}, headers=contacts.auth()
    )
    assert null_name.status_code == 422
    bad_json = await post(
        "/v1/contacts",
        content=b"{",
        headers={**contacts.auth(), "content-type": "application/json"},
    )
    assert bad_json.status_code == 400


async def test_duplicate_emails_and_domains_are_409_naming_the_existing(
    contacts: ContactsHarness,
) -> None:
    first = await contacts.contact(email="andi@contoh.co.id", emails=["andi@gmail.com"])
    for body in (
        {"last_name": "X", "email": "ANDI@gmail.com"},
        {"last_name": "X", "emails": ["other@x.co", "andi@contoh.co.id"]},
    ):
        again = await contacts.client.post("/v1/contacts", json=body, headers=contacts.auth())
        assert again.status_code == 409, again.text
        assert again.json()["existing_id"] == first["id"]
    second = await contacts.contact(email="budi@contoh.co.id")
    taken = await contacts.client.patch(
        f"/v1/contacts/{second['id']}", json={"emails": ["andi@gmail.com"]}, headers=contacts.auth()
    )
    assert taken.status_code == 409 and taken.json()["existing_id"] == first["id"]
    other_tenant = await contacts.client.post(
        "/v1/contacts",
        json={"last_name": "X", "email": "andi@contoh.co.id"},
        headers=contacts.auth(tenant=contacts.tenant + "_b"),
    )
    assert other_tenant.status_code == 201, "uniqueness is per tenant"

    account = await contacts.post(
        "/v1/accounts", {"name": "PT Contoh", "website": "https://www.contoh.co.id/about"}
    )
    assert account["domain"] == "contoh.co.id"
    dup = await contacts.client.post(
        "/v1/accounts", json={"name": "Contoh 2", "domain": "CONTOH.co.id"}, headers=contacts.auth()
    )
    assert dup.status_code == 409 and dup.json()["existing_id"] == account["id"]


async def test_idempotency_key_replays_the_create(contacts: ContactsHarness) -> None:
    body = {"last_name": "Replay", "email": "replay@x.co"}
    first = await contacts.client.post(
        "/v1/contacts", json=body, headers={**contacts.auth(), "Idempotency-Key": "k-1"}
    )
    again = await contacts.client.post(
        "/v1/contacts", json=body, headers={**contacts.auth(), "Idempotency-Key": "k-1"}
    )
    assert first.status_code == again.status_code == 201
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    other = await contacts.client.post(
        "/v1/contacts",
        json={"last_name": "Else"},
        headers={**contacts.auth(), "Idempotency-Key": "k-1"},
    )
    assert other.status_code == 422


async def test_merge_moves_everything_and_publishes(contacts: ContactsHarness) -> None:
    target = await contacts.contact(first_name=None, email="t@x.co", tags=["vip"])
    source = await contacts.contact(
        first_name="Andi", email="s@x.co", phones=["+6281234567890"], tags=["new"]
    )
    activity = await contacts.post(
        "/v1/activities", {"kind": "call", "subject": "Intro", "contact_id": source["id"]}
    )
    case = await contacts.post("/v1/cases", {"subject": "Broken", "contact_id": source["id"]})
    async with contacts.reader() as reader:
        merged = await contacts.client.post(
            f"/v1/contacts/{target['id']}/merge",
            json={"source_contact_id": source["id"]},
            headers=contacts.auth(),
        )
        assert merged.status_code == 200, merged.text
        body = merged.json()
        assert body["first_name"] == "Andi"
        assert body["emails"] == ["t@x.co", "s@x.co"]
        assert body["tags"] == ["vip", "new"] and body["phones"] == ["+6281234567890"]
        await eventually(
            lambda: contacts.events(reader, "ContactDeleted", "ContactUpdated"),
            what="merge events",
        )
        await eventually(lambda: len(contacts.events(reader)) >= 4, what="all contact events")
    gone = await contacts.client.get(f"/v1/contacts/{source['id']}", headers=contacts.auth())
    assert gone.status_code == 404
    moved = await contacts.get(f"/v1/activities/{activity['id']}")
    assert moved["contact_id"] == target["id"]
    assert (await contacts.get(f"/v1/cases/{case['id']}"))["contact_id"] == target["id"]
    deleted = contacts.events(reader, "ContactDeleted")[0]
    assert deleted.data["merged_into"] == target["id"]
    assert contacts.events(reader, "ContactUpdated")[-1].subject == target["id"]
    reuse = await contacts.client.post(
        "/v1/contacts", json={"last_name": "X", "email": "s@x.co"}, headers=contacts.auth()
    )
    assert reuse.status_code == 409 and reuse.json()["existing_id"] == target["id"]
    itself = await contacts.client.post(
        f"/v1/contacts/{target['id']}/merge",
        json={"source_contact_id": target["id"]},
        headers=contacts.auth(),
    )
    assert itself.status_code == 422


@pytest.mark.parametrize(
    ("role", "read", "create", "edit_others"),
    [
        ("admin", 200, 201, 200),
        ("sales_manager", 200, 201, 200),
        ("sales", 200, 201, 403),
        ("marketing", 200, 403, 403),
        ("support", 200, 201, 200),
        ("viewer", 200, 403, 403),
    ],
)
async def test_contact_roles(
    contacts: ContactsHarness, role: str, read: int, create: int, edit_others: int
) -> None:
    others = await contacts.contact(owner_id="user_other")
    headers = contacts.auth(role, sub="user_me")
    assert (
        await contacts.client.get(f"/v1/contacts/{others['id']}", headers=headers)
    ).status_code == read
    created = await contacts.client.post(
        "/v1/contacts", json={"last_name": "Mine"}, headers=headers
    )
    assert created.status_code == create
    edit = await contacts.client.patch(
        f"/v1/contacts/{others['id']}", json={"title": "X"}, headers=headers
    )
    assert edit.status_code == edit_others
    if role == "sales":
        assert created.json()["owner_id"] == "user_me", "own-scope creators own what they create"
        mine = created.json()["id"]
        ok = await contacts.client.patch(
            f"/v1/contacts/{mine}", json={"title": "X"}, headers=headers
        )
        assert ok.status_code == 200
        give_away = await contacts.client.patch(
            f"/v1/contacts/{mine}", json={"owner_id": "user_other"}, headers=headers
        )
        assert give_away.status_code == 403


async def test_tenants_are_isolated(contacts: ContactsHarness) -> None:
    contact = await contacts.contact(email="iso@x.co")
    account = await contacts.post("/v1/accounts", {"name": "PT Iso"})
    other = contacts.auth(tenant=contacts.tenant + "_other")
    for path in (f"/v1/contacts/{contact['id']}", f"/v1/accounts/{account['id']}"):
        assert (await contacts.client.get(path, headers=other)).status_code == 404
        patch = await contacts.client.patch(path, json={"tags": ["x"]}, headers=other)
        assert patch.status_code == 404
        assert (await contacts.client.delete(path, headers=other)).status_code == 404
    listed = await contacts.client.get("/v1/contacts", headers=other)
    assert listed.json()["items"] == []
    missing = await contacts.client.get("/v1/contacts/con_nope", headers=contacts.auth())
    assert missing.status_code == 404
    unauthenticated = await contacts.client.get("/v1/contacts")
    assert unauthenticated.status_code == 401


async def test_accounts_crud_and_contacts_of_account(contacts: ContactsHarness) -> None:
    parent = await contacts.post("/v1/accounts", {"name": "Grup Sinar"})
    async with contacts.reader() as reader:
        account = await contacts.post(
            "/v1/accounts",
            {
                "name": "PT Sinar Jaya",
                "domain": "sinarjaya.co.id",
                "industry": "Retail",
                "employee_count": 120,
                "annual_revenue": "1500000000.50",
                "type": "customer",
                "parent_account_id": parent["id"],
            },
        )
        await eventually(
            lambda: len(contacts.events(reader, "AccountCreated")) == 2, what="AccountCreated"
        )
    assert account["annual_revenue"] == "1500000000.50" and account["currency"] == "IDR"
    [event] = [e for e in contacts.events(reader) if e.subject == account["id"]]
    assert event.data["domain"] == "sinarjaya.co.id" and event.data["employee_count"] == 120
    member = await contacts.contact(account_id=account["id"], account_role="buyer")
    await contacts.contact()
    page = await contacts.get(f"/v1/accounts/{account['id']}/contacts")
    assert [c["id"] for c in page["items"]] == [member["id"]]
    blocked = await contacts.client.delete(f"/v1/accounts/{account['id']}", headers=contacts.auth())
    assert blocked.status_code == 409
    patched = await contacts.client.patch(
        f"/v1/accounts/{account['id']}",
        json={"annual_revenue": "2", "type": "partner"},
        headers=contacts.auth(),
    )
    assert patched.status_code == 200 and patched.json()["annual_revenue"] == "2"
    self_parent = await contacts.client.patch(
        f"/v1/accounts/{account['id']}",
        json={"parent_account_id": account["id"]},
        headers=contacts.auth(),
    )
    assert self_parent.status_code == 422
    assert (
        await contacts.client.delete(f"/v1/accounts/{parent['id']}", headers=contacts.auth())
    ).status_code == 204
