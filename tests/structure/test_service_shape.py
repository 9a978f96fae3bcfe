"""Every service, and the gateway, has one shape: ``main.py``, ``settings.py``, service-wide
``deps.py``, and one sub-package per feature whose modules keep their roles' names and
import direction (domain <- schemas <- api/service; routes never reach storage)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("leads", "contacts", "deals", "campaigns", "notifications")
SERVICE_MODULES = {"__init__.py", "main.py", "settings.py", "deps.py"}
ROLES = ("api", "service", "repository", "domain", "schemas", "handlers", "views")

# role -> roles (of any feature of the same service) it must not import
FORBIDDEN: dict[str, set[str]] = {
    "domain": {"api", "service", "repository", "schemas", "handlers", "views", "main", "deps"},
    "schemas": {"api", "service", "repository", "handlers", "main"},
    "views": {"api", "service", "repository", "handlers", "main"},
    "repository": {"api", "service", "schemas", "handlers", "main"},
    "service": {"api", "handlers", "main"},
    "handlers": {"api", "main"},
    "api": {"repository", "handlers", "main"},
}
# third-party packages that mean I/O or HTTP models, which a domain module never needs
DOMAIN_FORBIDDEN_PACKAGES = {"fastapi", "pymongo", "aiokafka", "httpx", "starlette"}


def _package(service: str) -> Path:
    return ROOT / "services" / service / "src" / service


PACKAGES = [
    *(pytest.param(_package(service), id=service) for service in SERVICES),
    pytest.param(ROOT / "gateway" / "src" / "gateway", id="gateway"),
]
"""Every package that keeps the shape: each service's, and the gateway's."""


def _features(package: Path) -> list[Path]:
    return sorted(p for p in package.iterdir() if p.is_dir() and (p / "__init__.py").exists())


def _imported(path: Path) -> set[str]:
    """Every module name ``path`` imports (``from x import y`` gives ``x`` and ``x.y``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _role_of(name: str, package: str) -> str | None:
    """The role of an imported module of ``package`` (``leads.leads.api`` -> ``api``)."""
    parts = name.split(".")
    if parts[0] != package or len(parts) < 2:
        return None
    if len(parts) == 2:
        return parts[1].removesuffix(".py")
    return parts[2] if parts[2] in ROLES else None


@pytest.mark.parametrize("package", PACKAGES)
def test_service_package_holds_only_main_settings_deps_and_features(package: Path) -> None:
    loose = sorted(p.name for p in package.glob("*.py") if p.name not in SERVICE_MODULES)
    assert loose == [], f"{package.name}: modules outside a feature package: {loose}"
    assert (package / "main.py").exists() and (package / "settings.py").exists()
    assert _features(package), f"{package.name} has no feature package"


@pytest.mark.parametrize("package", PACKAGES)
def test_import_direction(package: Path) -> None:
    wrong: list[str] = []
    for feature in _features(package):
        for module in feature.glob("*.py"):
            role = module.stem
            banned = FORBIDDEN.get(role, set())
            for name in _imported(module):
                other = _role_of(name, package.name)
                if other in banned:
                    wrong.append(f"{module.relative_to(ROOT)} ({role}) imports {name}")
                if role == "domain" and name.split(".")[0] in DOMAIN_FORBIDDEN_PACKAGES:
                    wrong.append(f"{module.relative_to(ROOT)} (domain) imports {name}")
    assert wrong == []


def test_no_service_imports_another() -> None:
    wrong = [
        f"{module.relative_to(ROOT)} imports {name}"
        for service in SERVICES
        for module in _package(service).rglob("*.py")
        for name in _imported(module)
        if name.split(".")[0] in set(SERVICES) - {service}
    ]
    assert wrong == []
