"""Pydantic v2 request/response models of the leads service (pure, no I/O).

Normalisation happens here so every write path (API, CSV import, merge) stores the same shapes:
e-mail lower-cased, phone in E.164 (default region Indonesia), website as an absolute http(s)
URL, tags lower-cased and de-duplicated, blank optional strings stored as ``None``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Final, Self
from urllib.parse import urlsplit, urlunsplit

import phonenumbers
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    PlainSerializer,
    StringConstraints,
    field_validator,
    model_validator,
)

DEFAULT_PHONE_REGION: Final = "ID"
"""Region used to interpret phone numbers written without a ``+<country code>`` prefix."""

DEFAULT_CURRENCY: Final = "IDR"

NOTES_MAX_LENGTH: Final = 5000
TAGS_MAX_ITEMS: Final = 50
CUSTOM_MAX_KEYS: Final = 50
CUSTOM_KEY_PATTERN: Final = r"^[a-z][a-z0-9_]{0,39}$"
CUSTOM_STR_MAX_LENGTH: Final = 1000

_MODEL_CONFIG: Final = ConfigDict(extra="forbid", str_strip_whitespace=True)
_CUSTOM_KEY_RE: Final = re.compile(CUSTOM_KEY_PATTERN)
_DOMAIN_RE: Final = re.compile(
    r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$"
)
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1


# --------------------------------------------------------------------------- enums


class LeadSource(StrEnum):
    """Where a lead came from."""

    WEB = "web"
    REFERRAL = "referral"
    CAMPAIGN = "campaign"
    EVENT = "event"
    COLD_CALL = "cold_call"
    SOCIAL = "social"
    PARTNER = "partner"
    IMPORT = "import"
    OTHER = "other"


class LeadStatus(StrEnum):
    """Qualification life cycle of a lead (``converted`` is terminal)."""

    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    UNQUALIFIED = "unqualified"
    CONVERTED = "converted"


class Rating(StrEnum):
    """Rating derived from the score (see ``leads.domain.score_lead``)."""

    HOT = "hot"
    WARM = "warm"
    COLD = "cold"
    JUNK = "junk"


class ScoringOp(StrEnum):
    """Operators of a scoring rule. There is deliberately no regex operator (ReDoS)."""

    EQ = "eq"
    NE = "ne"
    IN = "in"
    NOT_IN = "not_in"
    CONTAINS = "contains"
    EXISTS = "exists"
    NOT_EXISTS = "not_exists"
    GTE = "gte"
    LTE = "lte"


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


def _blank_to_none(value: object) -> object:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _phone_validator(value: str) -> str:
    return normalize_phone(value, DEFAULT_PHONE_REGION)


def _lower(value: str) -> str:
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
    Annotated[str, StringConstraints(max_length=100)] | None, BeforeValidator(_blank_to_none)
]
LastName = Annotated[str, StringConstraints(min_length=1, max_length=100)]
OptEmail = Annotated[
    Annotated[EmailStr, AfterValidator(_lower)] | None, BeforeValidator(_blank_to_none)
]
OptPhone = Annotated[
    Annotated[str, StringConstraints(max_length=50), AfterValidator(_phone_validator)] | None,
    BeforeValidator(_blank_to_none),
]
OptCompany = Annotated[
    Annotated[str, StringConstraints(max_length=200)] | None, BeforeValidator(_blank_to_none)
]
OptWebsite = Annotated[
    Annotated[str, StringConstraints(max_length=300), AfterValidator(normalize_website)] | None,
    BeforeValidator(_blank_to_none),
]
OptId = Annotated[
    Annotated[str, StringConstraints(max_length=64)] | None, BeforeValidator(_blank_to_none)
]
OptNotes = Annotated[
    Annotated[str, StringConstraints(max_length=NOTES_MAX_LENGTH)] | None,
    BeforeValidator(_blank_to_none),
]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Tags = Annotated[
    list[Annotated[Tag, AfterValidator(_lower)]],
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


# --------------------------------------------------------------------------- lead models


class LeadBase(BaseModel):
    """Fields a user may set on a lead."""

    model_config = _MODEL_CONFIG

    first_name: OptName = None
    last_name: LastName
    email: OptEmail = None
    phone: OptPhone = None
    company: OptCompany = None
    title: OptName = None
    website: OptWebsite = None
    source: LeadSource = LeadSource.OTHER
    campaign_id: OptId = None
    tags: Tags = Field(default_factory=list)
    notes: OptNotes = None
    custom: Custom = Field(default_factory=dict)
    junk: bool = False


LEAD_BASE_FIELDS: Final[tuple[str, ...]] = tuple(LeadBase.model_fields)
"""Names of the user-editable lead fields, in declaration order."""


class LeadCreate(LeadBase):
    """Body of ``POST /leads``."""

    owner_id: OptId = None


_NOT_NULLABLE: Final = ("last_name", "source", "tags", "custom", "junk")


class LeadUpdate(BaseModel):
    """Body of ``PATCH /leads/{id}``: only the fields present in ``model_fields_set`` change.

    Sending ``null`` (or a blank string) clears an optional field; fields that cannot be empty
    (last_name, source, tags, custom, junk) reject ``null``. Server-controlled fields (status,
    score, rating, tenant_id, version, id) are rejected by ``extra="forbid"``.
    """

    model_config = _MODEL_CONFIG

    first_name: OptName = None
    last_name: LastName | None = None
    email: OptEmail = None
    phone: OptPhone = None
    company: OptCompany = None
    title: OptName = None
    website: OptWebsite = None
    source: LeadSource | None = None
    campaign_id: OptId = None
    tags: Tags | None = None
    notes: OptNotes = None
    custom: Custom | None = None
    junk: bool | None = None
    owner_id: OptId = None

    @field_validator(*_NOT_NULLABLE, mode="after")
    @classmethod
    def _reject_null(cls, value: object) -> object:
        if value is None:
            raise ValueError("this field cannot be null")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields that were sent, JSON-compatible (enums as strings), ready for ``$set``."""
        return self.model_dump(mode="json", include=set(self.model_fields_set))


