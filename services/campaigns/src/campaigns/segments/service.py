"""Use cases on segments: saved rules, static lists (by id or CSV), previews."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, Final

from campaigns.audience.repository import ContactProjection
from campaigns.campaigns.views import member_view
from campaigns.segments.domain import compile_rules
from campaigns.segments.repository import SegmentRepository
from campaigns.segments.schemas import Group, SegmentCreate, SegmentUpdate
from campaigns.segments.views import contact_sample, view
from campaigns.settings import CampaignsSettings
from crm_shared.auth import Access
from crm_shared.csv_import import (
    CsvImporter,
    ImportReport,
    RowError,
    map_record,
    run_csv_import,
)
from crm_shared.errors import Conflict, NotFound, Unprocessable
from crm_shared.ids import new_id
from crm_shared.mongo.pagination import fingerprint
from crm_shared.mongo.repository import ListFilter, expected_version, newest_first
from crm_shared.mongo.scoped import Document
from crm_shared.runtime import Runtime
from crm_shared.uow import Tx

SAMPLE_SIZE: Final = 10
NEWEST = newest_first("created_at")
CSV_ALIASES: Final = {
    "contact_id": "contact_id",
    "id": "contact_id",
    "email": "email",
    "e_mail": "email",
}


def _repo(rt: Runtime, access: Access) -> SegmentRepository:
    return SegmentRepository(rt.db, access.tenant_id)


async def create_segment(rt: Runtime, access: Access, data: SegmentCreate) -> Document:
    """Save a dynamic segment or an empty static list."""
    doc: Document = {
        "_id": new_id("seg"),
        "name": data.name,
        "description": data.description,
        "kind": data.kind,
        "rules": data.rules.model_dump(mode="json") if data.rules else None,
        "member_count": 0,
        "created_by": access.principal.sub,
    }
    repo = _repo(rt, access)
    await rt.uow.run_without_transaction(lambda tx: repo.insert(doc, session=tx.session))
    return await repo.get(doc["_id"])


async def get_segment(rt: Runtime, access: Access, segment_id: str) -> Document:
    """One segment (404 in another tenant)."""
    return await _repo(rt, access).get(segment_id)


async def update_segment(
    rt: Runtime, access: Access, segment_id: str, patch: SegmentUpdate, *, if_match: int | None
) -> Document:
    """Rename, describe, or change a dynamic segment's rules."""
    repo = _repo(rt, access)
    current = await repo.get(segment_id)
    fields: dict[str, Any] = {k: getattr(patch, k) for k in patch.model_fields_set}
    if "rules" in fields:
        if current["kind"] != "dynamic" or patch.rules is None:
            raise Unprocessable("only dynamic segments have rules, and they cannot be removed")
        fields["rules"] = patch.rules.model_dump(mode="json")
    version = expected_version(current, if_match)
    return await rt.uow.run_without_transaction(
        lambda tx: repo.update(segment_id, version, {"$set": fields}, session=tx.session)
    )


async def delete_segment(
    rt: Runtime, access: Access, segment_id: str, *, if_match: int | None
) -> None:
    """Delete a segment (and a static list's members); campaigns that named it launch
    with their other segments."""
    repo = _repo(rt, access)
    current = await repo.get(segment_id)
    version = expected_version(current, if_match)

    async def work(tx: Tx) -> None:
        await repo.delete(segment_id, version, session=tx.session)
        await repo.drop_members(segment_id, session=tx.session)

    await rt.uow.run(work)


async def list_segments(
    rt: Runtime, access: Access, kind: str | None, *, limit: int, cursor: str | None, windowed: bool
) -> tuple[list[Document], str | None]:
    """A page of segments, newest first."""
    filter_ = ListFilter(equals={"kind": kind})
    docs, next_cursor = await _repo(rt, access).page(
        filter_,
        NEWEST,
        limit=limit,
        cursor=cursor,
        query_fingerprint=fingerprint(access.tenant_id, filter_.to_query()),
        windowed=windowed,
    )
    return [view(d) for d in docs], next_cursor


async def preview_rules(rt: Runtime, access: Access, rules: Group) -> dict[str, Any]:
    """How many contacts the rules select now, with a sample of them."""
    count, sample = await ContactProjection(rt.db, access.tenant_id).preview(
        compile_rules(rules), sample=SAMPLE_SIZE
    )
    return {"count": count, "sample": [contact_sample(d) for d in sample]}


