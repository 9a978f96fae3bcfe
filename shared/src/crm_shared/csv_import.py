"""The CSV import loop every service shares: parse rows, report per-row errors, batch writes.

A service supplies a :class:`CsvImporter`: ``parse`` (record -> model, raising
:class:`RowError`), ``keys`` (the values that must be unique inside the file, such as
e-mails) and ``flush`` (write one batch, reporting database duplicates and counting what it
created). Imports run as background jobs (``crm_shared.import_jobs``), which restore a
report from their last checkpoint and pace the batches. The loop keeps valid rows,
lists rejected ones by spreadsheet row number, and turns malformed or oversized files into
400/413 problems that say how much was imported before the fault.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from crm_shared.csvio import EXTRA_CELLS_KEY, CsvFormatError, CsvTooLarge, iter_csv_records
from crm_shared.errors import BadRequest, PayloadTooLarge
from crm_shared.uow import Tx

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

MAX_REPORTED: Final = 1000
"""At most this many errors and duplicates are listed (counts are always complete)."""

CUSTOM_PREFIX: Final = "custom."
_NON_ALNUM: Final = re.compile(r"[^a-z0-9]+")


class RowError(ValueError):
    """An import row cannot be imported; ``message`` is meant for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ImportReport:
    """The outcome of one import (so far, while it runs)."""

    rows: int = 0
    created: int = 0
    failed: int = 0
    duplicate_count: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    key_name: str = "key"
    """The member naming the unique value of a listed duplicate (``"email"`` lists
    ``{"row", "email", "existing_id"}``)."""
    checkpoint: Callable[[Tx, ImportReport], Awaitable[None]] | None = None
    """Records this report with a batch's writes (a background job's progress, from which
    it resumes after a crash); set by the job runner."""

    _created_before_batch: int = field(default=0, repr=False)

    async def committing(self, tx: Tx, *, created: int) -> None:
        """Call inside a batch's transaction, with what it created: counted (once, however
        often the transaction is retried) and saved with the batch."""
        self.created = self._created_before_batch + created
        if self.checkpoint is not None:
            await self.checkpoint(tx, self)

    @classmethod
    def restore(cls, saved: Mapping[str, Any], *, key_name: str) -> ImportReport:
        """A report continued from ``as_dict()`` output saved at a checkpoint."""
        return cls(
            rows=saved["rows"],
            created=saved["created"],
            failed=saved["failed"],
            duplicate_count=saved["duplicates"],
            errors=list(saved["errors"]),
            duplicates=list(saved["duplicate_rows"]),
            key_name=key_name,
        )

    def error(self, row: int, message: str) -> None:
        """Record a row that was rejected."""
        self.failed += 1
        if len(self.errors) < MAX_REPORTED:
            self.errors.append({"row": row, "message": message})

    def duplicate(self, row: int, key: str, existing_id: str | None) -> None:
        """Record a row whose unique value exists already (``existing_id``) or earlier in
        the file (``None``)."""
        self.duplicate_count += 1
        if len(self.duplicates) < MAX_REPORTED:
            self.duplicates.append({"row": row, self.key_name: key, "existing_id": existing_id})

    def as_dict(self) -> dict[str, Any]:
        """The JSON body of an import response."""
        return {
            "rows": self.rows,
            "created": self.created,
            "failed": self.failed,
            "duplicates": self.duplicate_count,
            "errors": self.errors,
            "duplicate_rows": self.duplicates,
        }


def canonical_header(header: str) -> str:
    """A header as a lookup key: lower-case, punctuation runs as ``_`` (``"No. HP"`` ->
    ``"no_hp"``)."""
    return _NON_ALNUM.sub("_", header.lower()).strip("_")


