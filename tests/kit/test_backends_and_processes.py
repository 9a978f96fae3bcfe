"""Test backends fail clearly, and a service process shuts down cleanly on SIGTERM."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest

from crm_devstack.servers import free_port, start_service, wait_ready
from crm_devstack.services import SERVICES, get_service, service_env
from crm_devstack.testing import (
    Backend,
    BackendUnavailable,
    TokenMinter,
    isolated_settings,
    start_backend,
    unique_name,
)


def _docker_engine_running() -> bool:
    try:
        import docker

        docker.from_env().ping()
    except Exception:
        return False
    return True


def test_containers_backend_without_docker_fails_clearly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if _docker_engine_running():
        pytest.skip("a Docker engine runs here; the containers backend would start")
    monkeypatch.setenv("CRM_TEST_BACKEND", "containers")
    with pytest.raises(BackendUnavailable, match="needs a running Docker engine"):
        start_backend(tmp_path)


def test_unknown_backend_and_incomplete_external_fail_clearly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CRM_TEST_BACKEND", "docker-please")
    with pytest.raises(BackendUnavailable, match="unknown CRM_TEST_BACKEND"):
        start_backend(tmp_path)
    monkeypatch.setenv("CRM_TEST_BACKEND", "external")
    monkeypatch.delenv("CRM_TEST_MONGO_URL", raising=False)
    with pytest.raises(BackendUnavailable, match="CRM_TEST_MONGO_URL"):
        start_backend(tmp_path)


def test_each_service_has_its_own_database_server(backend: Backend, minter: TokenMinter) -> None:
    """Embedded, as ``crm up``: one SecantusDB per service; other backends: one for all."""
    urls = backend.mongo_urls(spec.name for spec in SERVICES)
    assert backend.mongo_url_for("runner") == backend.mongo_url  # no service's: the default
    assert isolated_settings(backend, minter, "deals")["mongo_url"] == urls["deals"]
    if backend.kind != "embedded":
        assert set(urls.values()) == {backend.mongo_url}
        return
    assert len(set(urls.values())) == len(SERVICES)
    for name, url in urls.items():
        server = backend.processes[f"mongo-{name}"]
        assert server.alive() and url.startswith(f"mongodb://127.0.0.1:{server.port}/")


def test_leads_process_serves_and_exits_cleanly_on_sigterm(
    backend: Backend, minter: TokenMinter, tmp_path: Path
) -> None:
    spec = get_service("leads")
    port = free_port()
    env = service_env(
        spec,
        mongo_url=backend.mongo_url_for("leads"),
        kafka_bootstrap=backend.kafka_bootstrap,
        public_key_pem=minter.public_pem,
        dev=True,
    )
    prefix = unique_name("tp") + "."
    env |= {
        "CRM_LEADS_MONGO_DB": unique_name("t_proc_"),
        "CRM_LEADS_TOPIC_PREFIX": prefix,
        "CRM_LEADS_KAFKA_GROUP_PREFIX": prefix,
    }
    proc = start_service(
        name="leads", app=spec.app, port=port, env=env, log_path=tmp_path / "leads.log"
    )
    try:
        wait_ready(f"http://127.0.0.1:{port}/readyz", timeout=60, process=proc)
        headers = minter.headers(tenant="t_proc", roles=["admin"])
        created = httpx.post(
            f"http://127.0.0.1:{port}/v1/leads", json={"last_name": "Proses"}, headers=headers
        )
        assert created.status_code == 201
        assert created.headers["x-request-id"]
        proc.popen.send_signal(signal.SIGTERM)
        # uvicorn finishes the lifespan shutdown, then re-raises the signal it caught
        assert proc.popen.wait(timeout=20) in (0, -signal.SIGTERM), proc.tail_log()
    finally:
        proc.stop()
    log = (tmp_path / "leads.log").read_text()
    assert "Application shutdown complete" in log, log[-2000:]
    assert "Traceback" not in log, log[-2000:]
