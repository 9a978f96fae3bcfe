"""Every row of the role table (docs/architecture.md, "Roles"), proved through the gateway.

The expectations are written out here from the table itself, not read from
``crm_shared.access``, so a wrong entry there fails this test. Each role lists (GET) and
creates (POST) each resource through ``/api/v1``; the gateway and the service behind it
must both agree. Ownership ("own") is proved by the services' own tests.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from crm_devstack.testing import unique_name

from .conftest import Platform

ROLES = ("admin", "sales_manager", "sales", "marketing", "support", "viewer")


def _bodies(contact_id: str) -> dict[str, Callable[[], dict[str, Any]]]:
    def tag() -> str:
        return unique_name("r")

    return {
        "leads": lambda: {"last_name": "Row", "email": f"{tag()}@row.co.id"},
        "contacts": lambda: {"last_name": "Row", "email": f"{tag()}@row.co.id"},
        "accounts": lambda: {"name": "PT Row", "domain": f"{tag()}.co.id"},
        "activities": lambda: {"kind": "note", "subject": "Row", "contact_id": contact_id},
        "cases": lambda: {"subject": "Row"},
        "deals": lambda: {"name": "Row", "amount": "1"},
        "pipelines": lambda: {"name": f"Row {tag()}"},
    }


# role -> resource -> (may list, may create), from the role table of docs/architecture.md
TABLE: dict[str, dict[str, tuple[bool, bool]]] = {
    "admin": dict.fromkeys(
        ("leads", "contacts", "accounts", "activities", "cases", "deals", "pipelines"),
        (True, True),
    ),
    "sales_manager": {
        **dict.fromkeys(
            ("leads", "contacts", "accounts", "activities", "deals", "pipelines"), (True, True)
        ),
        "cases": (True, False),
    },
    "sales": {
        **dict.fromkeys(("leads", "contacts", "accounts", "activities", "deals"), (True, True)),
        "cases": (True, False),
        "pipelines": (True, False),
    },
    "marketing": {
        **dict.fromkeys(
            ("leads", "contacts", "accounts", "activities", "deals", "pipelines"), (True, False)
        ),
        "cases": (False, False),
    },
    "support": {
        **dict.fromkeys(("contacts", "accounts", "activities", "cases"), (True, True)),
        **dict.fromkeys(("leads", "deals", "pipelines"), (True, False)),
    },
    "viewer": dict.fromkeys(
        ("leads", "contacts", "accounts", "activities", "cases", "deals", "pipelines"),
        (True, False),
    ),
}
# reports and dashboard: R for every role but support (case reports only); users: admin
# RW, sales_manager R
REPORTS = {
    "admin": True,
    "sales_manager": True,
    "sales": True,
    "marketing": True,
    "support": False,
    "viewer": True,
}
USERS = {"admin": (True, True), "sales_manager": (True, False)}


async def test_every_row_of_the_role_table(platform: Platform, gateway: httpx.AsyncClient) -> None:
    contact = await gateway.post(
        "/api/v1/contacts", json={"last_name": "Anchor"}, headers=platform.auth()
    )
    assert contact.status_code == 201, contact.text
    bodies = _bodies(contact.json()["id"])
    seen: dict[tuple[str, str], tuple[bool, bool]] = {}
    for role in ROLES:
        auth = platform.auth(role, sub=f"user_{role}")
        for resource, make in bodies.items():
            listed = await gateway.get(f"/api/v1/{resource}", headers=auth)
            created = await gateway.post(f"/api/v1/{resource}", json=make(), headers=auth)
            assert listed.status_code in (200, 403), (role, resource, listed.text)
            assert created.status_code in (201, 403), (role, resource, created.text)
            seen[(role, resource)] = (listed.status_code == 200, created.status_code == 201)
        report = await gateway.get("/api/v1/reports/pipeline", headers=auth)
        seen[(role, "reports")] = (report.status_code == 200, False)
        users = await gateway.get("/api/v1/users", headers=auth)
        seen[(role, "users")] = (users.status_code == 200, False)
    expected = {
        (role, resource): allowed
        for role, row in TABLE.items()
        for resource, allowed in row.items()
    }
    expected |= {(role, "reports"): (may, False) for role, may in REPORTS.items()}
    expected |= {(role, "users"): (USERS.get(role, (False, False))[0], False) for role in ROLES}
    wrong = {key: (seen[key], want) for key, want in expected.items() if seen[key] != want}
    assert not wrong, f"(role, resource): (seen, table) for every mismatch: {wrong}"