def map_record(
    record: Mapping[str, str], aliases: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Split a CSV record into ``(fields, custom)``: headers matched through ``aliases``
    (canonical header -> field; the first non-blank column of a field wins) and
    ``custom.<key>`` columns. Blank cells are left out; a row with more cells than the
    header is a :class:`RowError`."""
    if record.get(EXTRA_CELLS_KEY):
        raise RowError("row has more cells than the header")
    data: dict[str, str] = {}
    custom: dict[str, str] = {}
    for header, raw in record.items():
        value = raw.strip() if isinstance(raw, str) else ""
        if not value or header == EXTRA_CELLS_KEY:
            continue
        if header.lower().startswith(CUSTOM_PREFIX):
            custom.setdefault(header[len(CUSTOM_PREFIX) :].strip().lower(), value)
            continue
        name = aliases.get(canonical_header(header))
        if name is not None:
            data.setdefault(name, value)
    return data, custom


def format_validation_error(exc: ValidationError) -> str:
    """Readable ``field: message; ...`` text of a pydantic error, for a row report."""
    messages = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(part) for part in error["loc"] if part != "[key]")
        msg = str(error["msg"]).removeprefix("Value error, ")
        messages.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(messages)


def validate_row(model: type[M], data: Mapping[str, Any]) -> M:
    """``model`` validated from a row's data, or :class:`RowError` with readable messages."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RowError(format_validation_error(exc)) from None


Flush = Callable[[list[tuple[int, T]], ImportReport], Awaitable[None]]


@dataclass(frozen=True)
class CsvImporter(Generic[T]):
    """What a service supplies to import its CSV: ``parse`` a record (raising
    :class:`RowError`), the ``keys`` that must be unique inside the file, and ``flush`` one
    batch (counting what it created, reporting database duplicates, and calling
    ``report.committing(tx)`` inside the batch's transaction)."""

    parse: Callable[[Mapping[str, str]], T]
    keys: Callable[[T], Sequence[str]]
    flush: Flush[T]
    key_name: str = "key"


async def run_csv_import(
    chunks: AsyncIterator[bytes],
    importer: CsvImporter[T],
    *,
    max_rows: int,
    batch_size: int,
    report: ImportReport | None = None,
    before_batch: Callable[[int], Awaitable[None]] | None = None,
) -> ImportReport:
    """Import a CSV stream: ``parse`` each record, skip rows repeating a unique key of an
    earlier row, and hand batches of ``(row number, item)`` to ``flush``. Duplicates are
    listed with their key under ``key_name``.

    A ``report`` restored from a checkpoint resumes the import: its first ``report.rows``
    records were handled already and are only read again for their unique keys.
    ``before_batch(rows)`` is awaited before each batch is flushed (a job's pacing)."""
    parse, keys, key_name = importer.parse, importer.keys, importer.key_name
    report = report or ImportReport(key_name=key_name)
    skip = report.rows
    seen: set[str] = set()
    batch: list[tuple[int, T]] = []

    async def flush() -> None:
        nonlocal batch
        if before_batch is not None:
            await before_batch(len(batch))
        report._created_before_batch = report.created
        try:
            await importer.flush(batch, report)
        except BaseException:
            report.created = report._created_before_batch  # its transaction rolled back
            raise
        batch = []

    try:
        async for row, record in iter_csv_records(chunks, max_rows=max_rows):
            if skip:
                skip -= 1
                with contextlib.suppress(RowError):
                    seen.update(keys(parse(record)))
                continue
            report.rows += 1
            try:
                item = parse(record)
            except RowError as exc:
                report.error(row, exc.message)
                continue
            item_keys = keys(item)
            repeated = next((key for key in item_keys if key in seen), None)
            if repeated is not None:
                report.duplicate(row, repeated, None)
                continue
            seen.update(item_keys)
            batch.append((row, item))
            if len(batch) >= batch_size:
                await flush()
        if batch:
            await flush()
    except CsvTooLarge as exc:
        if batch:
            await flush()
        raise PayloadTooLarge(
            f"{exc}; split the file (rows up to the limit were imported)",
            created=report.created,
        ) from exc
    except CsvFormatError as exc:
        if batch:
            await flush()
        raise BadRequest(f"{exc}; rows before it were imported", created=report.created) from exc
    return report