class StatusChange(BaseModel):
    """Body of ``POST /leads/{id}/status``. Conversion has its own endpoint."""

    model_config = _MODEL_CONFIG

    status: LeadStatus
    reason: Annotated[
        Annotated[str, StringConstraints(max_length=500)] | None, BeforeValidator(_blank_to_none)
    ] = None

    @field_validator("status")
    @classmethod
    def _not_converted(cls, value: LeadStatus) -> LeadStatus:
        if value is LeadStatus.CONVERTED:
            raise ValueError("use the convert action to convert a lead")
        return value


class AssignRequest(BaseModel):
    """Body of ``POST /leads/{id}/assign``: exactly one of ``owner_id`` / ``round_robin``."""

    model_config = _MODEL_CONFIG

    owner_id: Annotated[
        Annotated[str, StringConstraints(min_length=1, max_length=64)] | None,
        BeforeValidator(_blank_to_none),
    ] = None
    round_robin: bool = False

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.owner_id is not None) == self.round_robin:
            raise ValueError("give exactly one of owner_id or round_robin=true")
        return self


class DealDraft(BaseModel):
    """Deal to create while converting a lead. ``amount`` is serialised as a JSON string."""

    model_config = _MODEL_CONFIG

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    amount: Money
    currency: Currency = DEFAULT_CURRENCY
    expected_close_date: date | None = None


class ConvertRequest(BaseModel):
    """Body of ``POST /leads/{id}/convert``."""

    model_config = _MODEL_CONFIG

    account_name: OptCompany = None
    create_deal: DealDraft | None = None


class MergeRequest(BaseModel):
    """Body of ``POST /leads/{id}/merge``: the lead to merge into the path lead."""

    model_config = _MODEL_CONFIG

    source_lead_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


# --------------------------------------------------------------------------- scoring config

SCORABLE_FIELDS: Final = frozenset(
    {"source", "company", "title", "email", "phone", "website", "tags", "campaign_id"}
    | {"email_domain"}
)
"""Fields a scoring rule may test, besides ``custom.<key>``."""


