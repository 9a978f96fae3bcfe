"""The platform's services as real processes on the session's servers, as ``crm up`` runs them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from crm_devstack.launcher import Launched
from crm_devstack.services import get_service
from crm_devstack.testing import (
    Backend,
    TokenMinter,
    isolated_settings,
    running_app,
    service_processes,
    unique_name,
)
from gateway.main import create_app
from gateway.settings import GatewaySettings

FLOW_SERVICES = ("leads", "contacts", "deals")
READY_TIMEOUT = 90.0


@dataclass
class Platform:
    """Running service processes, an HTTP client per service, and the test's identity."""

    launched: dict[str, Launched]
    clients: dict[str, httpx.AsyncClient]
    topic_prefix: str
    kafka_bootstrap: str
    minter: TokenMinter
    tenant: str

    def auth(self, *roles: str, sub: str = "user_admin") -> dict[str, str]:
        """Headers of a principal of this test's tenant (default: admin)."""
        return self.minter.headers(tenant=self.tenant, roles=roles or ("admin",), sub=sub)

    def topic(self, owner: str) -> str:
        """A service's topic under this test's prefix."""
        return f"{self.topic_prefix}{owner}"


@pytest.fixture
async def platform(
    backend: Backend, minter: TokenMinter, tmp_path: Path
) -> AsyncIterator[Platform]:
    """Leads, contacts and deals started by the launcher behind ``crm up``, stopped by PID."""
    specs = [get_service(name) for name in FLOW_SERVICES]
    with service_processes(specs, backend, minter, tmp_path, ready_timeout=READY_TIMEOUT) as run:
        clients = {
            name: httpx.AsyncClient(base_url=item.base_url, timeout=10.0)
            for name, item in run.by_name.items()
        }
        try:
            yield Platform(
                run.by_name,
                clients,
                run.topic_prefix,
                backend.kafka_bootstrap,
                minter,
                unique_name("tenant_"),
            )
        finally:
            for client in clients.values():
                await client.aclose()


@pytest.fixture
async def gateway(
    platform: Platform, backend: Backend, minter: TokenMinter
) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway in this process, signing with the test key, fronting the platform's
    processes (short upstream timeouts, so stopping a service is quick to notice)."""
    values = isolated_settings(backend, minter, "gateway")
    values.update(
        jwt_private_key=minter.private_pem,
        upstreams={name: item.base_url for name, item in platform.launched.items()},
        fanout_timeout_s=2.0,
        upstream_connect_timeout_s=0.5,
    )
    async with running_app(create_app(GatewaySettings(**values))) as client:
        yield client
