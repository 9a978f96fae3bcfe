"""The one catalogue of integration events: one pydantic model per (type, version).

Changes inside a version are additive only; a breaking change is a new model with
``version = 2`` published beside the old one. Consumers ignore unknown fields
(``extra="ignore"``); producers build models in code, so they never send fields
outside the schema. JSON Schemas of every model are committed under ``docs/events``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

Money = Annotated[
    Decimal,
    Field(
        json_schema_extra={
            "pattern": r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$",
            "examples": ["1500000.00"],
        }
    ),
]
"""A decimal amount, sent as a numeric string (never a float, so no rounding)."""


class EventData(BaseModel):
    """Base of every event payload; subclasses set the class variables."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    version: ClassVar[int] = 1
    owner: ClassVar[str]
    """The service that publishes it; its topic is ``crm.<owner>``."""

    def subject(self) -> str:
        """The aggregate id: the Kafka key, so one aggregate's events stay in order."""
        raise NotImplementedError


_REGISTRY: dict[tuple[str, int], type[EventData]] = {}


def register(model: type[EventData]) -> type[EventData]:
    """Class decorator adding a model to the catalogue."""
    key = (model.event_type, model.version)
    if key in _REGISTRY:
        raise ValueError(f"event {key} registered twice")
    _REGISTRY[key] = model
    return model


def lookup(event_type: str, version: int) -> type[EventData] | None:
    """The model for ``event_type`` at ``version``, or None when the catalogue has none."""
    return _REGISTRY.get((event_type, version))


def is_known_type(event_type: str) -> bool:
    """True when any version of ``event_type`` is in the catalogue."""
    return any(t == event_type for t, _ in _REGISTRY)


def all_models() -> list[type[EventData]]:
    """Every registered model, sorted by type then version."""
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


# --- leads -----------------------------------------------------------------------------


class LeadSnapshot(BaseModel):
    """The lead fields other services may project."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    lead_id: str
    first_name: str | None = None
    last_name: str
    email: str | None = None
    phone: str | None = None
    company: str | None = None
    title: str | None = None
    website: str | None = None
    source: str
    campaign_id: str | None = None
    status: str
    rating: str
    score: int
    owner_id: str | None = None
    tags: list[str] = []
    custom: dict[str, Any] = {}
    version: int


class _LeadEvent(EventData):
    owner: ClassVar[str] = "leads"
    lead_id: str

    def subject(self) -> str:
        return self.lead_id


@register
class LeadCreated(_LeadEvent):
    """A lead was captured (API, import, web form)."""

    event_type: ClassVar[str] = "LeadCreated"
    lead: LeadSnapshot


@register
class LeadUpdated(_LeadEvent):
    """Lead fields changed (edit, unqualify, rescoring, merge of another lead into it)."""

    event_type: ClassVar[str] = "LeadUpdated"
    lead: LeadSnapshot
    changed_fields: list[str]


@register
class LeadAssigned(_LeadEvent):
    """A lead got a new owner."""

    event_type: ClassVar[str] = "LeadAssigned"
    owner_id: str
    previous_owner_id: str | None = None
    assigned_by: str
    method: str
    """``manual``, ``round_robin`` or ``auto`` (on creation)."""


@register
class LeadQualified(_LeadEvent):
    """A lead moved to status ``qualified``."""

    event_type: ClassVar[str] = "LeadQualified"
    lead: LeadSnapshot
    qualified_by: str


class ConvertedContact(BaseModel):
    """What the contacts service needs to create (or link) the contact."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    contact_id: str | None = None
    """The id a new contact is created with (chosen at the conversion, so downstream
    creation is idempotent on it); when a contact with the same e-mail exists, that one is
    linked instead and ContactUpdated names the lead. Absent in events of versions before
    it was chosen there."""
    first_name: str | None = None
    last_name: str
    email: str | None = None
    phone: str | None = None
    title: str | None = None


class ConvertedAccount(BaseModel):
    """The account (company) to link: the existing one the user chose (``account_id``),
    else one found by domain / name, else a new one."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str
    website: str | None = None
    domain: str | None = None
    account_id: str | None = None
    new_account_id: str | None = None
    """The id a new account is created with when none was chosen or found (chosen at the
    conversion); absent in events of versions before it was chosen there."""


class ConvertedDeal(BaseModel):
    """The deal to open in the default pipeline."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    deal_id: str | None = None
    """The id the deal is opened with (chosen at the conversion, so the lead records it at
    once); absent in events of versions before it was chosen there."""
    name: str
    amount: Money
    currency: str
    expected_close_date: date | None = None


@register
class LeadConverted(_LeadEvent):
    """A lead became a contact (with optional account and deal)."""

    event_type: ClassVar[str] = "LeadConverted"
    converted_by: str
    converted_at: datetime
    owner_id: str | None = None
    source: str
    campaign_id: str | None = None
    tags: list[str] = []
    contact: ConvertedContact
    account: ConvertedAccount | None = None
    deal: ConvertedDeal | None = None


