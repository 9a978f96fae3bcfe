"""Streaming CSV export and import helpers shared by the services (pure, no I/O of their own).

Export: ``write_csv_rows`` yields text chunks for a ``StreamingResponse`` and neutralises
spreadsheet formulas (CSV injection) with ``escape_cell``.
Import: ``iter_csv_records`` decodes and parses an async byte stream record by record with
bounded memory, yielding ``(row_number, {header: value})`` with spreadsheet row numbers.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Final

EXTRA_CELLS_KEY: Final = "__extra__"
"""Key added to a record that has more non-blank cells than the header."""

MAX_RECORD_CHARS: Final = 1_000_000
"""Longest accepted record (also bounds memory while looking for a closing quote)."""

_FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")
_DELIMITERS: Final = (",", ";", "\t")


class CsvFormatError(ValueError):
    """The upload is not readable CSV (bad encoding, unterminated quote, bad header...)."""

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(f"row {row}: {message}" if row is not None else message)
        self.row = row


class CsvTooLarge(ValueError):
    """The upload has more data rows than allowed."""


# --------------------------------------------------------------------------- export


def escape_cell(value: object) -> str:
    """Render one cell: ``None`` -> ``""``; strings starting with ``= + - @``, tab or CR get a
    leading ``'`` so spreadsheets do not evaluate them (OWASP CSV injection advice).
    Datetimes use ISO 8601, enums their value, booleans ``true``/``false``; other non-string
    values (numbers) are written as-is and never prefixed."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if not isinstance(value, str):
        return str(value)
    if value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value


