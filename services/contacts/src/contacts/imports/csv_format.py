"""CSV layout of contacts and accounts: export columns and import mapping (pure, no I/O).

Import accepts English field names and the Indonesian headers users' spreadsheets carry
(``nama_depan``, ``perusahaan``, ``no_hp``...); ``custom.<key>`` columns fill custom fields.
Several e-mails or phones in one cell are separated by ``;`` (the first e-mail is primary).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from contacts.accounts.schemas import AccountCreate
from contacts.contacts.schemas import ContactCreate
from crm_shared.csv_import import RowError, map_record, validate_row
from crm_shared.fields import from_bson

CONTACT_CSV_COLUMNS: Final = (
    "id",
    "first_name",
    "last_name",
    "email",
    "emails",
    "phones",
    "title",
    "account_id",
    "account_role",
    "lifecycle_stage",
    "do_not_contact",
    "owner_id",
    "tags",
    "purchase_count",
    "purchase_total",
    "last_purchase_at",
    "rfm_segment",
    "created_at",
    "updated_at",
)
ACCOUNT_CSV_COLUMNS: Final = (
    "id",
    "name",
    "domain",
    "website",
    "industry",
    "employee_count",
    "annual_revenue",
    "currency",
    "type",
    "owner_id",
    "parent_account_id",
    "tags",
    "created_at",
    "updated_at",
)

_CONTACT_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "first_name": ("first_name", "firstname", "given_name", "nama_depan"),
    "last_name": ("last_name", "lastname", "surname", "nama_belakang", "name", "nama"),
    "email": ("email", "e_mail", "email_address", "alamat_email", "surel", "emails"),
    "phones": ("phone", "phones", "mobile", "telepon", "no_telp", "hp", "no_hp", "whatsapp"),
    "title": ("title", "job_title", "position", "jabatan"),
    "account_id": ("account_id",),
    "account_role": ("account_role", "role", "peran"),
    "lifecycle_stage": ("lifecycle_stage", "stage", "tahap"),
    "do_not_contact": ("do_not_contact", "jangan_dihubungi"),
    "tags": ("tags", "tag", "label"),
    "notes": ("notes", "catatan"),
    "owner_id": ("owner_id",),
}
_ACCOUNT_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "name": ("name", "company", "company_name", "nama", "perusahaan", "nama_perusahaan"),
    "domain": ("domain",),
    "website": ("website", "web", "url", "situs"),
    "industry": ("industry", "industri", "bidang"),
    "employee_count": ("employee_count", "employees", "jumlah_karyawan"),
    "annual_revenue": ("annual_revenue", "revenue", "pendapatan"),
    "currency": ("currency", "mata_uang"),
    "type": ("type", "jenis", "tipe"),
    "phone": ("phone", "telepon", "no_telp"),
    "tags": ("tags", "tag", "label"),
    "notes": ("notes", "catatan"),
    "owner_id": ("owner_id",),
    "parent_account_id": ("parent_account_id",),
}


def _flip(aliases: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    return {alias: field for field, names in aliases.items() for alias in names}


CONTACT_HEADERS: Final = _flip(_CONTACT_ALIASES)
ACCOUNT_HEADERS: Final = _flip(_ACCOUNT_ALIASES)
_LIST_SPLIT: Final = re.compile(r"[;,]")
_LIST_FIELDS: Final = ("tags", "phones")


def _with_lists(data: dict[str, Any], custom: dict[str, str]) -> dict[str, Any]:
    """``data`` with list cells split and custom fields added."""
    for name in _LIST_FIELDS:
        if name in data:
            data[name] = [v.strip() for v in _LIST_SPLIT.split(data[name]) if v.strip()]
    if custom:
        data["custom"] = custom
    return data


def parse_contact_row(record: Mapping[str, str]) -> ContactCreate:
    """One import record as a ``ContactCreate`` (``RowError`` with readable messages)."""
    cells, custom = map_record(record, CONTACT_HEADERS)
    data = _with_lists(dict(cells), custom)
    if "email" in data:
        emails = [v.strip() for v in _LIST_SPLIT.split(data["email"]) if v.strip()]
        data["email"], data["emails"] = (emails[0], emails[1:]) if emails else (None, [])
    if not data.get("last_name"):
        if not data.get("first_name"):
            raise RowError("last_name: a last name (or a name column) is required")
        data["last_name"] = data.pop("first_name")
    return validate_row(ContactCreate, data)


def parse_account_row(record: Mapping[str, str]) -> AccountCreate:
    """One import record as an ``AccountCreate``."""
    cells, custom = map_record(record, ACCOUNT_HEADERS)
    if "type" in cells:
        cells["type"] = cells["type"].lower()
    return validate_row(AccountCreate, _with_lists(dict(cells), custom))


def to_csv_row(doc: Mapping[str, Any], columns: Sequence[str]) -> list[object]:
    """An export row in ``columns`` order from a stored document (lists joined by ``;``)."""
    row: list[object] = []
    for column in columns:
        value = from_bson(doc.get("_id" if column == "id" else column))
        if isinstance(value, list):
            value = ";".join(str(v) for v in value)
        elif isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat()
        row.append(value)
    return row
