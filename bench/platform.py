"""The platform's services as processes on a bench stack, started the way ``crm up`` does."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bench.context import TOKEN_TTL_S, Run
from bench.harness import SERVICE_START_TIMEOUT, Stack
from crm_devstack.launcher import launch_services, wait_services_ready
from crm_devstack.servers import free_port
from crm_devstack.services import get_service

PLATFORM = ("leads", "contacts", "deals", "campaigns", "notifications", "gateway")
"""Every process of the platform: the five services and the gateway."""
UNLIMITED = "1000000"
GATEWAY_ENV = {  # the benchmarks measure the platform, not the gateway's rate limiter
    "RATE_LIMIT_PER_PRINCIPAL": UNLIMITED,
    "RATE_LIMIT_PRINCIPAL_BURST": UNLIMITED,
    "RATE_LIMIT_PER_IP": UNLIMITED,
    "RATE_LIMIT_IP_BURST": UNLIMITED,
}


def start_services(
    stack: Stack,
    run: Run,
    names: Sequence[str],
    extra_env: Mapping[str, str] | None = None,
    service_settings: Mapping[str, Mapping[str, str]] | None = None,
    ports: Mapping[str, int] | None = None,
) -> dict[str, str]:
    """Start ``names`` (dev settings, own databases and topics; a gateway signs with the
    run's key and fronts the others; ``service_settings`` per service; ``ports`` chosen
    beforehand, else free ones); their base URLs."""
    specs = [get_service(name) for name in names]
    ports = ports or {spec.name: free_port() for spec in specs}
    launched = launch_services(
        specs,
        mongo_url={spec.name: stack.mongo_url_for(spec.name) for spec in specs},
        kafka_bootstrap=stack.kafka_bootstrap,
        public_key_pem=run.minter.public_pem,
        private_key_pem=run.minter.private_pem,
        ports=ports,
        log_dir=stack.workdir,
        extra_env={
            "MONGO_DB": f"{run.db_name}_{{name}}",
            "TOPIC_PREFIX": run.topic_prefix,
            "LOG_LEVEL": "WARNING",
            **(extra_env or {}),
        },
        service_settings=service_settings,
    )
    for item in launched:
        stack.services[item.spec.name] = item.process
    wait_services_ready(launched, timeout=SERVICE_START_TIMEOUT)
    return {item.spec.name: item.base_url for item in launched}


def start_platform(
    stack: Stack, run: Run, extra_env: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Start every process of :data:`PLATFORM` (the gateway unthrottled, ``extra_env``
    for every service); their base URLs."""
    return start_services(stack, run, PLATFORM, extra_env={**GATEWAY_ENV, **(extra_env or {})})


def admin(run: Run, tenant: str) -> dict[str, str]:
    """Bearer header of an admin of ``tenant``."""
    token = run.minter.token(tenant=tenant, roles=["admin"], sub="user_bench", ttl=TOKEN_TTL_S)
    return {"Authorization": f"Bearer {token}"}