def render_rows(rows: Iterable[Sequence[object]]) -> str:
    """CSV text of ``rows``: every cell through ``escape_cell``, CRLF line ends (RFC 4180)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([escape_cell(cell) for cell in row])
    return buffer.getvalue()


def write_csv_rows(
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    batch_size: int = 500,
    bom: bool = False,
) -> Iterator[str]:
    """Yield CSV text: the header line first, then the rows in batches of ``batch_size``.

    ``bom=True`` prefixes a UTF-8 byte order mark so Excel detects the encoding.
    Encode the chunks as UTF-8.
    """
    yield ("\ufeff" if bom else "") + render_rows([header])
    batch: list[Sequence[object]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            yield render_rows(batch)
            batch = []
    if batch:
        yield render_rows(batch)


async def stream_csv(
    header: Sequence[str],
    rows: AsyncIterable[Sequence[object]],
    *,
    batch_size: int = 500,
    bom: bool = True,
) -> AsyncIterator[bytes]:
    """UTF-8 CSV bytes for a streamed response: header, then rows in batches."""
    yield (("\ufeff" if bom else "") + render_rows([header])).encode()
    batch: list[Sequence[object]] = []
    async for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            yield render_rows(batch).encode()
            batch = []
    if batch:
        yield render_rows(batch).encode()


# --------------------------------------------------------------------------- import


def normalize_header(name: str) -> str:
    """Header cell to key: strip, lower-case, whitespace runs to ``_`` (``" No HP "`` ->
    ``"no_hp"``)."""
    return "_".join(name.strip().lstrip("\ufeff").lower().split())


def _detect_delimiter(line: str) -> str:
    """The most frequent of ``,`` ``;`` tab outside quotes in the header line (comma on ties).
    Spreadsheets in Indonesian locales often export ``;``-separated files."""
    counts = dict.fromkeys(_DELIMITERS, 0)
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


_START, _UNQUOTED, _QUOTED, _QUOTE_IN_QUOTED = range(4)


class _Parser:
    """Turns decoded text into complete CSV records with spreadsheet row numbers.

    Lines are buffered until a record is complete: a small state machine (mirroring the csv
    module's) tracks whether a line ends inside a quoted field, then ``csv.reader`` parses the
    record's lines. Memory is bounded by ``MAX_RECORD_CHARS``.
    """

    def __init__(self) -> None:
        self.pending = ""  # text after the last newline
        self.record_lines: list[str] = []
        self.record_chars = 0
        self.state = _START
        self.rows_done = 0  # records completed, blank ones included (spreadsheet rows)
        self.delimiter: str | None = None

    @property
    def current_row(self) -> int:
        return self.rows_done + 1

    def feed(self, text: str) -> Iterator[tuple[int, list[str]]]:
        self.pending += text
        while True:
            cut = self.pending.find("\n")
            if cut < 0:
                break
            line, self.pending = self.pending[: cut + 1], self.pending[cut + 1 :]
            yield from self._add_line(line)
        if self.record_chars + len(self.pending) > MAX_RECORD_CHARS:
            raise CsvFormatError("row is too long (or a quote is never closed)", self.current_row)

    def finish(self) -> Iterator[tuple[int, list[str]]]:
        if self.pending:
            line, self.pending = self.pending, ""
            yield from self._add_line(line)
        if self.record_lines:
            raise CsvFormatError("a quoted field is never closed", self.current_row)

    def _scan(self, line: str, delimiter: str) -> None:
        state = self.state
        if '"' not in line:
            if state in (_START, _QUOTE_IN_QUOTED):
                self.state = _START
            return
        for ch in line:
            if state == _QUOTED:
                if ch == '"':
                    state = _QUOTE_IN_QUOTED
            elif ch == delimiter or ch in "\r\n":
                state = _START
            elif ch == '"' and state in (_START, _QUOTE_IN_QUOTED):
                state = _QUOTED  # opening quote, or an escaped "" inside a quoted field
            else:
                state = _UNQUOTED
        self.state = state

    def _add_line(self, line: str) -> Iterator[tuple[int, list[str]]]:
        if self.delimiter is None and line.strip():
            self.delimiter = _detect_delimiter(line)
        self.record_lines.append(line)
        self.record_chars += len(line)
        if self.record_chars > MAX_RECORD_CHARS:
            raise CsvFormatError("row is too long (or a quote is never closed)", self.current_row)
        self._scan(line, self.delimiter or ",")
        if self.state == _QUOTED:
            return
        lines, self.record_lines, self.record_chars = self.record_lines, [], 0
        self.state = _START
        row = self.current_row
        self.rows_done += 1
        try:
            cells = next(csv.reader(lines, delimiter=self.delimiter or ",", strict=True), [])
        except csv.Error as exc:
            raise CsvFormatError(f"malformed CSV ({exc})", row) from exc
        yield row, cells


async def iter_csv_records(
    chunks: AsyncIterator[bytes], *, max_rows: int
) -> AsyncIterator[tuple[int, dict[str, str]]]:
    """Parse an uploaded CSV stream record by record.

    UTF-8 (a leading BOM is dropped); ``,``, ``;`` or tab separated (detected from the header);
    quoted fields may contain delimiters, quotes (``""``) and newlines. The first non-blank
    record is the header (see ``normalize_header``; blank header cells are ignored columns,
    duplicates are an error). Yields ``(row_number, record)`` where ``row_number`` is the
    spreadsheet row (the first data row right after the header is 2). Blank rows are skipped;
    missing trailing cells become ``""``; non-blank cells beyond the header are joined with
    ``,`` under ``EXTRA_CELLS_KEY`` so the caller can report the row.

    Raises ``CsvFormatError`` (invalid UTF-8, unclosed quote, over-long row, no header,
    duplicate column) and ``CsvTooLarge`` on the first data row beyond ``max_rows``.
    """
    decoder = codecs.getincrementaldecoder("utf-8-sig")()  # drops a leading BOM
    parser = _Parser()
    header: list[str] | None = None
    data_rows = 0

    def decode(data: bytes, final: bool = False) -> tuple[str, UnicodeDecodeError | None]:
        """Decoded text; on invalid UTF-8 the text before the bad bytes and the error."""
        try:
            return decoder.decode(data, final), None
        except UnicodeDecodeError as exc:
            return bytes(exc.object[: exc.start]).decode("utf-8", "ignore"), exc

    def to_record(row: int, cells: list[str]) -> tuple[int, dict[str, str]] | None:
        nonlocal header, data_rows
        if not any(cell.strip() for cell in cells):
            return None
        if header is None:
            header = [normalize_header(cell) for cell in cells]
            named = [name for name in header if name]
            duplicates = sorted({name for name in named if named.count(name) > 1})
            if duplicates:
                raise CsvFormatError(f"duplicate column(s): {', '.join(duplicates)}", row)
            return None
        data_rows += 1
        if data_rows > max_rows:
            raise CsvTooLarge(f"the file has more than {max_rows} data rows")
        record = {name: "" for name in header if name}
        for name, cell in zip(header, cells, strict=False):
            if name:
                record[name] = cell
        extra = [cell for cell in cells[len(header) :] if cell.strip()]
        if extra:
            record[EXTRA_CELLS_KEY] = ",".join(extra)
        return row, record

    async for chunk in chunks:
        text, error = decode(chunk)
        for row, cells in parser.feed(text):
            item = to_record(row, cells)
            if item is not None:
                yield item
        if error is not None:
            # records before the bad bytes were yielded; the error names the row it is in
            raise CsvFormatError("the file is not valid UTF-8 text", parser.current_row) from error
    text, error = decode(b"", final=True)
    if error is not None:
        for row, cells in parser.feed(text):
            item = to_record(row, cells)
            if item is not None:
                yield item
        raise CsvFormatError("the file is not valid UTF-8 text", parser.current_row) from error
    for row, cells in itertools.chain(parser.feed(text), parser.finish()):
        item = to_record(row, cells)
        if item is not None:
            yield item
    if header is None:
        raise CsvFormatError("the file has no header row")
