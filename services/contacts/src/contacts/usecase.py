"""What every create use case of this service shares: the Idempotency-Key replay around
one unit of work, and reference checks done before it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from contacts.contacts.views import view
from crm_shared.auth import Access
from crm_shared.errors import Unprocessable
from crm_shared.idempotency import IdempotencyStore, request_fingerprint
from crm_shared.mongo.repository import Repository
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx


async def create_once(
    rt: Runtime,
    access: Access,
    body: Mapping[str, Any],
    work: Callable[[Tx], Awaitable[Document]],
    *,
    idempotency_key: str | None,
) -> tuple[dict[str, Any], bool]:
    """Run ``work`` (insert + emit) in one transaction, storing its response under the
    Idempotency-Key; a retry with the same key and body gets the stored response.
    Returns (response body, replayed)."""
    keys = IdempotencyStore(rt.db, access.tenant_id)
    fingerprint = request_fingerprint(body)

    async def run(tx: Tx) -> tuple[dict[str, Any], bool]:
        if idempotency_key:
            stored = await keys.replay(idempotency_key, fingerprint, session=tx.session)
            if stored is not None:
                return stored, True
        response = view(await work(tx))
        if idempotency_key:
            await keys.remember(idempotency_key, fingerprint, response, session=tx.session)
        return response, False

    return await rt.uow.run(run)


async def check_refs(refs: Mapping[str, tuple[Repository, str | None]]) -> None:
    """422 unless every given id (field -> (repository, id)) exists in the tenant."""
    for field, (repo, id_) in refs.items():
        if id_ is not None and await repo.items.find_one({"_id": id_}) is None:
            raise Unprocessable(
                f"{field}: {repo.kind} {id_} not found",
                errors=[{"field": field, "message": f"{repo.kind} {id_} not found"}],
            )
