"""The gateway in-process on the session's MongoDB, in front of a real leads process.

Contacts and deals point at free ports where nothing listens: the "service down" cases.
Each test gets its own tenant with a fresh admin (tenants are isolated from each other).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from crm_devstack.launcher import Launched, launch_services, wait_services_ready
from crm_devstack.servers import free_port, stop_all
from crm_devstack.services import get_service
from crm_devstack.testing import (
    Backend,
    TokenMinter,
    isolated_settings,
    run_namespace,
    running_app,
    unique_name,
)
from gateway.deps import GatewayState
from gateway.main import create_app
from gateway.settings import GatewaySettings
from gateway.users.service import create_user

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def leads_process(
    backend: Backend, minter: TokenMinter, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Launched]:
    """The leads service as a real process (as ``crm up`` starts it)."""
    run = unique_name("gw")
    (launched,) = launch_services(
        [get_service("leads")],
        mongo_url=backend.mongo_url_for("leads"),
        kafka_bootstrap=backend.kafka_bootstrap,
        public_key_pem=minter.public_pem,
        ports={"leads": free_port()},
        log_dir=tmp_path_factory.mktemp("gateway-upstreams"),
        extra_env={
            "MONGO_DB": f"{run}_leads",
            **run_namespace(run),
            "LOG_LEVEL": "WARNING",
        },
    )
    try:
        wait_services_ready([launched], timeout=90)
        yield launched
    finally:
        stop_all([launched.process])


SERVICE_SECRET = "campaigns-service-secret-for-tests"


def gateway_settings(
    backend: Backend, minter: TokenMinter, leads_url: str, **overrides: Any
) -> GatewaySettings:
    """Gateway settings signing with the test key, leads up, contacts and deals down."""
    values = isolated_settings(backend, minter, "gateway")
    values.update(
        jwt_private_key=minter.private_pem,
        upstreams={
            "leads": leads_url,
            "contacts": f"http://127.0.0.1:{free_port()}",
            "deals": f"http://127.0.0.1:{free_port()}",
        },
        upstream_connect_timeout_s=0.5,
        upstream_retries=1,
        breaker_failures=3,
        breaker_reset_s=30,
        login_failures_per_account=3,
        login_failures_per_ip=50,
    )
    values.update(overrides)
    return GatewaySettings(**values)


@dataclass
class Gateway:
    """The running gateway, its client, and this test's tenant."""

    app: FastAPI
    client: httpx.AsyncClient
    tenant: str
    admin_email: str

    @property
    def state(self) -> GatewayState:
        """The app's state (stores, keys, upstreams)."""
        state: GatewayState = self.app.state.gateway
        return state

    async def add_user(self, *roles: str, email: str | None = None) -> str:
        """Create a user of this tenant with ``PASSWORD``; returns the e-mail."""
        email = email or f"{unique_name('u')}@{self.tenant.replace('_', '-')}.example.com"
        await create_user(
            self.state.users,
            tenant_id=self.tenant,
            email=email,
            name=None,
            roles=list(roles),
            password=PASSWORD,
        )
        return email

    async def login(self, email: str, password: str = PASSWORD) -> dict[str, Any]:
        """Log in; the token response (asserting 200)."""
        response = await self.client.post(
            "/api/v1/auth/token", json={"email": email, "password": password}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def auth(self, *roles: str) -> dict[str, str]:
        """Authorization header of a new user with ``roles`` (default admin)."""
        email = await self.add_user(*(roles or ("admin",)))
        return {"Authorization": f"Bearer {(await self.login(email))['access_token']}"}


@pytest.fixture(scope="session")
async def gateway_app(
    backend: Backend, minter: TokenMinter, leads_process: Launched
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """One gateway for the session."""
    settings = gateway_settings(
        backend, minter, leads_process.base_url, service_secrets={"campaigns": SERVICE_SECRET}
    )
    app = create_app(settings)
    async with running_app(app) as client:
        yield app, client


@pytest.fixture
async def gw(gateway_app: tuple[FastAPI, httpx.AsyncClient]) -> Gateway:
    """The session's gateway seen from a fresh tenant with its own admin."""
    app, client = gateway_app
    gateway = Gateway(app, client, unique_name("tenant_"), "")
    gateway.admin_email = await gateway.add_user("admin")
    return gateway