class ScoringRule(BaseModel):
    """One scoring rule: when ``field op value`` holds, ``points`` are added."""

    model_config = _MODEL_CONFIG

    id: OptId = None
    name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    field: str
    op: ScoringOp
    value: (
        bool
        | int
        | Annotated[float, Field(allow_inf_nan=False)]
        | Annotated[str, StringConstraints(max_length=200)]
        | Annotated[list[Annotated[str, StringConstraints(max_length=200)]], Field(max_length=100)]
        | None
    ) = None
    points: Annotated[int, Field(ge=-100, le=100)]

    @field_validator("field")
    @classmethod
    def _known_field(cls, value: str) -> str:
        if value in SCORABLE_FIELDS:
            return value
        if value.startswith("custom.") and _CUSTOM_KEY_RE.match(value[len("custom.") :]):
            return value
        allowed = ", ".join(sorted(SCORABLE_FIELDS))
        raise ValueError(f"unknown field '{value}'; use one of {allowed} or custom.<key>")

    @model_validator(mode="after")
    def _value_fits_op(self) -> Self:
        op, value = self.op, self.value
        if op in (ScoringOp.IN, ScoringOp.NOT_IN):
            if not isinstance(value, list) or not value:
                raise ValueError(f"op '{op}' needs a non-empty list of strings as value")
        elif op in (ScoringOp.EXISTS, ScoringOp.NOT_EXISTS):
            if value is not None:
                raise ValueError(f"op '{op}' takes no value")
        elif op in (ScoringOp.GTE, ScoringOp.LTE):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"op '{op}' needs a number as value")
        elif op is ScoringOp.CONTAINS:
            if not isinstance(value, str) or not value:
                raise ValueError("op 'contains' needs a non-empty string as value")
        elif value is None or isinstance(value, list):
            raise ValueError(f"op '{op}' needs a single string, number or boolean as value")
        return self


class ScoringConfig(BaseModel):
    """A tenant's scoring rules and rating thresholds (scores are clamped to 0..100)."""

    model_config = _MODEL_CONFIG

    rules: Annotated[list[ScoringRule], Field(max_length=100)] = Field(default_factory=list)
    hot_threshold: Annotated[int, Field(ge=0, le=100)] = 70
    warm_threshold: Annotated[int, Field(ge=0, le=100)] = 40
    junk_below: Annotated[int, Field(ge=0, le=100)] | None = None

    @model_validator(mode="after")
    def _check(self) -> Self:
        if self.warm_threshold >= self.hot_threshold:
            raise ValueError("warm_threshold must be lower than hot_threshold")
        ids = [rule.id for rule in self.rules if rule.id is not None]
        if len(ids) != len(set(ids)):
            raise ValueError("rule ids must be unique")
        return self


# --------------------------------------------------------------------------- responses


class ScoreReason(BaseModel):
    """A scoring rule that fired."""

    model_config = _MODEL_CONFIG

    rule_id: str | None
    name: str
    points: int


class ConversionOut(BaseModel):
    """What a conversion produced (ids are filled in once the other services report back)."""

    model_config = _MODEL_CONFIG

    account_name: str | None = None
    deal: DealDraft | None = None
    contact_id: str | None = None
    account_id: str | None = None
    deal_id: str | None = None
    converted_at: AwareDatetime
    converted_by: str | None = None


class LeadOut(LeadBase):
    """A lead as returned by the API."""

    id: str
    tenant_id: str
    owner_id: str | None = None
    status: LeadStatus = LeadStatus.NEW
    rating: Rating = Rating.COLD
    score: Annotated[int, Field(ge=0, le=100)] = 0
    score_reasons: list[ScoreReason] = Field(default_factory=list)
    unqualified_reason: str | None = None
    converted: ConversionOut | None = None
    merged_into: str | None = None
    version: Annotated[int, Field(ge=0)]
    created_at: AwareDatetime
    updated_at: AwareDatetime

    @classmethod
    def from_doc(cls, doc: Mapping[str, Any]) -> LeadOut:
        """Build from a stored document: unknown keys (``_id``, search keys...) are dropped,
        ``_id`` becomes ``id`` when there is no ``id``, naive datetimes (pymongo default) are
        taken as UTC and BSON ``Decimal128`` values become ``Decimal``."""
        data: dict[str, Any] = {k: _from_bson(doc[k]) for k in cls.model_fields if k in doc}
        if "id" not in data and "_id" in doc:
            data["id"] = str(doc["_id"])
        return cls.model_validate(data)


def _from_bson(value: Any) -> Any:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, Mapping):
        return {k: _from_bson(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_bson(v) for v in value]
    to_decimal = getattr(value, "to_decimal", None)  # bson.Decimal128, without importing bson
    if callable(to_decimal):
        return to_decimal()
    return value


class LeadPage(BaseModel):
    """One page of a lead listing (keyset pagination)."""

    model_config = _MODEL_CONFIG

    items: list[LeadOut]
    next_cursor: str | None = None
