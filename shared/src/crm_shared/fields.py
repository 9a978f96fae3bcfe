"""Field types and normalisers every service's schemas share (pure, no I/O).

Normalisation happens here so every write path (API, CSV import, merge, events) stores the
same shapes: e-mail lower-cased, phone in E.164 (default region Indonesia), website as an
absolute http(s) URL, tags lower-cased and de-duplicated, blank optional strings as ``None``,
money as ``Decimal`` serialised to a JSON string.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Final
from urllib.parse import urlsplit, urlunsplit

import phonenumbers
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    PlainSerializer,
    StringConstraints,
)

DEFAULT_PHONE_REGION: Final = "ID"
"""Region used to interpret phone numbers written without a ``+<country code>`` prefix."""

DEFAULT_CURRENCY: Final = "IDR"

NOTES_MAX_LENGTH: Final = 5000
TAGS_MAX_ITEMS: Final = 50
CUSTOM_MAX_KEYS: Final = 50
CUSTOM_KEY_PATTERN: Final = r"^[a-z][a-z0-9_]{0,39}$"
CUSTOM_STR_MAX_LENGTH: Final = 1000

MODEL_CONFIG: Final = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)
"""Request bodies: no unknown fields, surrounding whitespace stripped, no NaN or Infinity
(JSON has neither, and a response could not carry them back)."""
CUSTOM_KEY_RE: Final = re.compile(CUSTOM_KEY_PATTERN)
_DOMAIN_RE: Final = re.compile(
    r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$"
)
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1


# --------------------------------------------------------------------------- normalisers


def normalize_phone(raw: str, region: str | None = DEFAULT_PHONE_REGION) -> str:
    """Parse ``raw`` as a phone number (``region`` applies when there is no ``+CC``) and
    return it in E.164 (``"0812-3456-7890"`` -> ``"+6281234567890"``).

    Raises ``ValueError`` with a readable message when the number cannot be parsed or is not
    a valid number.
    """
    shown = raw if len(raw) <= 40 else raw[:40] + "..."
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"'{shown}' is not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        where = f" (numbers without a +country code are read as region {region})" if region else ""
        raise ValueError(f"'{shown}' is not a valid phone number{where}")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normalize_website(raw: str) -> str:
    """Validate an http(s) URL or a bare domain (``contoh.co.id/path``) and return an absolute
    URL; bare domains get ``https://``. Scheme and host are lower-cased."""
    value = raw.strip()
    error = "website must be an http(s) URL or a domain name such as contoh.co.id"
    if not value or any(ch.isspace() for ch in value):
        raise ValueError(error)
    if "://" not in value:
        value = "https://" + value
    try:
        parts = urlsplit(value)
        port = parts.port  # raises ValueError on a bad port
    except ValueError as exc:
        raise ValueError(error) from exc
    if parts.scheme.lower() not in {"http", "https"}:
        raise ValueError(error)
    if parts.username is not None or parts.password is not None:
        raise ValueError("website must not contain user credentials")
    host = (parts.hostname or "").rstrip(".")
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ValueError(error) from exc
    if not _DOMAIN_RE.match(ascii_host):
        raise ValueError(error)
    netloc = host if port is None else f"{host}:{port}"
    result = urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))
    if len(result) > 300:
        raise ValueError("website must be at most 300 characters")
    return result


def blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _phone_validator(value: str) -> str:
    return normalize_phone(value, DEFAULT_PHONE_REGION)


def lower(value: str) -> str:
    return value.lower()


def _dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _int64_only(value: object) -> object:
    """Reject integers BSON cannot store (instead of silently turning them into floats)."""
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and not _INT64_MIN <= value <= _INT64_MAX
    ):
        raise ValueError("integer is out of range (64-bit)")
    return value


def _decimal_to_str(value: Decimal) -> str:
    return format(value, "f")


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


# --------------------------------------------------------------------------- field types

