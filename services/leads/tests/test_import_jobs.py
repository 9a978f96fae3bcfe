"""Leads imports as background jobs: 202 and a job URL, progress, failure, and a job whose
instance died resumed from its last checkpoint by another instance."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from crm_devstack.testing import eventually, running_app, unique_name
from crm_shared.ids import new_id, utcnow
from leads.main import create_app
from leads.settings import LeadsSettings

from .conftest import LeadsHarness

CSV = {"content-type": "text/csv"}


async def _job(leads: LeadsHarness, location: str, **auth: Any) -> dict[str, Any]:
    response = await leads.client.get(location, headers=leads.auth(**auth))
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _finished(leads: LeadsHarness, location: str) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        job = await _job(leads, location)
        return job if job["status"] in ("succeeded", "failed") else None

    found: dict[str, Any] = await eventually(done, timeout=60, what="the import job finished")
    return found


async def test_respond_async_answers_202_with_the_job_to_poll(leads: LeadsHarness) -> None:
    body = "last_name,email\n" + "".join(f"Job {i},job{i}@contoh.id\n" for i in range(120))
    started = await leads.client.post(
        "/v1/leads/import",
        content=body.encode(),
        headers={**leads.auth(), **CSV, "Prefer": "respond-async"},
    )
    assert started.status_code == 202, started.text
    assert started.headers["preference-applied"] == "respond-async"
    location = started.headers["location"]
    assert location == f"/v1/leads/imports/{started.json()['id']}"
    assert started.json()["status"] in ("queued", "running", "succeeded")
    assert started.json()["created_by"] == "user_admin"

    job = await _finished(leads, location)
    assert job["status"] == "succeeded" and job["problem"] is None
    assert (job["report"]["rows"], job["report"]["created"]) == (120, 120)
    assert job["finished_at"] >= job["started_at"] >= job["created_at"]
    listed = await leads.client.get("/v1/leads", params={"limit": 200}, headers=leads.auth())
    assert len(listed.json()["items"]) == 120
    # another tenant does not see the job; a viewer may not read imports
    other = await leads.client.get(location, headers=leads.auth(tenant=unique_name("tenant_")))
    assert other.status_code == 404
    assert other.headers["content-type"].startswith("application/problem+json")
    viewer = await leads.client.get(location, headers=leads.auth("viewer"))
    assert viewer.status_code == 403


async def test_a_failed_job_keeps_its_problem_and_what_it_imported(leads: LeadsHarness) -> None:
    started = await leads.client.post(
        "/v1/leads/import",
        content=b'last_name\nAman\n"Rusak\n',
        headers={**leads.auth(), **CSV, "Prefer": "respond-async"},
    )
    assert started.status_code == 202, started.text
    job = await _finished(leads, started.headers["location"])
    assert job["status"] == "failed"
    assert job["problem"]["status"] == 400 and job["problem"]["created"] == 1
    assert job["report"]["created"] == 1
    # without Prefer the same file is answered with the problem itself
    waited = await leads.client.post(
        "/v1/leads/import", content=b'last_name\n"Rusak\n', headers={**leads.auth(), **CSV}
    )
    assert waited.status_code == 400
    assert waited.headers["content-type"].startswith("application/problem+json")


async def test_a_job_of_a_dead_instance_resumes_after_its_last_checkpoint(
    leads_settings_factory: Callable[..., LeadsSettings], leads: LeadsHarness
) -> None:
    # a second instance with a quick safety-net poll finds the job of an instance that
    # died after its first batch (rows 2-3 imported and checkpointed), claim expired
    settings = leads_settings_factory(
        mongo_db=leads.settings.mongo_db,
        topic_prefix=leads.settings.topic_prefix,
        kafka_group_prefix=leads.settings.kafka_group_prefix,
        import_poll_s=0.2,
    )
    job_id, now = new_id("job"), utcnow()
    rows = "".join(f"Resumed {i},resumed{i}@contoh.id\n" for i in range(4))
    store = leads.app.state.runtime.imports.store
    await store.files.insert_one(
        {
            "_id": f"{job_id}:0",
            "job_id": job_id,
            "seq": 0,
            "data": ("last_name,email\n" + rows).encode(),
            "at": now,
        }
    )
    checkpoint = {
        "rows": 2,
        "created": 2,
        "failed": 0,
        "duplicates": 0,
        "errors": [],
        "duplicate_rows": [],
    }
    await store.jobs.insert_one(
        {
            "_id": job_id,
            "tenant_id": leads.tenant,
            "kind": "leads",
            "status": "running",
            "principal": {
                "sub": "user_admin",
                "roles": ["admin"],
                "scopes": [],
                "name": None,
                "scope": "all",
            },
            "options": {},
            "size_bytes": 80,
            "report": checkpoint,
            "claimed_by": "a-dead-instance",
            "claim_until": now - timedelta(seconds=1),
            "created_at": now,
            "started_at": now,
            "updated_at": now,
        }
    )
    async with running_app(create_app(settings)):
        job = await _finished(leads, f"/v1/leads/imports/{job_id}")
    assert job["status"] == "succeeded"
    assert (job["report"]["rows"], job["report"]["created"]) == (4, 4)
    listed = await leads.client.get("/v1/leads", headers=leads.auth())
    names = sorted(lead["last_name"] for lead in listed.json()["items"])
    assert names == ["Resumed 2", "Resumed 3"]  # rows 2-3 were the dead instance's
    assert await store.files.count_documents({"job_id": job_id}) == 0


async def test_cancelled_jobs_stop_between_batches_and_queued_ones_never_start(
    leads_settings_factory: Callable[..., LeadsSettings], leads: LeadsHarness
) -> None:
    settings = leads_settings_factory(import_rows_per_second=100)
    app = create_app(settings)
    async with running_app(app) as client:
        slow = LeadsHarness(client, settings, app, leads.minter, leads.tenant)
        headers = {**slow.auth(), **CSV, "Prefer": "respond-async"}
        body = "last_name\n" + "".join(f"Slow {i}\n" for i in range(2000))
        first = await client.post("/v1/leads/import", content=body.encode(), headers=headers)
        running = first.headers["location"]

        async def under_way() -> bool:
            job = await _job(slow, running)
            return job["status"] == "running" and bool(job["report"])

        await eventually(under_way, timeout=30, what="the first import under way")
        # the tenant's next import waits its turn; cancelled, it never starts
        second = await client.post(
            "/v1/leads/import", content=b"last_name\nQueued\n", headers=headers
        )
        queued = second.headers["location"]
        assert (await _job(slow, queued))["status"] == "queued"
        cancelled = await client.delete(queued, headers=slow.auth())
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"

        stopped = await client.delete(running, headers=slow.auth())
        assert stopped.status_code == 200 and stopped.json()["status"] == "cancelled"
        runner = app.state.runtime.imports
        await eventually(lambda: runner.active == 0, timeout=30, what="the runner let go")
        kept = [
            lead["last_name"]
            for lead in await _all_leads(slow)
            if lead["last_name"].startswith(("Slow", "Queued"))
        ]
        assert 0 < len(kept) < 2000 and len(kept) % settings.import_batch_size == 0
        assert "Queued" not in kept
        assert (await _job(slow, queued))["report"] is None
        again = await client.delete(running, headers=slow.auth())
        assert again.status_code == 200  # cancelling is idempotent
        done = await client.post("/v1/leads/import", content=b"last_name\nDone\n", headers=headers)
        await _finished(slow, done.headers["location"])
        late = await client.delete(done.headers["location"], headers=slow.auth())
        assert late.status_code == 409
        assert late.headers["content-type"].startswith("application/problem+json")
        gone = await client.delete("/v1/leads/imports/job_none", headers=slow.auth())
        assert gone.status_code == 404


async def _all_leads(leads: LeadsHarness) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"limit": "200", **({"cursor": cursor} if cursor else {})}
        page = (await leads.client.get("/v1/leads", params=params, headers=leads.auth())).json()
        found += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return found
