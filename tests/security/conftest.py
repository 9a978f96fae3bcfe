"""The whole platform for the security tests: every service and the gateway as processes
(as ``crm up`` runs them) on the session's broker and database, started once for this
folder and stopped by PID at its end. Each test works in a tenant of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from crm_devstack.launcher import Launched
from crm_devstack.services import SERVICES
from crm_devstack.testing import Backend, TokenMinter, eventually, service_processes, unique_name

GATEWAY_SETTINGS = {
    # the fuzzer and the abuse tests are one caller from one address: no 429 in their way
    "RATE_LIMIT_PER_PRINCIPAL": "100000",
    "RATE_LIMIT_PRINCIPAL_BURST": "100000",
    "RATE_LIMIT_PER_IP": "100000",
    "RATE_LIMIT_IP_BURST": "100000",
    "LOGIN_FAILURES_PER_IP": "1000",
}

TRACKING_SECRET = "security-tests-tracking-secret"
"""Signs the campaigns service's e-mail links (the tests sign their own)."""


@dataclass(frozen=True)
class Platform:
    """The running processes and the key every one of them trusts."""

    launched: dict[str, Launched]
    minter: TokenMinter

    @property
    def gateway_url(self) -> str:
        """Base URL of the gateway."""
        return self.launched["gateway"].base_url

    def service_url(self, name: str) -> str:
        """Base URL of one service (reached without the gateway)."""
        return self.launched[name].base_url


@pytest.fixture(scope="package")
def platform(
    backend: Backend, minter: TokenMinter, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    """Every service and the gateway (signing with the test key) as processes."""
    with service_processes(
        SERVICES,
        backend,
        minter,
        tmp_path_factory.mktemp("security-platform"),
        service_settings={
            "gateway": GATEWAY_SETTINGS,
            "campaigns": {"TRACKING_SECRET": TRACKING_SECRET},
            # no DNS on build machines: subscriptions point at loopback, never called
            "notifications": {"WEBHOOK_ALLOW_HOSTS": '["127.0.0.1"]'},
        },
    ) as run:
        yield Platform(run.by_name, minter)


@dataclass(frozen=True)
class Tenant:
    """One test's tenant on the platform, and clients of the gateway and the services."""

    platform: Platform
    name: str
    gateway: httpx.AsyncClient

    def auth(self) -> dict[str, str]:
        """Headers of an admin of this tenant."""
        return self.platform.minter.headers(tenant=self.name, roles=["admin"], sub="user_admin")

    def service(self, name: str) -> httpx.AsyncClient:
        """A client of one service, bypassing the gateway (close it, or use ``async with``)."""
        return httpx.AsyncClient(base_url=self.platform.service_url(name), timeout=30.0)


@pytest.fixture
async def tenant(platform: Platform) -> AsyncIterator[Tenant]:
    """A fresh tenant and a client of the gateway."""
    async with httpx.AsyncClient(base_url=platform.gateway_url, timeout=30.0) as client:
        yield Tenant(platform, unique_name("tenant_"), client)


async def whole_openapi_document(gateway: httpx.AsyncClient) -> dict[str, Any]:
    """The gateway's merged document once every service answered the gateway's request
    for its own (on a busy machine one can miss the gateway's short budget)."""

    async def whole() -> dict[str, Any] | None:
        document: dict[str, Any] = (await gateway.get("/api/openapi.json")).json()
        return None if "x-unavailable-services" in document else document

    found: dict[str, Any] = await eventually(whole, timeout=60, interval=1.0, what="the document")
    return found
