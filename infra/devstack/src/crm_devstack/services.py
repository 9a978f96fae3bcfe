"""The platform's HTTP services and the environment each one is started with."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ServiceSpec:
    """One HTTP service: its ASGI app factory, default port and settings prefix."""

    name: str
    app: str
    default_port: int
    env_prefix: str

    @property
    def module(self) -> str:
        """The top-level Python package of the service."""
        return self.app.split(".", 1)[0]

    @property
    def api_path(self) -> str:
        """The path of the service's public API (the gateway fronts all of them)."""
        return "/api/v1" if self.name == "gateway" else f"/v1/{self.name}"


def _domain(name: str, port: int) -> ServiceSpec:
    return ServiceSpec(name, f"{name}.main:create_app", port, f"CRM_{name.upper()}_")


SERVICES: tuple[ServiceSpec, ...] = (
    _domain("leads", 8001),
    _domain("contacts", 8002),
    _domain("deals", 8003),
    _domain("campaigns", 8004),
    _domain("notifications", 8005),
    ServiceSpec("gateway", "gateway.main:create_app", 8000, "CRM_GATEWAY_"),
)


def get_service(name: str) -> ServiceSpec:
    """Return the spec called ``name``; KeyError if there is none."""
    for spec in SERVICES:
        if spec.name == name:
            return spec
    raise KeyError(name)


def available_services() -> list[ServiceSpec]:
    """Return the services whose top-level package is installed, in start order."""
    return [spec for spec in SERVICES if importlib.util.find_spec(spec.module) is not None]


def service_env(
    spec: ServiceSpec,
    *,
    mongo_url: str,
    kafka_bootstrap: str,
    public_key_pem: str,
    dev: bool,
    private_key_pem: str = "",
    upstreams: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Return the environment variables that configure ``spec``.

    With ``dev`` the clients are tuned for the embedded servers: no idempotent
    producer (Tansu rejects it), short group timeouts, eager fetches while busy and long
    polls when idle (Tansu holds a fetch for its whole wait), one instance of each service
    (no change stream wakes the outbox relay), lists read through
    time windows (SecantusDB sorts only after fetching every match), and one partition
    handled at a time (each open transaction slows every other on SecantusDB). The gateway
    also gets the private key it signs with and the URLs of the services behind it.
    """
    p = spec.env_prefix
    env = {
        f"{p}MONGO_URL": mongo_url,
        f"{p}KAFKA_BOOTSTRAP": kafka_bootstrap,
        f"{p}JWT_PUBLIC_KEY": public_key_pem,
        f"{p}LOG_LEVEL": "INFO",
    }
    if spec.name == "gateway":
        env[f"{p}JWT_PRIVATE_KEY"] = private_key_pem
        env[f"{p}UPSTREAMS"] = json.dumps(dict(upstreams or {}))
    if dev:
        env |= {
            f"{p}KAFKA_IDEMPOTENCE": "false",
            f"{p}KAFKA_SESSION_TIMEOUT_MS": "2000",
            f"{p}KAFKA_HEARTBEAT_INTERVAL_MS": "300",
            f"{p}KAFKA_FETCH_BUSY_WAIT_MS": "10",
            f"{p}KAFKA_FETCH_MAX_WAIT_MS": "500",
            f"{p}OUTBOX_WATCH": "false",
            f"{p}LIST_WINDOWING": "true",
            f"{p}CONSUMER_PARTITION_CONCURRENCY": "1",
        }
    return env


LONG_RUNNING_ENV = {
    "KAFKA_SESSION_TIMEOUT_MS": "6000",
    "KAFKA_HEARTBEAT_INTERVAL_MS": "2000",
    "MONGO_HEARTBEAT_MS": "5000",
}
"""On top of the dev settings for a platform left running (``crm up``): a group heartbeat
every 2 s rather than every 0.3 s, and a database check every 5 s rather than every 1 s
(a frozen database is noticed in about 8 s instead of 4), which tests keep so their
groups rebalance and their fault scenarios fail over at once."""


def local_settings(
    *,
    gateway_port: int,
    smtp_port: int,
    tracking_secret: str,
    service_secret: str,
    console_dir: Path | None = None,
) -> dict[str, dict[str, str]]:
    """Per-service settings of a one-machine platform: e-mail goes to the local SMTP sink,
    e-mail links (tracking, unsubscribe) point at the local gateway, the campaigns
    service's automations may call APIs through the gateway with their service secret,
    and the gateway serves the web console built in ``console_dir`` (if given)."""
    gateway = f"http://127.0.0.1:{gateway_port}"
    console = {"CONSOLE_DIR": str(console_dir)} if console_dir is not None else {}
    return {
        "notifications": {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port)},
        "campaigns": {
            "PUBLIC_BASE_URL": f"{gateway}/api",
            "GATEWAY_URL": gateway,
            "TRACKING_SECRET": tracking_secret,
            "SERVICE_SECRET": service_secret,
        },
        "gateway": {"SERVICE_SECRETS": json.dumps({"campaigns": service_secret}), **console},
    }
