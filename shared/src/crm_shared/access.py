"""The role table (docs/architecture.md, "Roles"), as data: who may read or write what.

``grant(roles, resource, action)`` answers with the widest scope the roles give
(``ALL`` beats ``OWN``); rights add up across roles.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Scope(StrEnum):
    """How much of a resource a grant covers."""

    NONE = "none"
    OWN = "own"
    ALL = "all"


class Action(StrEnum):
    """What the caller wants to do."""

    READ = "read"
    WRITE = "write"
    IMPORT = "import"


R, W, IMP = Action.READ, Action.WRITE, Action.IMPORT
ALL, OWN = Scope.ALL, Scope.OWN

_MARKETING: dict[str, dict[Action, Scope]] = {
    "admin": {R: ALL, W: ALL},
    "sales_manager": {R: ALL},
    "sales": {R: ALL},
    "marketing": {R: ALL, W: ALL},
    "support": {R: ALL},
    "viewer": {R: ALL},
}
"""Campaigns, segments and automations: marketing and admins write, everyone else reads."""

ROLE_TABLE: dict[str, dict[str, dict[Action, Scope]]] = {
    "leads": {
        "admin": {R: ALL, W: ALL, IMP: ALL},
        "sales_manager": {R: ALL, W: ALL, IMP: ALL},
        "sales": {R: OWN, W: OWN},
        "marketing": {R: ALL, IMP: ALL},
        "support": {R: ALL},
        "viewer": {R: ALL},
    },
    "scoring_rules": {
        "admin": {R: ALL, W: ALL},
    },
    "contacts": {
        "admin": {R: ALL, W: ALL, IMP: ALL},
        "sales_manager": {R: ALL, W: ALL, IMP: ALL},
        "sales": {R: ALL, W: OWN},
        "marketing": {R: ALL},
        "support": {R: ALL, W: ALL},
        "viewer": {R: ALL},
    },
    "accounts": {
        "admin": {R: ALL, W: ALL, IMP: ALL},
        "sales_manager": {R: ALL, W: ALL, IMP: ALL},
        "sales": {R: ALL, W: OWN},
        "marketing": {R: ALL},
        "support": {R: ALL, W: ALL},
        "viewer": {R: ALL},
    },
    "activities": {
        "admin": {R: ALL, W: ALL},
        "sales_manager": {R: ALL, W: ALL},
        "sales": {R: OWN, W: OWN},
        "marketing": {R: ALL},
        "support": {R: ALL, W: ALL},
        "viewer": {R: ALL},
    },
    "cases": {
        "admin": {R: ALL, W: ALL},
        "sales_manager": {R: ALL},
        "sales": {R: ALL},
        "support": {R: ALL, W: ALL},
        "viewer": {R: ALL},
    },
    "deals": {
        "admin": {R: ALL, W: ALL},
        "sales_manager": {R: ALL, W: ALL},
        "sales": {R: OWN, W: OWN},
        "marketing": {R: ALL},
        "support": {R: ALL},
        "viewer": {R: ALL},
    },
    "pipelines": {
        "admin": {R: ALL, W: ALL},
        "sales_manager": {R: ALL, W: ALL},
        "sales": {R: ALL},
        "marketing": {R: ALL},
        "support": {R: ALL},
        "viewer": {R: ALL},
    },
    "targets": {
        "admin": {R: ALL, W: ALL},
        "sales_manager": {R: ALL, W: ALL},
        "sales": {R: OWN},
        "viewer": {R: ALL},
    },
    "reports": {
        "admin": {R: ALL},
        "sales_manager": {R: ALL},
        "sales": {R: OWN},
        "marketing": {R: ALL},
        "viewer": {R: ALL},
    },
    "users": {
        "admin": {R: ALL, W: ALL},
        "sales_manager": {R: ALL},
    },
    "api_keys": {
        "admin": {R: ALL, W: ALL},
    },
    "case_reports": {
        "admin": {R: ALL},
        "sales_manager": {R: ALL},
        "support": {R: ALL},
        "viewer": {R: ALL},
    },
    "campaigns": _MARKETING,
    "segments": _MARKETING,
    "automations": _MARKETING,
    "notifications": {
        "admin": {R: OWN, W: OWN},
        "sales_manager": {R: OWN, W: OWN},
        "sales": {R: OWN, W: OWN},
        "marketing": {R: OWN, W: OWN},
        "support": {R: OWN, W: OWN},
        "viewer": {R: OWN},
    },
    "webhooks": {
        "admin": {R: ALL, W: ALL},
    },
}
"""resource -> role -> action -> scope. API-key principals use scopes instead."""

_ORDER = {Scope.NONE: 0, Scope.OWN: 1, Scope.ALL: 2}


def grant(roles: Iterable[str], resource: str, action: Action) -> Scope:
    """The widest scope any of ``roles`` has for ``action`` on ``resource``."""
    table = ROLE_TABLE.get(resource, {})
    best = Scope.NONE
    for role in roles:
        scope = table.get(role, {}).get(action, Scope.NONE)
        if _ORDER[scope] > _ORDER[best]:
            best = scope
    return best


INTEGRATION_READABLE = frozenset(
    {"leads", "contacts", "accounts", "activities", "cases", "deals", "pipelines"}
)
"""Resources an API key may read (with scope ``<resource>:read``); never users or rules."""


def scope_for_api_key(scopes: Iterable[str], resource: str, action: Action) -> Scope:
    """Integration keys read a resource only with the scope ``<resource>:read``; with the
    scope ``webhooks`` they manage their own webhook subscriptions."""
    if resource == "webhooks":
        return Scope.OWN if "webhooks" in set(scopes) else Scope.NONE
    if resource not in INTEGRATION_READABLE:
        return Scope.NONE
    if action is Action.READ and f"{resource}:read" in set(scopes):
        return Scope.ALL
    return Scope.NONE
