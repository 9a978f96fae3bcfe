"""Unit tests of the leads CSV layout (import mapping and export rows)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from crm_shared.csv_import import RowError
from crm_shared.csvio import EXTRA_CELLS_KEY, iter_csv_records, write_csv_rows
from leads.imports.csv_format import (
    HEADER_ALIASES,
    LEAD_CSV_COLUMNS,
    lead_to_csv_row,
    parse_lead_row,
    parse_source,
)
from leads.leads.domain import LeadSource
from leads.leads.schemas import LeadOut


def test_export_columns() -> None:
    assert LEAD_CSV_COLUMNS == (
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


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("nama_depan", "first_name"),
        ("nama_belakang", "last_name"),
        ("perusahaan", "company"),
        ("jabatan", "title"),
        ("telepon", "phone"),
        ("no_hp", "phone"),
        ("hp", "phone"),
        ("phone_number", "phone"),
        ("sumber", "source"),
        ("catatan", "notes"),
        ("situs", "website"),
        ("website", "website"),
        ("label", "tags"),
        ("tags", "tags"),
        ("email", "email"),
    ],
)
def test_header_aliases(header: str, field: str) -> None:
    assert HEADER_ALIASES[header] == field


def test_parse_indonesian_row() -> None:
    lead = parse_lead_row(
        {
            "nama_depan": "Andi",
            "nama_belakang": "Wijaya",
            "email": "Andi@Contoh.co.id",
            "no_hp": "0812-3456-7890",
            "perusahaan": "PT Contoh Jaya",
            "jabatan": "Direktur",
            "sumber": "Rujukan",
            "catatan": "Bertemu di pameran",
            "situs": "contoh.co.id",
            "label": "VIP; Jakarta,b2b",
            "kolom_lain": "ignored",
        }
    )
    assert lead.first_name == "Andi"
    assert lead.last_name == "Wijaya"
    assert lead.email == "andi@contoh.co.id"
    assert lead.phone == "+6281234567890"
    assert lead.company == "PT Contoh Jaya"
    assert lead.title == "Direktur"
    assert lead.source is LeadSource.REFERRAL
    assert lead.notes == "Bertemu di pameran"
    assert lead.website == "https://contoh.co.id"
    assert lead.tags == ["vip", "jakarta", "b2b"]


@pytest.mark.parametrize(
    ("record", "first", "last"),
    [
        ({"nama": "Andi Wijaya"}, "Andi", "Wijaya"),
        ({"name": "Muhammad Rizky Pratama"}, "Muhammad", "Rizky Pratama"),
        ({"full_name": "  Sukarno "}, None, "Sukarno"),  # mononym
        ({"nama": "Andi Wijaya", "nama_depan": "Andi"}, "Andi", "Wijaya"),
        ({"nama": "Andi Wijaya", "last_name": "W"}, None, "W"),
        ({"first_name": "Sukarno"}, None, "Sukarno"),  # lone first name
        ({"first_name": "A", "last_name": "B"}, "A", "B"),
    ],
)
def test_name_columns(record: dict[str, str], first: str | None, last: str) -> None:
    lead = parse_lead_row(record)
    assert (lead.first_name, lead.last_name) == (first, last)


def test_header_punctuation_variants_and_blank_cells() -> None:
    lead = parse_lead_row({"nama": "Budi", "no._hp": "+62 21 555 1234", "e-mail": "", "hp": ""})
    assert lead.phone == "+62215551234"
    assert lead.email is None


def test_first_non_empty_alias_wins() -> None:
    lead = parse_lead_row({"nama": "Budi", "telepon": "", "no_hp": "081234567890"})
    assert lead.phone == "+6281234567890"


@pytest.mark.parametrize(
    ("raw", "source"),
    [
        ("web", LeadSource.WEB),
        ("WEB", LeadSource.WEB),
        ("Referral", LeadSource.REFERRAL),
        ("rujukan", LeadSource.REFERRAL),
        ("Acara", LeadSource.EVENT),
        ("cold call", LeadSource.COLD_CALL),
        ("Cold-Call", LeadSource.COLD_CALL),
        ("import", LeadSource.IMPORT),
        ("mitra", LeadSource.PARTNER),
        ("Media Sosial", LeadSource.SOCIAL),
    ],
)
def test_parse_source(raw: str, source: LeadSource) -> None:
    assert parse_source(raw) is source
    assert parse_lead_row({"nama": "X", "sumber": raw}).source is source


def test_unknown_source_is_row_error() -> None:
    with pytest.raises(RowError, match="source: unknown source 'TV'"):
        parse_lead_row({"nama": "X", "source": "TV"})


def test_missing_source_defaults_to_other() -> None:
    assert parse_lead_row({"nama": "X"}).source is LeadSource.OTHER
    row = {"nama": "X"}
    assert parse_lead_row(row, default_source=LeadSource.IMPORT).source is LeadSource.IMPORT
    row["sumber"] = "web"
    assert parse_lead_row(row, default_source=LeadSource.IMPORT).source is LeadSource.WEB


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ({"nama": "X", "email": "not-an-email"}, "email: value is not a valid email address"),
        ({"nama": "X", "telepon": "12345"}, "phone: '12345' is not a valid phone number"),
        ({"nama": "X", "website": "javascript:alert(1)"}, "website: website must be"),
        ({"email": "a@b.co.id"}, "last_name: a last name"),
        ({"nama": "X", EXTRA_CELLS_KEY: "extra"}, "row has more cells than the header"),
        ({"nama": "X", "custom.Bad Key": "1"}, "custom.bad key: String should match pattern"),
        ({"nama": "x" * 101}, "last_name: String should have at most 100 characters"),
    ],
)
def test_row_errors(record: dict[str, str], message: str) -> None:
    with pytest.raises(RowError) as exc:
        parse_lead_row(record)
    assert message in exc.value.message
    assert "Value error," not in exc.value.message


def test_multiple_errors_joined() -> None:
    with pytest.raises(RowError) as exc:
        parse_lead_row({"nama": "X", "email": "bad", "phone": "1"})
    assert exc.value.message.startswith("email: ")
    assert "; phone: " in exc.value.message


def test_custom_columns_and_owner() -> None:
    lead = parse_lead_row({"nama": "X", "custom.industry": "retail", "owner_id": "u7"})
    assert lead.custom == {"industry": "retail"}
    assert lead.owner_id == "u7"


def _doc() -> dict[str, Any]:
    return {
        "_id": "65f0",
        "tenant_id": "t1",
        "first_name": "Andi",
        "last_name": "Wijaya",
        "email": "andi@contoh.co.id",
        "phone": "+6281234567890",
        "company": '=HYPERLINK("http://evil")',
        "title": None,
        "website": "https://contoh.co.id",
        "source": LeadSource.REFERRAL,
        "campaign_id": None,
        "status": "qualified",
        "rating": "warm",
        "score": 55,
        "owner_id": "u1",
        "tags": ["vip", "jakarta"],
        "notes": "line1\nline2",
        "custom": {},
        "junk": False,
        "version": 1,
        "created_at": datetime(2025, 1, 2, 3, 4, 5),  # naive from pymongo
        "updated_at": datetime(2025, 1, 3, tzinfo=UTC),
    }


def test_lead_to_csv_row() -> None:
    row = lead_to_csv_row(_doc())
    assert len(row) == len(LEAD_CSV_COLUMNS)
    values = dict(zip(LEAD_CSV_COLUMNS, row, strict=True))
    assert values["id"] == "65f0"
    assert values["source"] == "referral"
    assert values["tags"] == "vip;jakarta"
    assert values["score"] == 55
    assert values["title"] is None
    assert values["company"] == '=HYPERLINK("http://evil")'  # escaped later, once
    assert values["created_at"] == "2025-01-02T03:04:05+00:00"
    assert values["updated_at"] == "2025-01-03T00:00:00+00:00"


def test_lead_to_csv_row_from_lead_out_dump() -> None:
    out = LeadOut.from_doc(_doc())
    row = lead_to_csv_row(out.model_dump())
    assert row[0] == "65f0"
    assert row[LEAD_CSV_COLUMNS.index("status")] == "qualified"


def test_export_escapes_once() -> None:
    text = "".join(write_csv_rows(LEAD_CSV_COLUMNS, [lead_to_csv_row(_doc())]))
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == list(LEAD_CSV_COLUMNS)
    company = rows[1][LEAD_CSV_COLUMNS.index("company")]
    assert company == '\'=HYPERLINK("http://evil")'
    assert rows[1][LEAD_CSV_COLUMNS.index("phone")] == "'+6281234567890"
    assert rows[1][LEAD_CSV_COLUMNS.index("notes")] == "line1\nline2"


async def _stream(data: bytes) -> AsyncIterator[bytes]:
    for i in range(0, len(data), 16):
        yield data[i : i + 16]


async def test_import_spreadsheet_end_to_end() -> None:
    data = (
        "\ufeffNama Depan;Nama Belakang;No HP;Perusahaan;Sumber;Label;Catatan\r\n"
        'José;Núñez;0812-3456-7890;"PT Maju; Jaya";acara;vip,expo;"baris 1\r\nbaris 2"\r\n'
        ";Santoso;12;;web;;\r\n"
        ";;;;;;\r\n"
        "Citra;;+62 21 555 1234;;tv;;\r\n"
    ).encode()
    results: list[tuple[int, str]] = []
    leads = []
    async for row, record in iter_csv_records(_stream(data), max_rows=100):
        try:
            leads.append(parse_lead_row(record))
        except RowError as exc:
            results.append((row, exc.message))
    assert len(leads) == 1
    lead = leads[0]
    assert (lead.first_name, lead.last_name) == ("José", "Núñez")
    assert lead.phone == "+6281234567890"
    assert lead.company == "PT Maju; Jaya"
    assert lead.source is LeadSource.EVENT
    assert lead.tags == ["vip", "expo"]
    assert lead.notes == "baris 1\r\nbaris 2"
    assert [row for row, _ in results] == [3, 5]
    assert "phone" in results[0][1]
    assert "source" in results[1][1]
