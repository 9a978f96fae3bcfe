"""CSV layout of leads: export columns and import mapping (pure, no I/O).

Import accepts the English field names plus the Indonesian headers our users' spreadsheets
use (``nama_depan``, ``perusahaan``, ``no_hp``...), see ``HEADER_ALIASES``. Columns named
``custom.<key>`` fill custom fields; other unknown columns are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any, Final

from crm_shared.csv_import import RowError, canonical_header, map_record, validate_row
from leads.leads.domain import LeadSource
from leads.leads.schemas import LeadCreate

LEAD_CSV_COLUMNS: Final[tuple[str, ...]] = (
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "title",
    "website",
    "source",
    "campaign_id",
    "status",
    "rating",
    "score",
    "owner_id",
    "tags",
    "notes",
    "created_at",
    "updated_at",
)
"""Export column order (tags joined with ``;``)."""

FULL_NAME: Final = "full_name"
"""Pseudo-field of a single name column, split into first/last name by ``parse_lead_row``."""

_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "first_name": ("first_name", "firstname", "given_name", "nama_depan"),
    "last_name": ("last_name", "lastname", "surname", "family_name", "nama_belakang"),
    FULL_NAME: ("full_name", "name", "nama", "nama_lengkap", "fullname"),
    "email": ("email", "e_mail", "email_address", "alamat_email", "surel"),
    "phone": (
        "phone",
        "phone_number",
        "mobile",
        "telepon",
        "telp",
        "no_telp",
        "no_telepon",
        "nomor_telepon",
        "hp",
        "no_hp",
        "nomor_hp",
        "whatsapp",
        "wa",
        "no_wa",
    ),
    "company": ("company", "company_name", "organization", "perusahaan", "nama_perusahaan"),
    "title": ("title", "job_title", "position", "jabatan", "posisi"),
    "website": ("website", "web", "url", "situs", "situs_web"),
    "source": ("source", "lead_source", "sumber"),
    "campaign_id": ("campaign_id", "campaign", "kampanye"),
    "tags": ("tags", "tag", "label", "labels"),
    "notes": ("notes", "note", "catatan", "keterangan"),
    "owner_id": ("owner_id",),
}

HEADER_ALIASES: Final[Mapping[str, str]] = {
    alias: field for field, aliases in _ALIASES.items() for alias in aliases
}
"""Accepted (normalised) import header -> lead field (``full_name`` is split, see above)."""

SOURCE_ALIASES: Final[Mapping[str, LeadSource]] = {
    **{source.value: source for source in LeadSource},
    "website": LeadSource.WEB,
    "situs": LeadSource.WEB,
    "rujukan": LeadSource.REFERRAL,
    "referensi": LeadSource.REFERRAL,
    "kampanye": LeadSource.CAMPAIGN,
    "acara": LeadSource.EVENT,
    "pameran": LeadSource.EVENT,
    "telepon": LeadSource.COLD_CALL,
    "sosial": LeadSource.SOCIAL,
    "media_sosial": LeadSource.SOCIAL,
    "sosmed": LeadSource.SOCIAL,
    "mitra": LeadSource.PARTNER,
    "impor": LeadSource.IMPORT,
    "lainnya": LeadSource.OTHER,
    "lain_lain": LeadSource.OTHER,
}
"""Accepted source values (normalised: lower-case, spaces and hyphens as ``_``)."""

_TAG_SPLIT: Final = re.compile(r"[;,]")


def parse_source(value: str) -> LeadSource:
    """Source from a cell, case-insensitive, with Indonesian aliases (``rujukan``,
    ``acara``...). Raises ``RowError`` for an unknown value."""
    key = canonical_header(value)
    try:
        return SOURCE_ALIASES[key]
    except KeyError:
        allowed = ", ".join(source.value for source in LeadSource)
        raise RowError(f"source: unknown source '{value.strip()}' (use one of {allowed})") from None


def _split_full_name(full: str) -> tuple[str | None, str]:
    """``"Andi Wijaya"`` -> ``("Andi", "Wijaya")``; a single name (common in Indonesia) goes
    entirely into the required last name."""
    parts = full.split(None, 1)
    if len(parts) == 1:
        return None, parts[0]
    return parts[0], parts[1]


def parse_lead_row(
    record: Mapping[str, str], *, default_source: LeadSource = LeadSource.OTHER
) -> LeadCreate:
    """Turn one import record (from ``iter_csv_records``) into a ``LeadCreate``.

    Headers are matched through ``HEADER_ALIASES`` by ``crm_shared.csv_import.map_record``
    (after lower-casing and turning punctuation into ``_``, so ``"No. HP"`` and ``"E-mail"``
    work); the first non-empty column of a field wins; blank cells are left out. A single
    name column (``name``/``nama``/``full_name``) is split into first and last name; a lone
    first name becomes the last name. Tags split on ``;`` or ``,``. Rows without a source get
    ``default_source`` (pass ``LeadSource.IMPORT`` to mark imported leads). Raises
    ``RowError`` (``crm_shared.csv_import``) with readable field messages.
    """
    cells, custom = map_record(record, HEADER_ALIASES)
    data: dict[str, Any] = dict(cells)
    full_name = data.pop(FULL_NAME, None)
    if not data.get("last_name"):
        first = data.get("first_name")
        if full_name:
            if first and full_name.lower().startswith(first.lower() + " "):
                full_name = full_name[len(first) + 1 :].strip()
            if first:
                data["last_name"] = full_name
            else:
                data["first_name"], data["last_name"] = _split_full_name(full_name)
        elif first:
            data["first_name"], data["last_name"] = None, first
    data["source"] = parse_source(data["source"]) if "source" in data else default_source
    if "tags" in data:
        data["tags"] = [tag.strip() for tag in _TAG_SPLIT.split(data["tags"]) if tag.strip()]
    if custom:
        data["custom"] = custom
    if not data.get("last_name"):
        raise RowError("last_name: a last name (or a name column) is required")
    return validate_row(LeadCreate, data)


def _cell(value: Any) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return value


def lead_to_csv_row(doc: Mapping[str, Any]) -> list[object]:
    """One export row in ``LEAD_CSV_COLUMNS`` order from a stored lead (or ``LeadOut`` dump).

    Values are not escaped here: ``crm_shared.csvio.write_csv_rows`` does that once. ``id``
    falls back to ``_id``; tags are joined with ``;``; naive datetimes are taken as UTC.
    """
    row: list[object] = []
    for column in LEAD_CSV_COLUMNS:
        value = doc.get(column)
        if column == "id" and value is None and doc.get("_id") is not None:
            value = str(doc["_id"])
        elif column == "tags":
            value = ";".join(str(tag) for tag in value or [])
        row.append(_cell(value))
    return row
