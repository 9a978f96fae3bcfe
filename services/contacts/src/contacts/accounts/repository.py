"""Accounts (companies) in MongoDB: documents, derived fields, domain and name lookups."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import ASCENDING

from crm_shared.mongo.indexes import CollectionIndexes, index
from crm_shared.mongo.pagination import SortKeys
from crm_shared.mongo.repository import BY_CREATED, Repository, Session, newest_first
from crm_shared.mongo.scoped import Document
from crm_shared.search import normalize_text, search_fields

ACCOUNTS = "accounts"

ACCOUNT_SORTS: dict[str, SortKeys] = {
    "-created_at": newest_first("created_at"),
    "-updated_at": newest_first("updated_at"),
    "name": (("name_key", ASCENDING), ("_id", ASCENDING)),
}

ACCOUNT_INDEXES = CollectionIndexes(
    ACCOUNTS,
    [
        index(
            [("tenant_id", ASCENDING), ("domain", ASCENDING)],
            name="tenant_domain_unique",
            unique=True,
            partialFilterExpression={"domain": {"$type": "string"}},
        ),
        index([("tenant_id", 1), ("domain", 1), ("_id", 1)], name="tenant_domain_lookup"),
        index([("tenant_id", 1), ("name_key", 1), ("_id", 1)], name="tenant_name"),
        index([("tenant_id", 1), *BY_CREATED], name="tenant_created"),
        index([("tenant_id", 1), ("owner_id", 1), *BY_CREATED], name="tenant_owner_created"),
        index([("tenant_id", 1), ("type", 1), *BY_CREATED], name="tenant_type_created"),
        index([("tenant_id", 1), ("tags", 1), *BY_CREATED], name="tenant_tags_created"),
        index([("tenant_id", 1), ("search", 1), *BY_CREATED], name="tenant_search_created"),
        index([("tenant_id", 1), ("updated_at", -1), ("_id", -1)], name="tenant_updated"),
    ],
)


def account_derived(account: Mapping[str, Any]) -> Document:
    """Stored search keys, search words and the (exact-match) name key of an account."""
    values = [account.get("name"), account.get("domain"), account.get("industry")]
    return {**search_fields(values), "name_key": normalize_text(str(account.get("name") or ""))}


class AccountRepository(Repository):
    """Accounts of one tenant."""

    collection_name = ACCOUNTS
    kind = "account"

    async def by_domain(self, domain: str, *, session: Session = None) -> Document | None:
        """The account with this (normalised) domain, if any."""
        return await self.items.find_one({"domain": domain}, session=session)

    async def by_domains(self, domains: list[str]) -> dict[str, str]:
        """Existing account ids by domain for a batch (import duplicate check)."""
        if not domains:
            return {}
        docs = await self.items.find({"domain": {"$in": domains}}, projection={"domain": 1})
        return {d["domain"]: d["_id"] for d in docs}

    async def by_name(self, name: str, *, session: Session = None) -> Document | None:
        """The oldest account whose name matches exactly (case and accents ignored)."""
        docs = await self.items.find(
            {"name_key": normalize_text(name)}, sort=[("_id", 1)], limit=1, session=session
        )
        return docs[0] if docs else None
