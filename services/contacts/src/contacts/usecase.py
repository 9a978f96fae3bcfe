"""Reference checks the create use cases of this service do before their unit of work."""

from __future__ import annotations

from collections.abc import Mapping

from crm_shared.errors import Unprocessable
from crm_shared.mongo.repository import Repository


async def check_refs(refs: Mapping[str, tuple[Repository, str | None]]) -> None:
    """422 unless every given id (field -> (repository, id)) exists in the tenant."""
    for field, (repo, id_) in refs.items():
        if id_ is not None and await repo.items.find_one({"_id": id_}) is None:
            raise Unprocessable(
                f"{field}: {repo.kind} {id_} not found",
                errors=[{"field": field, "message": f"{repo.kind} {id_} not found"}],
            )
