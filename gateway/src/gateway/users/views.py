"""A stored user as the API shows it."""

from __future__ import annotations

from crm_shared.mongo.scoped import Document


def public_user(doc: Document) -> Document:
    """A user as the API shows it (never the password hash)."""
    return {
        "id": doc["_id"],
        "email": doc["email"],
        "name": doc.get("name"),
        "roles": list(doc.get("roles") or []),
        "active": bool(doc.get("active")),
        "tenant_id": doc["tenant_id"],
        "created_at": doc["created_at"],
        "updated_at": doc["updated_at"],
        "version": doc["version"],
    }
