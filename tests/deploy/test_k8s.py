"""infra/k8s: a Deployment, Service, HorizontalPodAutoscaler and PodDisruptionBudget per
service, wired to the shared ConfigMap and Secret, probing /readyz and /healthz. No
cluster runs here, so the manifests are parsed and checked field by field."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from .settings_fields import unknown_settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "infra" / "k8s"
DOMAIN_SERVICES = sorted(p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml"))
SERVICES = [*DOMAIN_SERVICES, "gateway"]
KINDS = {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"}


@cache
def _documents(file: str) -> dict[str, dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all((K8S / file).read_text(encoding="utf-8")) if d]
    return {d["kind"]: d for d in docs}


def _config() -> dict[str, dict[str, Any]]:
    return _documents("config.yaml")


def test_kustomization_applies_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    assert set(kustomization["resources"]) == {"config.yaml", *(f"{s}.yaml" for s in SERVICES)}


@pytest.mark.parametrize("name", SERVICES)
def test_service_has_its_four_objects_wired_together(name: str) -> None:
    docs = _documents(f"{name}.yaml")
    assert set(docs) == KINDS
    for doc in docs.values():
        assert doc["metadata"]["name"] == name
    deployment = docs["Deployment"]["spec"]
    selector = deployment["selector"]["matchLabels"]
    assert selector.items() <= deployment["template"]["metadata"]["labels"].items()
    assert docs["Service"]["spec"]["selector"] == selector
    assert docs["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"] == selector
    target = docs["HorizontalPodAutoscaler"]["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", name)
    hpa = docs["HorizontalPodAutoscaler"]["spec"]
    assert 1 <= hpa["minReplicas"] <= hpa["maxReplicas"]
    assert docs["PodDisruptionBudget"]["spec"]["minAvailable"] < hpa["minReplicas"] + 1


@pytest.mark.parametrize("name", SERVICES)
def test_pods_are_scraped_for_metrics_on_their_http_port(name: str) -> None:
    template = _documents(f"{name}.yaml")["Deployment"]["spec"]["template"]
    annotations = template["metadata"]["annotations"]
    (container,) = template["spec"]["containers"]
    (port,) = container["ports"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(port["containerPort"])
    assert annotations["prometheus.io/path"] == "/metrics"


@pytest.mark.parametrize("name", SERVICES)
def test_container_probes_image_and_settings(name: str) -> None:
    pod = _documents(f"{name}.yaml")["Deployment"]["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"].startswith(f"crm/{name}:")
    assert container["ports"] == [{"name": "http", "containerPort": 8000}]
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["resources"]["limits"]["memory"]
    env = {e["name"]: e for e in container["env"]}
    assert not unknown_settings(name, list(env))
    prefix = f"CRM_{name.upper()}_"
    for required in ("MONGO_URL", "KAFKA_BOOTSTRAP"):
        assert prefix + required in env
    config = _config()
    for variable in env.values():
        source = variable.get("valueFrom", {})
        if "configMapKeyRef" in source:
            ref = source["configMapKeyRef"]
            assert ref["name"] == "crm-config" and ref["key"] in config["ConfigMap"]["data"]
        if "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            assert ref["name"] == "crm-secrets" and ref["key"] in config["Secret"]["stringData"]


def test_the_gateway_fronts_every_service() -> None:
    upstreams = yaml.safe_load(_config()["ConfigMap"]["data"]["gateway-upstreams"])
    assert set(upstreams) == set(SERVICES) - {"gateway"}
    assert all(url == f"http://{name}:8000" for name, url in upstreams.items())
