"""Unit tests of the streaming CSV helpers."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

import pytest

from crm_shared.csvio import (
    EXTRA_CELLS_KEY,
    CsvFormatError,
    CsvTooLarge,
    escape_cell,
    iter_csv_records,
    normalize_header,
    write_csv_rows,
)


async def _stream(data: bytes, size: int = 4096) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


async def _collect(
    data: bytes, *, size: int = 4096, max_rows: int = 1000
) -> list[tuple[int, dict[str, str]]]:
    return [item async for item in iter_csv_records(_stream(data, size), max_rows=max_rows)]


# --------------------------------------------------------------------------- escape / write


class Color(StrEnum):
    RED = "red"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("", ""),
        ("Andi", "Andi"),
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+6281234567890", "'+6281234567890"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("a=b", "a=b"),
        (42, "42"),
        (-5, "-5"),  # real numbers are not text formulas
        (Decimal("1500000.50"), "1500000.50"),
        (True, "true"),
        (False, "false"),
        (datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC), "2025-01-02T03:04:05+00:00"),
        (date(2025, 1, 2), "2025-01-02"),
        (Color.RED, "red"),
    ],
)
def test_escape_cell(value: object, expected: str) -> None:
    assert escape_cell(value) == expected


def _parse(chunks: Iterable[str]) -> list[list[str]]:
    return list(csv.reader(io.StringIO("".join(chunks), newline="")))


def test_write_csv_rows_header_then_batches() -> None:
    rows = [[i, f"name {i}"] for i in range(5)]
    chunks = list(write_csv_rows(["id", "name"], rows, batch_size=2))
    assert chunks[0] == "id,name\r\n"
    assert len(chunks) == 1 + 3  # header + 2 + 2 + 1
    assert _parse(chunks) == [["id", "name"], *[[str(i), f"name {i}"] for i in range(5)]]


def test_write_csv_rows_quotes_and_escapes() -> None:
    rows = [["a,b", 'say "hi"', "line1\nline2", "=1+1", None]]
    chunks = list(write_csv_rows(["c1", "c2", "c3", "c4", "c5"], rows))
    assert _parse(chunks)[1] == ["a,b", 'say "hi"', "line1\nline2", "'=1+1", ""]


def test_write_csv_rows_empty_and_bom() -> None:
    assert list(write_csv_rows(["a"], [])) == ["a\r\n"]
    assert next(write_csv_rows(["a"], [], bom=True)) == "\ufeffa\r\n"


# --------------------------------------------------------------------------- import


def test_normalize_header() -> None:
    assert normalize_header("  First  Name ") == "first_name"
    assert normalize_header("No HP") == "no_hp"
    assert normalize_header("\ufeffEmail") == "email"


async def test_basic_records_and_row_numbers() -> None:
    data = b"First Name,Last Name,Email\r\nAndi,Wijaya,andi@contoh.co.id\r\nBudi,Santoso,\r\n"
    assert await _collect(data) == [
        (2, {"first_name": "Andi", "last_name": "Wijaya", "email": "andi@contoh.co.id"}),
        (3, {"first_name": "Budi", "last_name": "Santoso", "email": ""}),
    ]


async def test_bom_is_stripped_even_split_across_chunks() -> None:
    data = "\ufeffnama,email\nJosé,j@x.id\n".encode()
    for size in (1, 2, 3, 4, 4096):
        assert await _collect(data, size=size) == [(2, {"nama": "José", "email": "j@x.id"})]


async def test_multibyte_split_across_chunks() -> None:
    data = "nama\nÑúñez 日本\n".encode()
    assert await _collect(data, size=1) == [(2, {"nama": "Ñúñez 日本"})]


async def test_quoted_commas_quotes_and_newlines() -> None:
    data = (
        b"name,notes,company\n"
        b'"Wijaya, Andi","line one\nline two\r\n""quoted""",PT A\n'
        b"Budi,plain,PT B\n"
    )
    for size in (1, 5, 4096):
        records = await _collect(data, size=size)
        assert records == [
            (2, {"name": "Wijaya, Andi", "notes": 'line one\nline two\r\n"quoted"',
                 "company": "PT A"}),
            (3, {"name": "Budi", "notes": "plain", "company": "PT B"}),
        ]  # fmt: skip


async def test_quote_inside_unquoted_field_does_not_swallow_next_row() -> None:
    data = b'item,size\nTV 32" LED,32\nRadio,5\n'
    assert await _collect(data) == [
        (2, {"item": 'TV 32" LED', "size": "32"}),
        (3, {"item": "Radio", "size": "5"}),
    ]


