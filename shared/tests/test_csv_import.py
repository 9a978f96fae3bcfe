"""Unit tests of the shared CSV import loop (no servers)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

import pytest
from pydantic import BaseModel, ConfigDict, Field

from crm_shared.csv_import import (
    MAX_REPORTED,
    CsvImporter,
    ImportReport,
    RowError,
    canonical_header,
    map_record,
    run_csv_import,
    validate_row,
)
from crm_shared.csvio import EXTRA_CELLS_KEY
from crm_shared.errors import BadRequest, PayloadTooLarge

ALIASES = {"name": "name", "nama": "name", "e_mail": "email", "email": "email"}


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2)
    email: str | None = None


def parse(record: Mapping[str, str]) -> Person:
    data, _ = map_record(record, ALIASES)
    return validate_row(Person, data)


async def chunks(text: str) -> AsyncIterator[bytes]:
    yield text.encode()


def test_canonical_header_and_map_record() -> None:
    assert canonical_header(" No. HP ") == "no_hp"
    data, custom = map_record(
        {"Nama": "Andi", "name": "Budi", "E-mail": " a@b.co ", "custom.Tier": "gold", "x": "1"},
        ALIASES,
    )
    assert data == {"name": "Andi", "email": "a@b.co"}
    assert custom == {"tier": "gold"}
    with pytest.raises(RowError, match="more cells"):
        map_record({"name": "A", EXTRA_CELLS_KEY: "z"}, ALIASES)


def test_validate_row_messages() -> None:
    with pytest.raises(RowError, match="name: String should have at least 2 characters"):
        validate_row(Person, {"name": "A"})


def test_report_caps_listed_items() -> None:
    report = ImportReport()
    for row in range(MAX_REPORTED + 5):
        report.error(row, "bad")
        report.duplicate(row, "k", None)
    body = report.as_dict()
    assert body["failed"] == body["duplicates"] == MAX_REPORTED + 5
    assert len(body["errors"]) == len(body["duplicate_rows"]) == MAX_REPORTED


async def test_loop_batches_errors_and_in_file_duplicates() -> None:
    batches: list[list[int]] = []

    async def flush(batch: list[tuple[int, Person]], report: ImportReport) -> None:
        batches.append([row for row, _ in batch])
        report.created += len(batch)

    text = "name,email\nAndi,a@x.co\nB,b@x.co\nCici,a@x.co\nDedi,d@x.co\nEka,\n"
    report = await run_csv_import(
        chunks(text),
        CsvImporter(parse, lambda p: [p.email] if p.email else [], flush),
        max_rows=100,
        batch_size=2,
    )
    assert batches == [[2, 5], [6]]
    assert (report.rows, report.created, report.failed, report.duplicate_count) == (5, 3, 1, 1)
    assert report.errors[0]["row"] == 3
    assert report.duplicates == [{"row": 4, "key": "a@x.co", "existing_id": None}]


async def test_loop_maps_file_faults_to_problems() -> None:
    async def flush(batch: list[tuple[int, Person]], report: ImportReport) -> None:
        report.created += len(batch)

    with pytest.raises(PayloadTooLarge) as too_large:
        await run_csv_import(
            chunks("name\nAndi\nBudi\nCici\n"),
            CsvImporter(parse, lambda p: [], flush),
            max_rows=2,
            batch_size=1,
        )
    assert too_large.value.extra["created"] == 2
    with pytest.raises(BadRequest):
        await run_csv_import(
            chunks('name\n"Andi\n'),
            CsvImporter(parse, lambda p: [], flush),
            max_rows=9,
            batch_size=1,
        )


async def test_duplicates_are_listed_under_the_key_name() -> None:
    async def flush(batch: list[tuple[int, Person]], report: ImportReport) -> None:
        report.duplicate(batch[0][0], "b@x.co", "p_1")

    report = await run_csv_import(
        chunks("name,email\nAndi,a@x.co\nAndi,a@x.co\nBudi,b@x.co\n"),
        CsvImporter(parse, lambda p: [p.email] if p.email else [], flush, key_name="email"),
        max_rows=9,
        batch_size=5,
    )
    assert report.as_dict()["duplicate_rows"] == [
        {"row": 3, "email": "a@x.co", "existing_id": None},
        {"row": 2, "email": "b@x.co", "existing_id": "p_1"},
    ]
