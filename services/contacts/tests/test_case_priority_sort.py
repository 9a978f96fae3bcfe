"""Cases listed by priority (most urgent first), then by SLA due time, page by page; and
cases stored before the priority rank existed get it at start-up."""

from __future__ import annotations

from contacts.cases.repository import CASES, backfill_priority_ranks
from crm_shared.runtime import Runtime

from .conftest import ContactsHarness


async def _open(contacts: ContactsHarness, subject: str, priority: str) -> str:
    case = await contacts.post("/v1/cases", {"subject": subject, "priority": priority})
    assert "priority_rank" not in case  # a storage key, not part of the API
    return str(case["id"])


async def test_cases_sort_by_priority_then_sla_across_pages(contacts: ContactsHarness) -> None:
    low = await _open(contacts, "Brochure", "low")
    high_first = await _open(contacts, "Invoice wrong", "high")
    urgent = await _open(contacts, "Site down", "urgent")
    medium = await _open(contacts, "How to export", "medium")
    high_second = await _open(contacts, "Refund late", "high")

    seen: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        params = {"sort": "priority", "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = await contacts.get("/v1/cases", **params)
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [urgent, high_first, high_second, medium, low]

    # a new priority moves the case in this order too
    response = await contacts.client.patch(
        f"/v1/cases/{low}", json={"priority": "urgent"}, headers=contacts.auth()
    )
    assert response.status_code == 200, response.text
    assert "priority_rank" not in response.json()
    # now urgent too, and opened earlier, so due sooner than the first urgent case
    by_priority = await contacts.get("/v1/cases", sort="priority", limit=2)
    assert [c["id"] for c in by_priority["items"]] == [low, urgent]


async def _backfill(runtime: Runtime) -> int:
    """What the start-up hook runs: the backfill on a session of the unit of work."""
    return await runtime.uow.run_without_transaction(
        lambda tx: backfill_priority_ranks(tx.db, session=tx.session)
    )


async def test_start_up_ranks_cases_stored_without_a_rank(contacts: ContactsHarness) -> None:
    high = await _open(contacts, "Invoice wrong", "high")
    low = await _open(contacts, "Brochure", "low")
    runtime = contacts.app.state.runtime
    db = runtime.db
    unset = await db[CASES].update_many(
        {"tenant_id": contacts.tenant}, {"$unset": {"priority_rank": ""}}
    )
    assert unset.modified_count == 2

    assert await _backfill(runtime) >= 2
    stored = {
        d["_id"]: d["priority_rank"] async for d in db[CASES].find({"tenant_id": contacts.tenant})
    }
    assert stored == {high: 1, low: 3}
    assert await _backfill(runtime) == 0  # nothing left to rank
    listed = await contacts.get("/v1/cases", sort="priority")
    assert [c["id"] for c in listed["items"]] == [high, low]