OptName = Annotated[
    Annotated[str, StringConstraints(max_length=100)] | None, BeforeValidator(blank_to_none)
]
LastName = Annotated[str, StringConstraints(min_length=1, max_length=100)]
OptEmail = Annotated[
    Annotated[EmailStr, AfterValidator(lower)] | None, BeforeValidator(blank_to_none)
]
OptPhone = Annotated[
    Annotated[str, StringConstraints(max_length=50), AfterValidator(_phone_validator)] | None,
    BeforeValidator(blank_to_none),
]
OptCompany = Annotated[
    Annotated[str, StringConstraints(max_length=200)] | None, BeforeValidator(blank_to_none)
]
OptWebsite = Annotated[
    Annotated[str, StringConstraints(max_length=300), AfterValidator(normalize_website)] | None,
    BeforeValidator(blank_to_none),
]
OptId = Annotated[
    Annotated[str, StringConstraints(max_length=64)] | None, BeforeValidator(blank_to_none)
]
OptNotes = Annotated[
    Annotated[str, StringConstraints(max_length=NOTES_MAX_LENGTH)] | None,
    BeforeValidator(blank_to_none),
]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Tags = Annotated[
    list[Annotated[Tag, AfterValidator(lower)]],
    Field(max_length=TAGS_MAX_ITEMS),
    AfterValidator(_dedupe),
]
CustomKey = Annotated[str, StringConstraints(pattern=CUSTOM_KEY_PATTERN)]
CustomValue = Annotated[
    bool
    | int
    | Annotated[float, Field(allow_inf_nan=False)]
    | Annotated[str, StringConstraints(max_length=CUSTOM_STR_MAX_LENGTH)]
    | None,
    BeforeValidator(_int64_only),
]
Custom = Annotated[dict[CustomKey, CustomValue], Field(max_length=CUSTOM_MAX_KEYS)]
Money = Annotated[
    Decimal,
    Field(ge=0, max_digits=22, decimal_places=4),
    PlainSerializer(_decimal_to_str, return_type=str, when_used="json"),
]
Currency = Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=r"^[A-Z]{3}$")]


def normalize_domain(raw: str) -> str:
    """A bare, lower-cased host name from a domain, URL or e-mail address
    (``"https://www.Contoh.co.id/x"`` -> ``"contoh.co.id"``); ``ValueError`` if it is none."""
    value = raw.strip().lower()
    if "@" in value and "://" not in value:
        value = value.rsplit("@", 1)[1]
    host = urlsplit(normalize_website(value)).hostname or ""
    return host.removeprefix("www.")


OptDomain = Annotated[
    Annotated[str, StringConstraints(max_length=253), AfterValidator(normalize_domain)] | None,
    BeforeValidator(blank_to_none),
]


def from_bson(value: Any) -> Any:
    """Stored BSON values as API values: naive datetimes (PyMongo's default) become UTC,
    ``Decimal128`` becomes ``Decimal``; mappings and lists are converted recursively."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, Mapping):
        return {k: from_bson(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_bson(v) for v in value]
    to_decimal = getattr(value, "to_decimal", None)  # bson.Decimal128, without importing bson
    if callable(to_decimal):
        return to_decimal()
    return value


def not_null(value: object) -> object:
    """A field validator refusing ``null`` for PATCH fields that cannot be cleared
    (``field_validator("name", "tags")(not_null)``)."""
    if value is None:
        raise ValueError("this field cannot be null")
    return value


class Patch(BaseModel):
    """Base of PATCH bodies: only the fields present in ``model_fields_set`` change."""

    model_config = MODEL_CONFIG

    def changes(self) -> dict[str, Any]:
        """The fields that were sent, JSON-compatible, ready for ``$set``."""
        return self.model_dump(mode="json", include=set(self.model_fields_set))

    def sent(self) -> dict[str, Any]:
        """The fields that were sent, as Python values (Decimal, date)."""
        return {name: getattr(self, name) for name in self.model_fields_set}
