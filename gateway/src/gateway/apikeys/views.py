"""A stored API key as the API shows it."""

from __future__ import annotations

from crm_shared.mongo.scoped import Document


def public_key(doc: Document) -> Document:
    """An API key as lists show it (never the key or its hash)."""
    return {
        "id": doc["_id"],
        "name": doc["name"],
        "prefix": doc["prefix"],
        "scopes": doc["scopes"],
        "created_by": doc["created_by"],
        "created_at": doc["created_at"],
        "revoked_at": doc.get("revoked_at"),
        "last_used_at": doc.get("last_used_at"),
    }
