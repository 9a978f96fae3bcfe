"""Pure e-mail rules: the MIME message of a delivery, and what an SMTP failure means."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any

import aiosmtplib

from crm_shared.ids import utcnow


class InvalidMessage(ValueError):
    """The delivery cannot become a valid e-mail (bad address): a permanent failure."""


@dataclass(frozen=True)
class SmtpFailure:
    """An SMTP send that failed: ``permanent`` failures are not retried."""

    error: str
    permanent: bool


def single_line(text: str) -> str:
    """``text`` without line breaks (no header injection through a subject or name)."""
    return " ".join(text.split())


def recipient_address(to: str) -> str:
    """The bare, checked address of ``to``; :class:`InvalidMessage` if it is not one."""
    _, address = parseaddr(single_line(to))
    try:
        parsed = Address(addr_spec=address)
    except (ValueError, IndexError, MessageError) as exc:
        raise InvalidMessage(f"invalid recipient address {to!r}") from exc
    if not parsed.username or not parsed.domain or address != to.strip():
        raise InvalidMessage(f"invalid recipient address {to!r}")
    return address


def message_id(request_id: str, mail_from: str) -> str:
    """A Message-ID derived from the request id, so a resend is recognisably the same."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in request_id)
    return f"<{safe}@{domain}>"


def build_message(delivery: Mapping[str, Any], *, mail_from: str) -> EmailMessage:
    """The multipart message (text, plus HTML when given) of one delivery document."""
    to = recipient_address(str(delivery["to"]))
    name = delivery.get("to_name")
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = formataddr((single_line(name), to)) if name else to
    message["Subject"] = single_line(str(delivery["subject_line"]))
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id(str(delivery["_id"]), mail_from)
    unsubscribe = delivery.get("unsubscribe_url")
    if unsubscribe and single_line(str(unsubscribe)).startswith(("https://", "http://")):
        message["List-Unsubscribe"] = f"<{single_line(str(unsubscribe))}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(str(delivery["body_text"]))
    if delivery.get("body_html"):
        message.add_alternative(str(delivery["body_html"]), subtype="html")
    return message


def classify(exc: BaseException) -> SmtpFailure:
    """Whether a send failure is permanent (a 5xx reply, a bad message) or worth a retry
    (a 4xx reply; the connection refused, dropped or timed out; our credentials)."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        detail = "; ".join(f"{r.code} {r.message}" for r in exc.recipients)
        permanent = all(r.code >= 500 for r in exc.recipients)
        return SmtpFailure(f"recipient refused: {detail}", permanent)
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return SmtpFailure(f"authentication failed: {exc.code} {exc.message}", permanent=False)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return SmtpFailure(f"{exc.code} {exc.message}", permanent=exc.code >= 500)
    if isinstance(exc, InvalidMessage):
        return SmtpFailure(str(exc), permanent=True)
    return SmtpFailure(f"{type(exc).__name__}: {exc}".rstrip(": "), permanent=False)
