"""Own-scope rules: what a caller whose grant is ``own`` may see, list and assign.

A record's owner field holds a user id (``owner_id``, or ``assignee_id``...). Callers who may
not read a record get 404, not 403, so record ids do not leak; callers who may read it but
only write their own get 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from crm_shared.auth import Access
from crm_shared.errors import Forbidden, NotFound

D = TypeVar("D", bound=Mapping[str, Any])


def _owned(access: Access, doc: Mapping[str, Any], field: str) -> bool:
    return not access.own_only or doc.get(field) == access.principal.sub


def visible(access: Access, doc: D, kind: str, *, field: str = "owner_id") -> D:
    """``doc`` if the caller may read it; 404 for an own-scope caller who does not own it."""
    if not _owned(access, doc, field):
        raise NotFound(f"{kind} {doc['_id']} not found")
    return doc


def writable(access: Access, doc: D, kind: str, *, field: str = "owner_id") -> D:
    """``doc`` if the caller may change it; 403 for an own-scope caller who does not own it
    (use :func:`visible` first where such callers cannot read it either)."""
    if not _owned(access, doc, field):
        raise Forbidden(f"you may only change your own {kind}s")
    return doc


def check_assignee(access: Access, owner_id: str | None, kind: str) -> None:
    """Own-scope callers may only give records to themselves."""
    if access.own_only and owner_id not in (None, access.principal.sub):
        raise Forbidden(f"you may only own {kind}s yourself; ask a manager to assign others")


def default_owner(access: Access, owner_id: str | None) -> str | None:
    """The owner of a new record: the one given, else the caller when own-scoped."""
    return owner_id or (access.principal.sub if access.own_only else None)


def list_owner(access: Access, owner_id: str | None, kind: str) -> str | None:
    """The owner filter of a listing: own-scope callers see only their own records."""
    if not access.own_only:
        return owner_id
    if owner_id not in (None, access.principal.sub):
        raise Forbidden(f"you may only list your own {kind}s")
    return access.principal.sub
