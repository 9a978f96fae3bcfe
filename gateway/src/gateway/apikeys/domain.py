"""Rules of API keys: what a key looks like, and which scopes exist.

A key looks like ``crm_key_<random>``; only its SHA-256 is stored, with a short
``prefix`` kept for people to recognise it in lists.
"""

from __future__ import annotations

from collections.abc import Iterable

from crm_shared.access import INTEGRATION_READABLE

KEY_PREFIX = "crm_key_"
WEBHOOKS_SCOPE = "webhooks"
KNOWN_SCOPES = frozenset({*(f"{r}:read" for r in INTEGRATION_READABLE), WEBHOOKS_SCOPE})


def unknown_scopes(scopes: Iterable[str]) -> list[str]:
    """The scopes in ``scopes`` that do not exist, sorted."""
    return sorted(set(scopes) - KNOWN_SCOPES)


def shown_prefix(key: str) -> str:
    """The start of ``key`` kept in clear, for people to recognise it in lists."""
    return key[: len(KEY_PREFIX) + 6]