@register
class LeadDeleted(_LeadEvent):
    """A lead was deleted, or merged into another lead (``merged_into``)."""

    event_type: ClassVar[str] = "LeadDeleted"
    merged_into: str | None = None
    deleted_by: str


# --- contacts --------------------------------------------------------------------------


class ContactSnapshot(BaseModel):
    """The contact fields other services may project (deal names, campaign segments)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    contact_id: str
    first_name: str | None = None
    last_name: str
    email: str | None = None
    """The primary e-mail."""
    emails: list[str] = []
    phones: list[str] = []
    title: str | None = None
    account_id: str | None = None
    account_role: str | None = None
    lifecycle_stage: str
    do_not_contact: bool = False
    owner_id: str | None = None
    source_lead_id: str | None = None
    tags: list[str] = []
    custom: dict[str, Any] = {}
    purchase_count: int = 0
    purchase_total: Money = Decimal(0)
    last_purchase_at: datetime | None = None
    rfm_segment: str | None = None
    version: int


class _ContactEvent(EventData):
    owner: ClassVar[str] = "contacts"
    contact_id: str

    def subject(self) -> str:
        return self.contact_id


@register
class ContactCreated(_ContactEvent):
    """A contact was created (API, import, or a converted lead: ``source_lead_id``)."""

    event_type: ClassVar[str] = "ContactCreated"
    contact: ContactSnapshot
    converted_lead_id: str | None = None
    """Set when converting this lead created the contact."""


@register
class ContactUpdated(_ContactEvent):
    """Contact fields changed (edit, merge, purchase stats, lifecycle stage, RFM segment)."""

    event_type: ClassVar[str] = "ContactUpdated"
    contact: ContactSnapshot
    changed_fields: list[str]
    converted_lead_id: str | None = None
    """Set when converting this lead linked it to this existing contact."""


@register
class ContactDeleted(_ContactEvent):
    """A contact was deleted, or merged into another contact (``merged_into``)."""

    event_type: ClassVar[str] = "ContactDeleted"
    merged_into: str | None = None
    deleted_by: str


@register
class AccountCreated(EventData):
    """An account (company) was created."""

    event_type: ClassVar[str] = "AccountCreated"
    owner: ClassVar[str] = "contacts"
    account_id: str
    name: str
    domain: str | None = None
    industry: str | None = None
    employee_count: int | None = None
    type: str
    owner_id: str | None = None
    parent_account_id: str | None = None
    source_lead_id: str | None = None

    def subject(self) -> str:
        return self.account_id


class _ActivityEvent(EventData):
    owner: ClassVar[str] = "contacts"
    activity_id: str

    def subject(self) -> str:
        return self.activity_id


@register
class ActivityLogged(_ActivityEvent):
    """A call, e-mail, meeting, task or note was logged on a contact, account or deal."""

    event_type: ClassVar[str] = "ActivityLogged"
    kind: str
    subject_line: str
    contact_id: str | None = None
    account_id: str | None = None
    deal_id: str | None = None
    owner_id: str | None = None
    due_at: datetime | None = None
    occurred_at: datetime
    logged_by: str


@register
class ActivityCompleted(_ActivityEvent):
    """A task was marked done."""

    event_type: ClassVar[str] = "ActivityCompleted"
    contact_id: str | None = None
    account_id: str | None = None
    deal_id: str | None = None
    completed_by: str
    completed_at: datetime


class _CaseEvent(EventData):
    owner: ClassVar[str] = "contacts"
    case_id: str

    def subject(self) -> str:
        return self.case_id


@register
class CaseOpened(_CaseEvent):
    """A customer-service case was opened."""

    event_type: ClassVar[str] = "CaseOpened"
    subject_line: str
    type: str
    priority: str
    contact_id: str | None = None
    account_id: str | None = None
    assignee_id: str | None = None
    sla_due_at: datetime
    opened_by: str


@register
class CaseResolved(_CaseEvent):
    """A case moved to ``resolved``; ``sla_breached`` when that was after its SLA due time."""

    event_type: ClassVar[str] = "CaseResolved"
    priority: str
    contact_id: str | None = None
    account_id: str | None = None
    assignee_id: str | None = None
    resolution: str | None = None
    resolved_by: str
    resolved_at: datetime
    sla_breached: bool


# --- deals -----------------------------------------------------------------------------


class _DealEvent(EventData):
    owner: ClassVar[str] = "deals"
    deal_id: str

    def subject(self) -> str:
        return self.deal_id


@register
class DealStageChanged(_DealEvent):
    """A deal moved between pipeline stages."""

    event_type: ClassVar[str] = "DealStageChanged"
    pipeline_id: str
    from_stage: str | None = None
    to_stage: str
    amount: Money
    currency: str
    probability: int
    owner_id: str | None = None
    source_lead_id: str | None = None
    changed_by: str
    is_won: bool = False
    is_lost: bool = False
    was_won: bool = False
    """The deal left Closed Won (a reopened win): purchase stats must drop it."""


class DealSnapshot(BaseModel):
    """The deal fields other services may project."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    deal_id: str
    name: str
    pipeline_id: str
    stage: str
    amount: Money
    currency: str
    probability: int
    expected_close_date: date | None = None
    contact_ids: list[str] = []
    account_id: str | None = None
    owner_id: str | None = None
    source_lead_id: str | None = None
    campaign_id: str | None = None
    version: int


