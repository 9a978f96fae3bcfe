"""The live notification stream over real HTTP (uvicorn on a loopback port: the in-process
ASGI transport of the shared harness buffers whole responses, so it cannot show a stream)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from crm_devstack.launcher import launch_services, wait_services_ready
from crm_devstack.servers import free_port
from crm_devstack.services import get_service
from crm_devstack.testing import Backend, TokenMinter, eventually, run_namespace, unique_name
from crm_devstack.testing import served as serve_app
from crm_shared.runtime import Runtime
from notifications.inapp.domain import Draft, user_audience
from notifications.inapp.hub import NotificationHub
from notifications.inapp.service import notify

from .conftest import NotificationsApp, NotificationsHarness
from .test_inapp_api import assigned, wait_inbox

STREAM = "/v1/notifications/stream"


class SseClient:
    """Reads one event stream in the background, keeping its events and comments."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.fields: list[dict[str, str]] = []
        self.comments: list[str] = []
        self.ended = False
        self._task = asyncio.create_task(self._read())

    @property
    def events(self) -> list[dict[str, str]]:
        """The ``notification`` events received so far."""
        return [f for f in self.fields if f.get("event") == "notification"]

    async def _read(self) -> None:
        block: dict[str, str] = {}
        async for line in self.response.aiter_lines():
            if not line:
                if block:
                    self.fields.append(block)
                block = {}
            elif line.startswith(":"):
                self.comments.append(line)
            else:
                name, _, value = line.partition(":")
                block[name] = value.removeprefix(" ")
        self.ended = True

    async def wait_events(self, count: int) -> list[dict[str, str]]:
        """The events once at least ``count`` arrived."""
        await eventually(lambda: len(self.events) >= count, timeout=20, what=f"{count} events")
        return self.events

    async def close(self) -> None:
        """Stop reading and drop the connection."""
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
            await self._task


@contextlib.asynccontextmanager
async def open_stream(
    base_url: str, headers: dict[str, str], **params: str
) -> AsyncIterator[SseClient]:
    """An open stream to ``base_url`` read by an :class:`SseClient`."""
    async with (
        httpx.AsyncClient(base_url=base_url, timeout=httpx.Timeout(10.0)) as client,
        client.stream("GET", STREAM, headers=headers, params=params) as response,
    ):
        assert response.status_code == 200
        reader = SseClient(response)
        try:
            yield reader
        finally:
            await reader.close()


@pytest.fixture(scope="module")
async def served(notifications_app: NotificationsApp) -> AsyncIterator[str]:
    """The session's app (its lifespan already runs) also served by uvicorn on a free port."""
    async with serve_app(notifications_app.app) as url:
        yield url


def hub(n: NotificationsHarness) -> NotificationHub:
    """The app's hub."""
    found: NotificationHub = n.running.app.state.inapp_hub
    return found


async def test_live_event_keepalive_and_headers(
    notifications: NotificationsHarness, served: str
) -> None:
    n = notifications
    async with (
        open_stream(served, n.auth("sales", sub="user_a")) as mine,
        open_stream(served, n.auth("sales", sub="user_b")) as other,
    ):
        headers = mine.response.headers
        assert headers["content-type"].startswith("text/event-stream")
        assert headers["cache-control"] == "no-cache" and headers["x-accel-buffering"] == "no"
        await eventually(lambda: mine.comments, timeout=10, what="a keep-alive comment")
        assert mine.fields[0] == {"retry": str(n.settings.sse_retry_ms)}
        await n.publish("leads", assigned("lead_s1", "user_a"))
        (event,) = await mine.wait_events(1)
        (stored,) = await wait_inbox(n, n.auth("sales", sub="user_a"), 1)
        assert event["id"] == stored["id"] and json.loads(event["data"]) == stored
        await eventually(lambda: len(other.comments) >= 2, timeout=10, what="idle keep-alives")
        assert other.events == []
    await eventually(lambda: hub(n).open_streams == 0, timeout=10, what="streams released")


async def test_delivers_what_another_instance_stored(
    notifications: NotificationsHarness, served: str
) -> None:
    """A second runtime (its own MongoDB client, no link to this app) stores the
    notification, as another replica behind the gateway would."""
    n = notifications
    async with open_stream(served, n.auth("support", sub="agent_1")) as stream:
        await eventually(lambda: stream.fields, timeout=10, what="the retry hint")
        other = Runtime(n.settings)
        try:
            draft = Draft(user_audience("agent_1"), "lead_assigned", "Hi", "There", "/leads/x")
            notification_id = await other.uow.run(
                lambda tx: notify(tx, tenant_id=n.tenant, source_event_id="ev-1", draft=draft)
            )
        finally:
            await other.client.close()
        (event,) = await stream.wait_events(1)
        assert event["id"] == notification_id and json.loads(event["data"])["title"] == "Hi"


async def test_resume_sends_only_newer_then_live(
    notifications: NotificationsHarness, served: str
) -> None:
    n = notifications
    user = n.auth("sales", sub="user_a")
    for i in range(3):
        await n.publish("leads", assigned(f"lead_r{i}", "user_a"))
    oldest_first = [i["id"] for i in reversed(await wait_inbox(n, user, 3))]
    async with open_stream(served, {**user, "Last-Event-ID": oldest_first[0]}) as stream:
        assert [e["id"] for e in await stream.wait_events(2)] == oldest_first[1:]
        await n.publish("leads", assigned("lead_r3", "user_a"))
        events = await stream.wait_events(3)
        assert events[2]["id"] > oldest_first[-1] and len(events) == 3
    async with open_stream(served, user, last_event_id=oldest_first[1]) as stream:
        ids = [e["id"] for e in await stream.wait_events(2)]
        assert ids[0] == oldest_first[2]
        await eventually(lambda: stream.comments, timeout=10, what="keep-alive after catch-up")
        assert len(stream.events) == 2


async def test_sigterm_ends_open_streams_and_the_process(
    backend: Backend, minter: TokenMinter, tmp_path: Path
) -> None:
    """Under uvicorn the lifespan shutdown waits for open responses: the hub ends the
    streams on SIGTERM so the process exits promptly instead of hanging."""
    run = unique_name("sse")
    (launched,) = launch_services(
        [get_service("notifications")],
        mongo_url=backend.mongo_url_for("notifications"),
        kafka_bootstrap=backend.kafka_bootstrap,
        public_key_pem=minter.public_pem,
        ports={"notifications": free_port()},
        log_dir=tmp_path,
        extra_env={
            "MONGO_DB": f"{run}_n",
            **run_namespace(run),
            "LOG_LEVEL": "WARNING",
        },
    )
    proc = launched.process
    try:
        await asyncio.to_thread(wait_services_ready, [launched], timeout=90)
        headers = minter.headers(tenant=run, roles=["sales"], sub="user_a")
        async with open_stream(launched.base_url, headers) as stream:
            await eventually(lambda: stream.fields, timeout=10, what="the retry hint")
            started = time.monotonic()
            proc.popen.send_signal(signal.SIGTERM)
            await eventually(lambda: stream.ended, timeout=10, what="the stream to end")
            status: Any = await asyncio.to_thread(proc.popen.wait, 15)
        assert status in (0, -signal.SIGTERM), proc.tail_log()
        assert time.monotonic() - started < 10
    finally:
        proc.stop()
    log = (tmp_path / "notifications.log").read_text()
    assert "Application shutdown complete" in log and "Traceback" not in log, log[-2000:]
