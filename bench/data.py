"""Test data: lead request bodies and CSV files with unique e-mails and valid phones."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

FIRST_NAMES = ("Budi", "Siti", "Andi", "Dewi", "Agus", "Rina", "Eko", "Putri", "Joko", "Maya")
LAST_NAMES = ("Wijaya", "Santoso", "Pratama", "Saputra", "Hidayat", "Kusuma", "Nugroho", "Halim")
COMPANY_WORDS = ("Maju", "Sejahtera", "Abadi", "Makmur", "Sentosa", "Mandiri", "Jaya")
SOURCES = ("web", "referral", "campaign", "event", "social", "partner")
CSV_COLUMNS = ("first_name", "last_name", "email", "phone", "company", "source")
CHUNK_BYTES = 64 * 1024


def lead_body_template() -> str:
    """JSON body of ``POST /v1/leads`` whose e-mail contains the ``{uid}`` placeholder."""
    body = {
        "first_name": "Budi",
        "last_name": "Wijaya",
        "email": "budi.UID@contoh.co.id",
        "phone": "+6281234567890",
        "company": "PT Maju Jaya",
        "source": "web",
    }
    return json.dumps(body, separators=(",", ":")).replace("UID", "{uid}")


def lead_body(uid: str) -> dict[str, str]:
    """One create-lead body with a unique e-mail."""
    body: dict[str, str] = json.loads(lead_body_template().replace("{uid}", uid))
    return body


def csv_row(i: int, tag: str) -> str:
    """Row ``i``: names cycle independently, e-mail unique, phone ``+62812`` + 8 digits."""
    first = FIRST_NAMES[i % len(FIRST_NAMES)]
    last = LAST_NAMES[(i // len(FIRST_NAMES)) % len(LAST_NAMES)]
    email = f"{first}.{last}.{tag}{i}@contoh.co.id".lower()
    phone = f"+62812{i % 100_000_000:08d}"
    company = f"PT {COMPANY_WORDS[i % len(COMPANY_WORDS)]} {i % 997}"
    source = SOURCES[i % len(SOURCES)]
    return f"{first},{last},{email},{phone},{company},{source}\r\n"


def lead_csv(rows: int, tag: str) -> bytes:
    """A whole CSV file of ``rows`` leads (UTF-8, CRLF line ends, header first)."""
    lines = [",".join(CSV_COLUMNS) + "\r\n"]
    lines.extend(csv_row(i, tag) for i in range(rows))
    return "".join(lines).encode()


def chunks(data: bytes, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """``data`` in pieces of ``size`` bytes."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def stream(data: bytes, size: int = CHUNK_BYTES) -> AsyncIterator[bytes]:
    """``data`` as an async stream of pieces (a streamed request body)."""
    for piece in chunks(data, size):
        yield piece