@register
class DealCreated(_DealEvent):
    """A deal was opened (API, or a converted lead: ``deal.source_lead_id``)."""

    event_type: ClassVar[str] = "DealCreated"
    deal: DealSnapshot
    created_by: str


class _DealClosed(_DealEvent):
    amount: Money
    currency: str
    pipeline_id: str
    contact_ids: list[str] = []
    account_id: str | None = None
    owner_id: str | None = None
    source_lead_id: str | None = None
    campaign_id: str | None = None
    closed_at: datetime
    closed_by: str


@register
class DealWon(_DealClosed):
    """A deal entered Closed Won."""

    event_type: ClassVar[str] = "DealWon"


@register
class DealLost(_DealClosed):
    """A deal entered Closed Lost, with the reason."""

    event_type: ClassVar[str] = "DealLost"
    lost_reason: str


# --- campaigns -------------------------------------------------------------------------


@register
class CampaignLaunched(EventData):
    """A campaign was launched: its audience is frozen and its e-mails are being requested."""

    event_type: ClassVar[str] = "CampaignLaunched"
    owner: ClassVar[str] = "campaigns"
    campaign_id: str
    name: str
    type: str
    segment_ids: list[str] = []
    audience_size: int
    """Members that will be e-mailed (opted-out and do-not-contact members excluded)."""
    suppressed: int = 0
    """Members left out because they opted out, are do-not-contact or have no e-mail."""
    launched_by: str
    launched_at: datetime

    def subject(self) -> str:
        return self.campaign_id


@register
class CampaignMemberAdded(EventData):
    """A contact was added to a campaign (by id, CSV, segment freeze or an automation)."""

    event_type: ClassVar[str] = "CampaignMemberAdded"
    owner: ClassVar[str] = "campaigns"
    campaign_id: str
    contact_id: str
    status: str
    added_by: str

    def subject(self) -> str:
        return self.campaign_id


@register
class EmailRequested(EventData):
    """Send one rendered e-mail; ``request_id`` makes the send idempotent downstream."""

    event_type: ClassVar[str] = "EmailRequested"
    owner: ClassVar[str] = "campaigns"
    request_id: str
    to: str
    to_name: str | None = None
    subject_line: str
    body_text: str
    body_html: str | None = None
    campaign_id: str | None = None
    automation_id: str | None = None
    contact_id: str | None = None
    lead_id: str | None = None
    requested_by: str
    unsubscribe_url: str | None = None
    """The recipient's one-click unsubscribe link (sent as ``List-Unsubscribe``, RFC 8058)."""

    def subject(self) -> str:
        return self.request_id


@register
class UserNotificationRequested(EventData):
    """Show a user an in-app notification (an automation's "notify a user" action)."""

    event_type: ClassVar[str] = "UserNotificationRequested"
    owner: ClassVar[str] = "campaigns"
    request_id: str
    user_id: str
    title: str
    body: str = ""
    link: str | None = None
    automation_id: str | None = None

    def subject(self) -> str:
        return self.request_id


# --- notifications ---------------------------------------------------------------------


class _NotificationOutcome(EventData):
    owner: ClassVar[str] = "notifications"
    notification_id: str
    channel: str
    """``email`` or ``in_app``."""
    request_id: str | None = None
    """The EmailRequested request id this answers (e-mail only)."""
    recipient: str
    campaign_id: str | None = None
    automation_id: str | None = None
    contact_id: str | None = None
    attempts: int = 1

    def subject(self) -> str:
        return self.notification_id


@register
class NotificationSent(_NotificationOutcome):
    """An e-mail was accepted by the SMTP server, or an in-app notification was stored."""

    event_type: ClassVar[str] = "NotificationSent"
    sent_at: datetime


@register
class NotificationFailed(_NotificationOutcome):
    """An e-mail could not be delivered (permanent refusal, or retries exhausted)."""

    event_type: ClassVar[str] = "NotificationFailed"
    error: str
    permanent: bool
    """True for a permanent refusal (5xx, bad address): the address bounced."""
    failed_at: datetime


@register
class WebhookDeliveryFailed(EventData):
    """A webhook delivery gave up (retries exhausted, or refused for good)."""

    event_type: ClassVar[str] = "WebhookDeliveryFailed"
    owner: ClassVar[str] = "notifications"
    subscription_id: str
    delivery_id: str
    event_id: str
    event_type_delivered: str
    url: str
    attempts: int
    last_status: int | None = None
    error: str
    subscription_disabled: bool = False
    """The run of failures reached the limit and the subscription was switched off."""

    def subject(self) -> str:
        return self.subscription_id
