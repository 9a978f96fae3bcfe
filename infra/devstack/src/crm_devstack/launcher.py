"""Start the platform's services as processes, the one way ``crm up``, tests and bench do it."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from crm_devstack.servers import ManagedProcess, start_service, wait_ready
from crm_devstack.services import ServiceSpec, service_env


@dataclass(frozen=True)
class Launched:
    """One service process that was started, and when."""

    spec: ServiceSpec
    process: ManagedProcess
    started_at: float
    env: Mapping[str, str] = field(default_factory=dict, repr=False)
    """The settings it was started with (its own variables, on top of this environment)."""

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.process.port}"


def launch_services(
    specs: Sequence[ServiceSpec],
    *,
    mongo_url: str | Mapping[str, str],
    kafka_bootstrap: str,
    public_key_pem: str,
    ports: Mapping[str, int],
    log_dir: Path,
    private_key_pem: str = "",
    extra_env: Mapping[str, str] | None = None,
    service_settings: Mapping[str, Mapping[str, str]] | None = None,
    on_start: Callable[[Launched], None] | None = None,
) -> list[Launched]:
    """Start every service in ``specs`` (dev settings, ``extra_env`` on top) without waiting.

    ``mongo_url`` is one MongoDB URL for every service or each service's own, by name
    (the embedded stack runs one server per service).
    ``extra_env`` keys without a prefix are given to each service under its own prefix
    (``{"MONGO_DB": "x"}`` -> ``CRM_LEADS_MONGO_DB=x``; ``{name}`` in a value is the service);
    ``service_settings`` gives one service its own (``{"notifications": {"SMTP_PORT": "1025"}}``).
    A gateway among ``specs`` signs with ``private_key_pem`` and fronts the other services.
    """
    upstreams = {
        spec.name: f"http://127.0.0.1:{ports[spec.name]}"
        for spec in specs
        if spec.name != "gateway"
    }
    launched = []
    for spec in specs:
        env = service_env(
            spec,
            mongo_url=mongo_url if isinstance(mongo_url, str) else mongo_url[spec.name],
            kafka_bootstrap=kafka_bootstrap,
            public_key_pem=public_key_pem,
            dev=True,
            private_key_pem=private_key_pem,
            upstreams=upstreams,
        )
        for key, value in (extra_env or {}).items():
            env[f"{spec.env_prefix}{key}"] = value.replace("{name}", spec.name)
        for key, value in (service_settings or {}).get(spec.name, {}).items():
            env[f"{spec.env_prefix}{key}"] = value
        proc = start_service(
            name=spec.name,
            app=spec.app,
            port=ports[spec.name],
            env=env,
            log_path=log_dir / f"{spec.name}.log",
        )
        item = Launched(spec, proc, time.monotonic(), env)
        launched.append(item)
        if on_start is not None:
            on_start(item)
    return launched


def relaunch(item: Launched) -> Launched:
    """Start ``item``'s service again, on the same port with the same settings and log,
    once its process has exited (a crash in a fault test, a restart); does not wait."""
    if item.process.alive():
        raise RuntimeError(f"{item.process!r} still runs; stop it before relaunching")
    proc = start_service(
        name=item.spec.name,
        app=item.spec.app,
        port=item.process.port,
        env=item.env,
        log_path=item.process.log_path,
    )
    return Launched(item.spec, proc, time.monotonic(), item.env)


def wait_services_ready(
    launched: Sequence[Launched],
    *,
    timeout: float,
    on_wait: Callable[[Launched], None] | None = None,
    on_ready: Callable[[Launched], None] | None = None,
) -> None:
    """Wait until each service's ``/readyz`` answers 200 (StartupError if one dies or is late)."""
    for item in launched:
        if on_wait is not None:
            on_wait(item)
        wait_ready(f"{item.base_url}/readyz", timeout=timeout, process=item.process)
        if on_ready is not None:
            on_ready(item)
