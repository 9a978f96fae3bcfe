"""Unit tests of the leads request/response models."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from crm_shared.fields import DEFAULT_PHONE_REGION, normalize_phone, normalize_website
from leads.leads.domain import LEAD_BASE_FIELDS, LeadSource, LeadStatus
from leads.leads.schemas import (
    AssignRequest,
    ConversionOut,
    ConvertRequest,
    DealDraft,
    LeadCreate,
    LeadOut,
    LeadPage,
    LeadUpdate,
    MergeRequest,
    StatusChange,
)
from leads.scoring.domain import Rating, ScoringOp
from leads.scoring.schemas import ScoringConfig, ScoringRule


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> list[tuple[str, str]]:
    return [(".".join(str(p) for p in e["loc"]), str(e["msg"])) for e in exc.value.errors()]


# --------------------------------------------------------------------------- phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("081234567890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("+62 21 555 1234", "+62215551234"),
        ("(021) 555-1234", "+62215551234"),
        ("+1 650 253 0000", "+16502530000"),
        ("+65 6123 4567", "+6561234567"),
    ],
)
def test_normalize_phone_e164(raw: str, expected: str) -> None:
    assert normalize_phone(raw, DEFAULT_PHONE_REGION) == expected


def test_default_region_is_indonesia() -> None:
    assert DEFAULT_PHONE_REGION == "ID"
    assert normalize_phone("0812-3456-7890") == "+6281234567890"


def test_normalize_phone_other_region() -> None:
    assert normalize_phone("9123 4567", "SG") == "+6591234567"


@pytest.mark.parametrize("raw", ["081234", "hello", "12", "+62 0000 0000 0000 0000"])
def test_normalize_phone_rejects(raw: str) -> None:
    with pytest.raises(ValueError, match="phone number"):
        normalize_phone(raw)


def test_lead_phone_is_normalised_and_bad_phone_is_422() -> None:
    assert LeadCreate(last_name="W", phone=" 0812 3456 7890 ").phone == "+6281234567890"
    with pytest.raises(ValidationError) as exc:
        LeadCreate(last_name="W", phone="0812")
    ((loc, msg),) = _errors(exc)
    assert loc == "phone"
    assert "not a valid phone number" in msg


# --------------------------------------------------------------------------- lead fields


def test_lead_create_normalises_fields() -> None:
    lead = LeadCreate(
        first_name="  Andi ",
        last_name="Wijaya",
        email="Andi.Wijaya@Contoh.CO.ID",
        company="PT Contoh",
        website="contoh.co.id",
        tags=["VIP", "vip ", "Jakarta", "  b2b"],
        custom={"industry": "retail", "employees": 12, "revenue": 1.5, "pkp": True, "x": None},
    )
    assert lead.first_name == "Andi"
    assert lead.email == "andi.wijaya@contoh.co.id"
    assert lead.website == "https://contoh.co.id"
    assert lead.tags == ["vip", "jakarta", "b2b"]
    assert lead.source is LeadSource.OTHER
    assert lead.junk is False
    assert lead.custom == {
        "industry": "retail",
        "employees": 12,
        "revenue": 1.5,
        "pkp": True,
        "x": None,
    }
    assert isinstance(lead.custom["pkp"], bool)
    assert lead.owner_id is None


def test_blank_optional_strings_become_none() -> None:
    lead = LeadCreate(last_name="W", email="", phone="  ", website="", notes=" ", company="")
    assert (lead.email, lead.phone, lead.website, lead.notes, lead.company) == (None,) * 5


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"last_name": ""},
        {"last_name": "   "},
        {"last_name": "x" * 101},
        {"last_name": "W", "first_name": "x" * 101},
        {"last_name": "W", "company": "x" * 201},
        {"last_name": "W", "notes": "x" * 5001},
        {"last_name": "W", "campaign_id": "x" * 65},
        {"last_name": "W", "email": "not-an-email"},
        {"last_name": "W", "source": "tv"},
        {"last_name": "W", "tags": ["x" * 51]},
        {"last_name": "W", "tags": [""]},
        {"last_name": "W", "tags": [f"t{i}" for i in range(51)]},
        {"last_name": "W", "custom": {f"k{i}": i for i in range(51)}},
        {"last_name": "W", "custom": {"$where": "1"}},
        {"last_name": "W", "custom": {"a.b": 1}},
        {"last_name": "W", "custom": {"Upper": 1}},
        {"last_name": "W", "custom": {"_x": 1}},
        {"last_name": "W", "custom": {"k" * 41: 1}},
        {"last_name": "W", "custom": {"nested": {"a": 1}}},
        {"last_name": "W", "custom": {"lst": [1]}},
        {"last_name": "W", "custom": {"big": 2**64}},
        {"last_name": "W", "custom": {"nan": float("nan")}},
        {"last_name": "W", "status": "qualified"},
        {"last_name": "W", "score": 99},
    ],
)
def test_lead_create_rejects(payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        LeadCreate.model_validate(payload)


def test_custom_limits_accept_boundaries() -> None:
    lead = LeadCreate(last_name="W", custom={"k" * 40: 1, **{f"k{i}": i for i in range(49)}})
    assert len(lead.custom) == 50


def test_tags_max_items_boundary() -> None:
    assert len(LeadCreate(last_name="W", tags=[f"t{i}" for i in range(50)]).tags) == 50


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("contoh.co.id", "https://contoh.co.id"),
        ("www.Contoh.co.id/produk?a=1", "https://www.contoh.co.id/produk?a=1"),
        ("http://contoh.com", "http://contoh.com"),
        ("HTTPS://Toko-Kue.ID:8443/x", "https://toko-kue.id:8443/x"),
    ],
)
def test_website_normalised(raw: str, expected: str) -> None:
    assert normalize_website(raw) == expected
    assert LeadCreate(last_name="W", website=raw).website == expected


@pytest.mark.parametrize(
    "raw",
    [
        "javascript:alert(1)",
        "ftp://contoh.co.id",
        "not a url",
        "localhost",
        "https://",
        "https://user:pw@contoh.co.id",
        "http://192.168.0.1",
        "contoh",
        "https://contoh.co.id:99999",
        "x" * 290 + ".com",
    ],
)
def test_website_rejected(raw: str) -> None:
    with pytest.raises(ValidationError):
        LeadCreate(last_name="W", website=raw)


def test_enums() -> None:
    assert [s.value for s in LeadSource] == [
        "web",
        "referral",
        "campaign",
        "event",
        "cold_call",
        "social",
        "partner",
        "import",
        "other",
    ]
    assert [s.value for s in LeadStatus] == [
        "new",
        "contacted",
        "qualified",
        "unqualified",
        "converted",
    ]
    assert [r.value for r in Rating] == ["hot", "warm", "cold", "junk"]
    assert LeadSource("import") is LeadSource.IMPORT
    assert LEAD_BASE_FIELDS[:2] == ("first_name", "last_name")
    assert "owner_id" not in LEAD_BASE_FIELDS


# --------------------------------------------------------------------------- update


def test_update_partial_fields_set() -> None:
    upd = LeadUpdate.model_validate({"email": "A@B.CO.ID", "phone": None, "tags": ["X", "x"]})
    assert upd.model_fields_set == {"email", "phone", "tags"}
    assert upd.changes() == {"email": "a@b.co.id", "phone": None, "tags": ["x"]}


def test_update_changes_json_compatible() -> None:
    assert LeadUpdate(source=LeadSource.REFERRAL, junk=True).changes() == {
        "source": "referral",
        "junk": True,
    }
    assert LeadUpdate().changes() == {}


@pytest.mark.parametrize("field", ["status", "score", "rating", "tenant_id", "version", "id"])
def test_update_rejects_server_fields(field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        LeadUpdate.model_validate({field: "x"})
    assert exc.value.errors()[0]["type"] == "extra_forbidden"


@pytest.mark.parametrize("field", ["last_name", "source", "tags", "custom", "junk"])
def test_update_rejects_null_for_required_fields(field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        LeadUpdate.model_validate({field: None})
    assert _errors(exc)[0][0] == field


def test_update_validates_like_create() -> None:
    with pytest.raises(ValidationError):
        LeadUpdate(phone="123")
    with pytest.raises(ValidationError):
        LeadUpdate(last_name="")
    assert LeadUpdate(phone="0812-3456-7890").phone == "+6281234567890"
    assert LeadUpdate(owner_id=None).changes() == {"owner_id": None}


# --------------------------------------------------------------------------- actions


def test_status_change() -> None:
    change = StatusChange(status=LeadStatus.UNQUALIFIED, reason="  no budget ")
    assert change.reason == "no budget"
    assert StatusChange.model_validate({"status": "contacted"}).reason is None
    with pytest.raises(ValidationError, match="convert"):
        StatusChange(status=LeadStatus.CONVERTED)
    with pytest.raises(ValidationError):
        StatusChange.model_validate({"status": "new", "reason": "x" * 501})


@pytest.mark.parametrize(
    ("payload", "ok"),
    [
        ({"owner_id": "u1"}, True),
        ({"round_robin": True}, True),
        ({}, False),
        ({"owner_id": "u1", "round_robin": True}, False),
        ({"owner_id": "", "round_robin": False}, False),
        ({"round_robin": False}, False),
    ],
)
def test_assign_request_exactly_one(payload: dict[str, Any], ok: bool) -> None:
    if ok:
        AssignRequest.model_validate(payload)
    else:
        with pytest.raises(ValidationError, match="exactly one"):
            AssignRequest.model_validate(payload)


def test_deal_draft_money_and_currency() -> None:
    deal = DealDraft.model_validate(
        {"name": "Paket A", "amount": "15000000.50", "expected_close_date": "2025-03-31"}
    )
    assert deal.amount == Decimal("15000000.50")
    assert deal.currency == "IDR"
    assert deal.expected_close_date == date(2025, 3, 31)
    dumped = json.loads(deal.model_dump_json())
    assert dumped["amount"] == "15000000.50"
    assert DealDraft(name="x", amount=Decimal("1E+6")).model_dump(mode="json")["amount"] == (
        "1000000"
    )
    assert DealDraft(name="x", amount=Decimal("1.2345"), currency="usd").currency == "USD"


@pytest.mark.parametrize(
    "payload",
    [
        {"name": "x", "amount": "-1"},
        {"name": "x", "amount": "1.23456"},
        {"name": "x", "amount": "NaN"},
        {"name": "x", "amount": "1", "currency": "RP"},
        {"name": "x", "amount": "1", "currency": "RUPIAH"},
        {"name": "", "amount": "1"},
        {"name": "x"},
    ],
)
def test_deal_draft_rejects(payload: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        DealDraft.model_validate(payload)


def test_convert_and_merge_requests() -> None:
    req = ConvertRequest.model_validate(
        {"account_name": "PT Contoh", "create_deal": {"name": "Deal", "amount": 100}}
    )
    assert req.create_deal is not None
    assert req.create_deal.amount == Decimal(100)
    assert ConvertRequest().create_deal is None
    assert MergeRequest(source_lead_id="abc").source_lead_id == "abc"
    with pytest.raises(ValidationError):
        MergeRequest(source_lead_id="")
    with pytest.raises(ValidationError):
        ConvertRequest.model_validate({"account_name": "x", "contact": {}})


# --------------------------------------------------------------------------- scoring config


@pytest.mark.parametrize(
    ("field", "op", "value"),
    [
        ("source", "eq", "web"),
        ("company", "ne", "x"),
        ("email_domain", "in", ["gmail.com"]),
        ("email_domain", "not_in", ["gmail.com"]),
        ("tags", "contains", "vip"),
        ("phone", "exists", None),
        ("website", "not_exists", None),
        ("custom.employees", "gte", 10),
        ("custom.revenue", "lte", 2.5),
        ("custom.pkp", "eq", True),
        ("campaign_id", "eq", "c1"),
        ("title", "contains", "direktur"),
    ],
)
def test_scoring_rule_valid(field: str, op: str, value: Any) -> None:
    rule = ScoringRule.model_validate(
        {"name": "r", "field": field, "op": op, "value": value, "points": 5}
    )
    assert rule.op is ScoringOp(op)


@pytest.mark.parametrize(
    ("field", "op", "value", "match"),
    [
        ("source", "in", "web", "list"),
        ("source", "not_in", [], "list"),
        ("phone", "exists", "x", "no value"),
        ("custom.n", "gte", "10", "number"),
        ("custom.n", "lte", True, "number"),
        ("title", "contains", None, "string"),
        ("source", "eq", None, "single"),
        ("source", "eq", ["web"], "single"),
        ("notes", "eq", "x", "unknown field"),
        ("status", "eq", "x", "unknown field"),
        ("custom.$x", "eq", "x", "unknown field"),
        ("custom.", "eq", "x", "unknown field"),
        ("source", "regex", ".*", "Input should be"),
    ],
)
def test_scoring_rule_invalid(field: str, op: str, value: Any, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        ScoringRule.model_validate(
            {"name": "r", "field": field, "op": op, "value": value, "points": 5}
        )


@pytest.mark.parametrize("points", [-101, 101])
def test_scoring_rule_points_bounds(points: int) -> None:
    with pytest.raises(ValidationError):
        ScoringRule(name="r", field="phone", op=ScoringOp.EXISTS, points=points)


def test_scoring_config_thresholds() -> None:
    config = ScoringConfig()
    assert (config.hot_threshold, config.warm_threshold, config.junk_below) == (70, 40, None)
    with pytest.raises(ValidationError, match="warm_threshold"):
        ScoringConfig(hot_threshold=40, warm_threshold=40)
    with pytest.raises(ValidationError):
        ScoringConfig(rules=[ScoringRule(name="r", field="phone", op="exists", points=1)] * 101)
    dup = ScoringRule(id="a", name="r", field="phone", op=ScoringOp.EXISTS, points=1)
    with pytest.raises(ValidationError, match="unique"):
        ScoringConfig(rules=[dup, dup])


# --------------------------------------------------------------------------- output


def _doc() -> dict[str, Any]:
    return {
        "_id": "65f0c0ffee",
        "tenant_id": "t1",
        "last_name": "Wijaya",
        "first_name": "Andi",
        "email": "andi@contoh.co.id",
        "phone": "+6281234567890",
        "source": "referral",
        "tags": ["vip"],
        "custom": {},
        "junk": False,
        "status": "converted",
        "rating": "warm",
        "score": 55,
        "score_reasons": [{"rule_id": "r1", "name": "Referral", "points": 20}],
        "owner_id": "u1",
        "converted": {
            "account_name": "PT Contoh",
            "deal": {"name": "Deal", "amount": Decimal("1500000.00"), "currency": "IDR"},
            "converted_at": datetime(2025, 1, 2, 3, 4, 5),  # naive, as pymongo returns it
            "converted_by": "u1",
        },
        "version": 3,
        "created_at": datetime(2025, 1, 1, tzinfo=UTC),
        "updated_at": datetime(2025, 1, 2, 3, 4, 5),
        "search": ["a", "an"],
        "search_text": "andi wijaya",
    }


def test_lead_out_from_doc() -> None:
    out = LeadOut.from_doc(_doc())
    assert out.id == "65f0c0ffee"
    assert out.status is LeadStatus.CONVERTED
    assert out.rating is Rating.WARM
    assert out.updated_at.tzinfo is not None
    assert out.converted is not None
    assert out.converted.converted_at == datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    body = json.loads(out.model_dump_json())
    assert body["converted"]["deal"]["amount"] == "1500000.00"
    assert body["score_reasons"] == [{"rule_id": "r1", "name": "Referral", "points": 20}]
    assert "search" not in body


def test_lead_out_decimal128_like() -> None:
    class FakeDecimal128:
        def to_decimal(self) -> Decimal:
            return Decimal("42.5000")

    doc = _doc()
    doc["converted"]["deal"]["amount"] = FakeDecimal128()
    out = LeadOut.from_doc(doc)
    assert out.converted is not None
    assert out.converted.deal is not None
    assert out.converted.deal.amount == Decimal("42.5000")


def test_lead_out_requires_aware_datetimes() -> None:
    data = LeadOut.from_doc(_doc()).model_dump()
    data["created_at"] = datetime(2025, 1, 1)
    with pytest.raises(ValidationError):
        LeadOut.model_validate(data)


def test_lead_page_and_conversion_out() -> None:
    page = LeadPage(items=[LeadOut.from_doc(_doc())], next_cursor="abc")
    assert json.loads(page.model_dump_json())["next_cursor"] == "abc"
    conv = ConversionOut(converted_at=datetime.now(UTC))
    assert conv.deal is None
    assert conv.contact_id is None