async def test_blank_lines_skipped_but_counted() -> None:
    data = b"\nname\n\nAndi\n,\n  \nBudi"
    assert await _collect(data) == [(4, {"name": "Andi"}), (7, {"name": "Budi"})]


async def test_semicolon_and_tab_delimiters_detected() -> None:
    data = b'nama;telepon;catatan\nAndi;0812;"a;b, c"\n'
    assert await _collect(data) == [(2, {"nama": "Andi", "telepon": "0812", "catatan": "a;b, c"})]
    data = b"nama\ttelepon\nAndi\t0812\n"
    assert await _collect(data) == [(2, {"nama": "Andi", "telepon": "0812"})]


async def test_short_and_long_rows() -> None:
    data = b"a,b,c\n1\n1,2,3,4,5\n1,2,3,,\n"
    assert await _collect(data) == [
        (2, {"a": "1", "b": "", "c": ""}),
        (3, {"a": "1", "b": "2", "c": "3", EXTRA_CELLS_KEY: "4,5"}),
        (4, {"a": "1", "b": "2", "c": "3"}),  # trailing empty cells are not extra
    ]


async def test_blank_header_cells_are_ignored_columns() -> None:
    data = b"name,,email,\nAndi,x,a@b.id,\n"
    assert await _collect(data) == [(2, {"name": "Andi", "email": "a@b.id"})]


async def test_duplicate_header() -> None:
    with pytest.raises(CsvFormatError, match="duplicate column") as exc:
        await _collect(b"Email,email\n")
    assert exc.value.row == 1


async def test_no_header() -> None:
    for data in (b"", b"\n\n", b"\xef\xbb\xbf"):
        with pytest.raises(CsvFormatError, match="no header"):
            await _collect(data)


async def test_header_only() -> None:
    assert await _collect(b"name,email\r\n") == []


@pytest.mark.parametrize("size", [1, 7, 4096])
async def test_invalid_utf8_reports_row(size: int) -> None:
    data = b"name,email\nAndi,a@b.id\nBudi,b@c.id\nW\xe9ndy,w@x.id\n"  # latin-1 e-acute
    seen: list[int] = []

    async def consume() -> None:
        async for row, _ in iter_csv_records(_stream(data, size), max_rows=10):
            seen.append(row)

    with pytest.raises(CsvFormatError, match="not valid UTF-8") as exc:
        await consume()
    assert exc.value.row == 4
    assert "row 4" in str(exc.value)
    assert seen == [2, 3]


async def test_truncated_utf8_at_end() -> None:
    with pytest.raises(CsvFormatError, match="UTF-8") as exc:
        await _collect(b"name\nAndi\xc3")
    assert exc.value.row == 2


async def test_too_many_rows() -> None:
    data = b"name\n" + b"".join(b"n%d\n" % i for i in range(6))
    assert len(await _collect(data, max_rows=6)) == 6
    seen: list[int] = []

    async def consume() -> None:
        async for row, _ in iter_csv_records(_stream(data), max_rows=5):
            seen.append(row)

    with pytest.raises(CsvTooLarge, match="more than 5"):
        await consume()
    assert seen == [2, 3, 4, 5, 6]
    # blank lines do not count as data rows
    assert len(await _collect(b"name\n\n\na\nb\n", max_rows=2)) == 2


async def test_unclosed_quote() -> None:
    with pytest.raises(CsvFormatError, match="never closed") as exc:
        await _collect(b'name,notes\nAndi,"open\nstill open\n')
    assert exc.value.row == 2


async def test_malformed_quote() -> None:
    with pytest.raises(CsvFormatError, match="malformed") as exc:
        await _collect(b'name\n"Andi"x\n')
    assert exc.value.row == 2


async def test_record_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    import crm_shared.csvio as csvio

    monkeypatch.setattr(csvio, "MAX_RECORD_CHARS", 50)
    with pytest.raises(CsvFormatError, match="too long"):
        await _collect(b'name\n"' + b"x" * 100)
    with pytest.raises(CsvFormatError, match="too long"):
        await _collect(b"name\n" + b"y" * 100 + b"\n")


async def test_roundtrip_with_writer() -> None:
    header = ["name", "notes"]
    rows = [["Andi, W", "multi\nline"], ["=cmd", 'q"uote']]
    text = "".join(write_csv_rows(header, rows, bom=True))
    records = await _collect(text.encode(), size=3)
    assert records == [
        (2, {"name": "Andi, W", "notes": "multi\nline"}),
        (3, {"name": "'=cmd", "notes": 'q"uote'}),
    ]