async def preview_segment(rt: Runtime, access: Access, segment_id: str) -> dict[str, Any]:
    """The preview of a saved segment (a static list: its live members)."""
    segment = await _repo(rt, access).get(segment_id)
    if segment["kind"] == "dynamic":
        return await preview_rules(rt, access, Group.model_validate(segment["rules"]))
    ids = await _repo(rt, access).member_ids(segment_id)
    contacts = await ContactProjection(rt.db, access.tenant_id).by_ids(ids)
    live = [c for c in contacts.values() if c.get("alive")]
    return {"count": len(live), "sample": [contact_sample(d) for d in live[:SAMPLE_SIZE]]}


async def _static(rt: Runtime, access: Access, segment_id: str) -> SegmentRepository:
    repo = _repo(rt, access)
    if (await repo.get(segment_id))["kind"] != "static":
        raise Conflict("members are added to static lists only; dynamic segments use rules")
    return repo


async def _add(rt: Runtime, repo: SegmentRepository, segment_id: str, ids: list[str]) -> int:
    """Put ``ids`` on a static list and count the new ones on it, in one transaction."""

    async def work(tx: Tx) -> int:
        return await repo.add_members(segment_id, ids, session=tx.session)

    return await rt.uow.run(work) if ids else 0


async def add_members(
    rt: Runtime, access: Access, segment_id: str, contact_ids: list[str]
) -> dict[str, Any]:
    """Add known contacts to a static list; unknown ids are reported, not added."""
    repo = await _static(rt, access, segment_id)
    known = await ContactProjection(rt.db, access.tenant_id).by_ids(contact_ids)
    live = [c for c in contact_ids if known.get(c, {}).get("alive")]
    added = await _add(rt, repo, segment_id, live)
    return {
        "added": added,
        "already_members": len(live) - added,
        "unknown": [c for c in contact_ids if c not in set(live)],
    }


async def remove_member(rt: Runtime, access: Access, segment_id: str, contact_id: str) -> None:
    """Take a contact off a static list (404 when it is not on it)."""
    repo = await _static(rt, access, segment_id)

    async def work(tx: Tx) -> bool:
        return await repo.remove_member(segment_id, contact_id, session=tx.session)

    if not await rt.uow.run(work):
        raise NotFound(f"contact {contact_id} is not on segment {segment_id}")


async def list_members(
    rt: Runtime, access: Access, segment_id: str, *, limit: int, cursor: str | None
) -> tuple[list[Document], str | None]:
    """A page of a static list's members."""
    repo = await _static(rt, access, segment_id)
    docs, next_cursor = await repo.member_page(
        segment_id,
        limit=limit,
        cursor=cursor,
        query_fingerprint=fingerprint(access.tenant_id, "segment", segment_id),
    )
    return [member_view(d) for d in docs], next_cursor


def _csv_row(record: Mapping[str, str]) -> tuple[str, str]:
    """A CSV row as (kind, value): a ``contact_id`` column, else an ``email`` one."""
    data, _ = map_record(record, CSV_ALIASES)
    if contact_id := data.get("contact_id"):
        if len(contact_id) > 64:
            raise RowError("contact_id is longer than 64 characters")
        return "contact_id", contact_id
    if email := data.get("email"):
        return "email", email.lower()
    raise RowError("give a contact_id or an email")


async def import_members(
    rt: Runtime,
    access: Access,
    segment_id: str,
    chunks: AsyncIterator[bytes],
    settings: CampaignsSettings,
) -> ImportReport:
    """Add the contacts of a CSV file (``contact_id`` or ``email`` column) to a static
    list; rows naming no known contact are reported by row number."""
    repo = await _static(rt, access, segment_id)
    projection = ContactProjection(rt.db, access.tenant_id)

    async def flush(batch: list[tuple[int, tuple[str, str]]], report: ImportReport) -> None:
        by_email = await projection.by_emails([v for _, (k, v) in batch if k == "email"])
        by_id = await projection.by_ids([v for _, (k, v) in batch if k == "contact_id"])
        found: list[str] = []
        for row, (kind, value) in batch:
            contact_id = by_email.get(value) if kind == "email" else value
            if contact_id is None or (
                kind == "contact_id" and not by_id.get(value, {}).get("alive")
            ):
                report.error(row, f"no contact with {kind} {value}")
                continue
            found.append(contact_id)
        report.created += await _add(rt, repo, segment_id, list(dict.fromkeys(found)))

    importer = CsvImporter(
        parse=_csv_row, keys=lambda item: [f"{item[0]}:{item[1]}"], flush=flush, key_name="contact"
    )
    return await run_csv_import(
        chunks,
        importer,
        max_rows=settings.import_max_rows,
        batch_size=settings.import_batch_size,
    )
