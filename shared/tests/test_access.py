"""Unit tests of the role table: grants per role, rights adding up, API-key scopes."""

from __future__ import annotations

import itertools

import pytest

from crm_shared.access import ROLE_TABLE, Action, Scope, grant, scope_for_api_key

R, W, IMP = Action.READ, Action.WRITE, Action.IMPORT
ALL, OWN, NONE = Scope.ALL, Scope.OWN, Scope.NONE
ROLES = ("admin", "sales_manager", "sales", "marketing", "support", "viewer")

# resource -> role -> (read, write, import), from the role table of docs/architecture.md.
EXPECTED: dict[str, dict[str, tuple[Scope, Scope, Scope]]] = {
    "leads": {
        "admin": (ALL, ALL, ALL),
        "sales_manager": (ALL, ALL, ALL),
        "sales": (OWN, OWN, NONE),
        "marketing": (ALL, NONE, ALL),
        "support": (ALL, NONE, NONE),
        "viewer": (ALL, NONE, NONE),
    },
    "scoring_rules": {
        "admin": (ALL, ALL, NONE),
        "sales_manager": (NONE, NONE, NONE),
        "sales": (NONE, NONE, NONE),
        "marketing": (NONE, NONE, NONE),
        "support": (NONE, NONE, NONE),
        "viewer": (NONE, NONE, NONE),
    },
}
CASES = [
    (resource, role, action, scope)
    for resource, by_role in EXPECTED.items()
    for role, scopes in by_role.items()
    for action, scope in zip((R, W, IMP), scopes, strict=True)
]


@pytest.mark.parametrize(
    ("resource", "role", "action", "expected"),
    CASES,
    ids=[f"{res}-{role}-{act.value}" for res, role, act, _ in CASES],
)
def test_role_table_row(resource: str, role: str, action: Action, expected: Scope) -> None:
    assert grant([role], resource, action) is expected


def test_role_table_has_no_rows_beyond_the_tested_ones() -> None:
    for resource in ("leads", "scoring_rules"):
        assert set(ROLE_TABLE[resource]) <= set(ROLES), resource
        for role, actions in ROLE_TABLE[resource].items():
            for action, scope in actions.items():
                position = (R, W, IMP).index(action)
                assert EXPECTED[resource][role][position] is scope, (resource, role, action)


def test_sales_is_limited_to_own_leads() -> None:
    assert grant(["sales"], "leads", R) is OWN
    assert grant(["sales"], "leads", W) is OWN


def test_rights_add_up_across_roles() -> None:
    assert grant(["sales", "viewer"], "leads", R) is ALL
    assert grant(["viewer", "sales"], "leads", R) is ALL
    assert grant(["sales", "viewer"], "leads", W) is OWN
    assert grant(["sales", "marketing"], "leads", IMP) is ALL
    assert grant(["support", "marketing"], "leads", W) is NONE
    assert grant(["sales", "admin"], "scoring_rules", W) is ALL


@pytest.mark.parametrize("resource", ["leads", "scoring_rules"])
@pytest.mark.parametrize("action", [R, W, IMP])
def test_combined_roles_get_the_widest_scope(resource: str, action: Action) -> None:
    order = {NONE: 0, OWN: 1, ALL: 2}
    for size in (2, 3):
        for combo in itertools.combinations(ROLES, size):
            widest = max((grant([r], resource, action) for r in combo), key=order.__getitem__)
            assert grant(combo, resource, action) is widest, combo


@pytest.mark.parametrize(
    "roles",
    [
        pytest.param([], id="no-roles"),
        pytest.param(["superuser"], id="unknown"),
        pytest.param(["Admin"], id="wrong-case"),
        pytest.param(["integration"], id="integration-is-not-a-role-grant"),
        pytest.param([""], id="empty-string"),
    ],
)
@pytest.mark.parametrize("action", [R, W, IMP])
def test_unknown_roles_get_nothing(roles: list[str], action: Action) -> None:
    assert grant(roles, "leads", action) is NONE


def test_unknown_resource_gets_nothing() -> None:
    assert grant(["admin"], "no_such_resource", R) is NONE


def test_unknown_role_does_not_shadow_a_known_one() -> None:
    assert grant(["superuser", "viewer"], "leads", R) is ALL


def test_grant_accepts_any_iterable() -> None:
    assert grant(frozenset({"viewer"}), "leads", R) is ALL
    assert grant((r for r in ["admin"]), "leads", W) is ALL


# --------------------------------------------------------------------------- API keys


def test_api_key_reads_with_the_resource_read_scope() -> None:
    assert scope_for_api_key(["leads:read"], "leads", R) is ALL
    assert scope_for_api_key(frozenset({"deals:read", "leads:read"}), "leads", R) is ALL


@pytest.mark.parametrize("action", [W, IMP])
def test_api_key_never_writes_or_imports(action: Action) -> None:
    assert scope_for_api_key(["leads:read", "leads:write", "leads:import"], "leads", action) is NONE


@pytest.mark.parametrize(
    "scopes",
    [
        pytest.param([], id="none"),
        pytest.param(["deals:read"], id="other-resource"),
        pytest.param(["leads"], id="no-action"),
        pytest.param(["leads:write"], id="write-only"),
        pytest.param(["LEADS:READ"], id="wrong-case"),
        pytest.param(["leads:read "], id="trailing-space"),
        pytest.param(["*"], id="wildcard"),
    ],
)
def test_api_key_without_the_read_scope_gets_nothing(scopes: list[str]) -> None:
    assert scope_for_api_key(scopes, "leads", R) is NONE


def test_api_key_scopes_accept_a_generator() -> None:
    assert scope_for_api_key((s for s in ["leads:read"]), "leads", R) is ALL


def test_scope_values_are_stable_strings() -> None:
    assert [s.value for s in Scope] == ["none", "own", "all"]
    assert [a.value for a in Action] == ["read", "write", "import"]


@pytest.mark.parametrize("resource", ["scoring_rules", "users", "api_keys"])
def test_api_key_never_reads_admin_resources(resource: str) -> None:
    assert scope_for_api_key([f"{resource}:read"], resource, R) is NONE
