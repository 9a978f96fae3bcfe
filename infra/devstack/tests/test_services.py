"""Service registry and the environment handed to services."""

from __future__ import annotations

from crm_devstack.services import SERVICES, available_services, get_service, service_env


def test_registry() -> None:
    names = [s.name for s in SERVICES]
    assert names == ["leads", "contacts", "deals", "campaigns", "notifications", "gateway"]
    leads = get_service("leads")
    assert (leads.app, leads.default_port, leads.env_prefix) == (
        "leads.main:create_app",
        8001,
        "CRM_LEADS_",
    )
    assert leads.api_path == "/v1/leads"
    assert get_service("gateway").default_port == 8000


def test_available_services_lists_installed_packages_only() -> None:
    available = [s.name for s in available_services()]
    assert "leads" in available
    assert "nonexistent" not in available


def test_service_env_for_the_embedded_stack() -> None:
    env = service_env(
        get_service("leads"),
        mongo_url="mongodb://127.0.0.1:1/?directConnection=true&retryWrites=false",
        kafka_bootstrap="127.0.0.1:2",
        public_key_pem="PEM",
        dev=True,
    )
    assert env == {
        "CRM_LEADS_MONGO_URL": "mongodb://127.0.0.1:1/?directConnection=true&retryWrites=false",
        "CRM_LEADS_KAFKA_BOOTSTRAP": "127.0.0.1:2",
        "CRM_LEADS_KAFKA_IDEMPOTENCE": "false",
        "CRM_LEADS_KAFKA_SESSION_TIMEOUT_MS": "2000",
        "CRM_LEADS_KAFKA_HEARTBEAT_INTERVAL_MS": "300",
        "CRM_LEADS_KAFKA_FETCH_BUSY_WAIT_MS": "10",
        "CRM_LEADS_KAFKA_FETCH_MAX_WAIT_MS": "500",
        "CRM_LEADS_OUTBOX_WATCH": "false",
        "CRM_LEADS_LIST_WINDOWING": "true",
        "CRM_LEADS_CONSUMER_PARTITION_CONCURRENCY": "1",
        "CRM_LEADS_JWT_PUBLIC_KEY": "PEM",
        "CRM_LEADS_LOG_LEVEL": "INFO",
    }
