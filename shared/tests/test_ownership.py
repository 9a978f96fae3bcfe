"""Unit tests of the own-scope rules."""

from __future__ import annotations

import pytest

from crm_shared.access import Scope
from crm_shared.auth import Access, Principal
from crm_shared.errors import Forbidden, NotFound
from crm_shared.ownership import check_assignee, default_owner, list_owner, visible, writable


def _access(scope: Scope) -> Access:
    return Access(Principal(sub="u1", tenant_id="t", roles=frozenset({"sales"})), scope)


OWN, ALL = _access(Scope.OWN), _access(Scope.ALL)
MINE = {"_id": "c_1", "owner_id": "u1", "assignee_id": "u2"}
THEIRS = {"_id": "c_2", "owner_id": "u2"}


def test_visible_and_writable() -> None:
    assert visible(OWN, MINE, "contact") is MINE
    assert visible(ALL, THEIRS, "contact") is THEIRS
    with pytest.raises(NotFound):
        visible(OWN, THEIRS, "contact")
    with pytest.raises(NotFound):
        visible(OWN, MINE, "case", field="assignee_id")
    assert writable(OWN, MINE, "contact") is MINE
    with pytest.raises(Forbidden):
        writable(OWN, THEIRS, "contact")


def test_assignment_and_listing() -> None:
    check_assignee(OWN, "u1", "contact")
    check_assignee(OWN, None, "contact")
    check_assignee(ALL, "u9", "contact")
    with pytest.raises(Forbidden):
        check_assignee(OWN, "u9", "contact")
    assert default_owner(OWN, None) == "u1"
    assert default_owner(ALL, None) is None
    assert default_owner(ALL, "u3") == "u3"
    assert list_owner(OWN, None, "activity") == "u1"
    assert list_owner(ALL, "u3", "activity") == "u3"
    with pytest.raises(Forbidden):
        list_owner(OWN, "u3", "activity")
