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


# Writes go through the unit of work: services never open sessions or transactions, every
# storage write takes a session (which only ``UnitOfWork.run`` / ``run_without_transaction``
# hand out), and collection writes live in repositories.
SESSION_OPENERS = {"start_session", "start_transaction", "with_transaction", "commit_transaction"}
COLLECTION_WRITES = {
    "insert_one",
    "insert_many",
    "update_one",
    "update_many",
    "delete_one",
    "delete_many",
    "replace_one",
    "find_one_and_update",
    "find_one_and_delete",
    "find_one_and_replace",
    "bulk_write",
}


def _calls(tree: ast.AST) -> list[tuple[ast.Call, str]]:
    return [
        (node, node.func.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    ]


def _passes_session(call: ast.Call) -> bool:
    """Whether ``call`` passes a ``session=`` (not the constant ``None``)."""
    return any(
        k.arg == "session" and not (isinstance(k.value, ast.Constant) and k.value.value is None)
        for k in call.keywords
    )


def _required_session(fn: ast.AsyncFunctionDef | ast.FunctionDef) -> bool:
    """Whether ``fn`` takes a ``session`` argument that callers must pass."""
    args = fn.args
    positional = args.posonlyargs + args.args
    defaults = dict(zip(reversed(positional), reversed(args.defaults), strict=False))
    for arg in positional:
        if arg.arg == "session":
            return arg not in defaults
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if arg.arg == "session":
            return default is None
    return False


@pytest.mark.parametrize("service", SERVICES)
def test_writes_go_through_the_unit_of_work(service: str) -> None:
    wrong: list[str] = []
    for module in _package(service).rglob("*.py"):
        where = module.relative_to(ROOT)
        tree = ast.parse(module.read_text(), str(module))
        for call, name in _calls(tree):
            if name in SESSION_OPENERS:
                wrong.append(f"{where}:{call.lineno} opens a session ({name})")
        if module.name != "repository.py":
            for call, name in _calls(tree):
                # ``insert_many`` is also the Repository base's bulk insert (imports), which
                # is called from use cases with the unit of work's session
                if name == "insert_many" and _passes_session(call):
                    continue
                if name in COLLECTION_WRITES:
                    wrong.append(f"{where}:{call.lineno} writes a collection ({name})")
            continue
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.AsyncFunctionDef | ast.FunctionDef):
                continue
            writes = [c for c, name in _calls(fn) if name in COLLECTION_WRITES]
            if writes and not _required_session(fn):
                wrong.append(f"{where}:{fn.lineno} {fn.name} writes without a required session")
            for call in writes:
                if not _passes_session(call):
                    wrong.append(f"{where}:{call.lineno} {fn.name} writes outside its session")
    assert wrong == []


# The kit's write methods that every repository builds on: a required ``session``, so mypy
# flags a service that writes outside a unit of work.
KIT_WRITES = {
    "shared/src/crm_shared/mongo/repository.py": {
        "Repository": {"insert", "update", "delete", "reassign", "insert_many"}
    },
    "shared/src/crm_shared/mongo/scoped.py": {
        "TenantCollection": {"insert", "update_versioned", "delete_versioned"}
    },
}


@pytest.mark.parametrize("path", sorted(KIT_WRITES))
def test_kit_writes_take_a_required_session(path: str) -> None:
    tree = ast.parse((ROOT / path).read_text(), path)
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    wrong: list[str] = []
    for class_name, methods in KIT_WRITES[path].items():
        found = {
            fn.name: fn
            for fn in classes[class_name].body
            if isinstance(fn, ast.AsyncFunctionDef | ast.FunctionDef)
        }
        assert methods <= set(found), f"{class_name} lacks {sorted(methods - set(found))}"
        wrong += [f"{class_name}.{m}" for m in sorted(methods) if not _required_session(found[m])]
    assert wrong == [], f"writes without a required session: {wrong}"
